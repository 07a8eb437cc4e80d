"""Comments on one segment of a release in one language: a question or a remark
for the other reviewers and the officer. Not a change of the translation, so
not the workflow's: the editor's view checks who may comment
(`permissions.review_release`) and calls `add`."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from b40news.releases.intake import ReleaseError
from b40news.releases.models import Release, SegmentComment

MAX_COMMENT_CHARS = 2000


def add(release: Release, code: str, index: int, text: str, *, segments: int, user) -> SegmentComment:
    """Store a comment on segment ``index`` (of ``segments``); refused when empty or too long."""
    text = text.strip()
    if not 0 <= index < segments:
        raise ReleaseError(_("there is no segment %(number)d") % {"number": index + 1})
    if not text:
        raise ReleaseError(_("The comment is empty."))
    if len(text) > MAX_COMMENT_CHARS:
        raise ReleaseError(_("The comment is too long (at most %(n)d characters).") % {"n": MAX_COMMENT_CHARS})
    return SegmentComment.objects.create(release=release, language=code, index=index, text=text, user=user,
                                         user_name=user.get_username())


def by_segment(release: Release, code: str) -> dict[int, list[SegmentComment]]:
    found: dict[int, list[SegmentComment]] = defaultdict(list)
    for comment in SegmentComment.objects.filter(release=release, language=code):
        found[comment.index].append(comment)
    return found
