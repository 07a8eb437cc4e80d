"""What review changes: a corrected segment, a human translation, an approval.

A correction is a human decision: the segment's flags are cleared, the pair
goes to the translation memory as human work (it wins over machine output next
time), and the language's title, text and glossary report are rebuilt. A
language some subscriber has already been sent (or is being sent) is locked:
what went out stays what it was.
"""

from __future__ import annotations

import copy

from django.db import transaction
from django.utils.translation import gettext as _

from b40news.delivery.models import Delivery, Rendition
from b40news.glossary.current import current_glossary
from b40news.releases import human
from b40news.releases.intake import ReleaseError, checked_title
from b40news.releases.models import Release, Translation
from b40news.text.protect import protect
from b40news.text.segment import segment
from b40news.translation.memory import remember_human
from b40news.translation.service import check_terms

Status = Translation.Status
EDITABLE = (Status.TRANSLATED, Status.APPROVED)
MAX_SEGMENT_CHARS = 10_000


def language_locked(release: Release, code: str) -> bool:
    """True once a delivery in this language has left the waiting room."""
    return Delivery.objects.filter(release=release, language=code).exclude(state=Delivery.State.WAITING).exists()


def _terms(text: str, glossary) -> list[tuple[int, int, str, str]]:
    return [(m.start, m.end, "term", m.entry_id) for m in glossary.find(text)]


def glossary_report(segments: list[dict], code: str, glossary) -> dict:
    required, satisfied, missing = 0, 0, []
    for item in segments:
        spans = protect(item["source"], _terms(item["source"], glossary)).spans
        check = check_terms(spans, item["target"], code, glossary)
        required, satisfied, missing = required + check.required, satisfied + check.satisfied, missing + check.missing
    return {"required": required, "satisfied": satisfied, "missing": missing}


def _body_text(release: Release, translation: Translation, targets: list[str]) -> str:
    if translation.route == ["human"]:
        return "\n\n".join(targets)  # human translations are aligned by paragraph
    layout = segment(release.body)
    if len(layout.segments) != len(targets):
        raise ReleaseError(_("the segments no longer match the release: translate it again"))
    return layout.join(targets)


def _unapprove(translation: Translation) -> None:
    """An approved language that changes must be approved again, and rendered again."""
    translation.status = Status.TRANSLATED
    translation.approved_at = None
    translation.approved_by = None
    Rendition.objects.filter(release_id=translation.release_id, language=translation.language.code).delete()


def check_editable(release: Release, translation: Translation) -> None:
    code = translation.language.code
    if translation.status not in EDITABLE:
        raise ReleaseError(_("%(code)s is %(status)s: there is nothing to correct") % {"code": code, "status": translation.status})
    if language_locked(release, code):
        raise ReleaseError(_("%(code)s has already been sent: it can no longer change") % {"code": code})


def clean_target(text: str) -> str:
    target = " ".join(text.split())
    if not target:
        raise ReleaseError(_("the corrected segment is empty"))
    if len(target) > MAX_SEGMENT_CHARS:
        raise ReleaseError(_("the corrected segment is too long"))
    return target


def edit_segment(translation: Translation, index: int, text: str) -> Translation:
    release = translation.release
    code = translation.language.code
    check_editable(release, translation)
    segments = copy.deepcopy(translation.segments)
    if not 0 <= index < len(segments):
        raise ReleaseError(_("there is no segment %(number)d") % {"number": index + 1})
    target = clean_target(text)
    if index == 0:  # the title: as bounded and as clean as a submitted one
        target = checked_title(target)
    segments[index].update(target=target, flags=[], from_memory=False, edited=True)
    targets = [item["target"] for item in segments]
    with transaction.atomic():
        translation.segments = segments
        translation.title = targets[0]
        translation.text = _body_text(release, translation, targets[1:])
        translation.glossary_report = glossary_report(segments, code, current_glossary())
        if translation.status == Status.APPROVED:
            _unapprove(translation)
        translation.save()
        remember_human([(segments[index]["source"], target)], code)
    return translation


def upload_translation(release: Release, code: str, raw: bytes, *, name: str, title: str | None, user) -> Translation:
    if language_locked(release, code):
        raise ReleaseError(_("%(code)s has already been sent: it can no longer change") % {"code": code})
    with transaction.atomic():
        translation = human.submit_translation(release, code, raw, name=name, title=title or None, user=user)
        Rendition.objects.filter(release=release, language=translation.language.code).delete()
    return translation
