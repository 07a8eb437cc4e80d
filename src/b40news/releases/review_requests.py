"""Telling reviewers and translators that a release waits for them.

`announce` runs once a submitted release is committed (`workflow.submit`
enqueues it on the ``notify`` queue): every active reviewer and translator of a
language in the release's scope, with an e-mail address, gets one
`ReviewRequest` row — unique per (release, user), so a repeated or retried
announcement stores and sends nothing new. Whoever submitted the release is
not told about it. A request is mailed at once (a `Notice` of kind ``review``
on the same commit), or, for users who chose the daily digest, waits for
`send_digests`: one ``review-digest`` notice per user listing every release
announced since their last digest that still waits for them (requests whose
languages were all approved meanwhile, or whose release was cancelled, are
dropped, not mailed). Rows are claimed under a lock and marked in the same
transaction as the notice is written, so two digests running together send
each request once.

Notices are written in the user's language (`reviewers.mail_language`) and
composed when sent (`delivery.composer`), with links to the review pages and
the release's deadline.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from b40news.delivery import notices
from b40news.delivery.models import Notice
from b40news.releases import reviewers
from b40news.releases.models import Release, ReviewRequest, Translation

log = logging.getLogger(__name__)


def announce(release_id: int) -> list[ReviewRequest]:
    """A request per reviewer and translator of the release (see the module docstring); the new ones."""
    release = Release.objects.select_related("city", "submitted_by").filter(pk=release_id).first()
    if release is None:
        return []
    made = []
    for user, codes in reviewers.people_for(release).items():
        if user.pk == release.submitted_by_id:
            continue
        if not user.email:
            log.warning("%s reviews %s but has no e-mail address: not told of release %s",
                        user.get_username(), ", ".join(codes), release.pk)
            continue
        with transaction.atomic():
            request, created = ReviewRequest.objects.get_or_create(release=release, user=user,
                                                                   defaults={"languages": codes})
            if created and not reviewers.settings_of(user).daily_digest:
                _mail(user, Notice.Kind.REVIEW, [request])
        if created:
            made.append(request)
    return made


def send_digests() -> list[Notice]:
    """One digest notice per user with requests waiting; safe to run at any time, and twice."""
    users = (ReviewRequest.objects.filter(notified_at__isnull=True).order_by()
             .values_list("user_id", flat=True).distinct())
    sent = []
    for user_id in list(users):
        with transaction.atomic():
            rows = list(ReviewRequest.objects.select_for_update().filter(user_id=user_id, notified_at__isnull=True)
                        .select_related("user", "release").order_by("release__created_at", "release_id"))
            if not rows:
                continue  # another digest took them
            ReviewRequest.objects.filter(pk__in=[row.pk for row in rows]).update(notified_at=timezone.now())
            waiting, user = [row for row in rows if _still_waiting(row)], rows[0].user
            if waiting and user.email:
                sent.append(_mail(user, Notice.Kind.REVIEW_DIGEST, waiting))
    return sent


def _still_waiting(request: ReviewRequest) -> bool:
    if request.release.status in reviewers.DONE:
        return False
    approved = set(Translation.objects.filter(
        release_id=request.release_id, status=Translation.Status.APPROVED).values_list("language__code", flat=True))
    return bool(set(request.languages) - approved)


def _mail(user, kind: str, requests: list[ReviewRequest]) -> Notice:
    """The notice for ``requests`` (inside the caller's transaction: sent once it commits)."""
    items = [{"release": request.release_id, "languages": request.languages} for request in requests]
    notice = notices.queue(kind, email=user.email, language=reviewers.mail_language(user),
                           payload={"user": user.pk, "items": items})
    ReviewRequest.objects.filter(pk__in=[request.pk for request in requests]).update(
        notified_at=timezone.now(), notice=notice)
    return notice
