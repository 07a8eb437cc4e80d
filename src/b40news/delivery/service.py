"""Sending a release: render, freeze the audience, hand batches to workers.

The delivery stage's steps; `releases.workflow` decides when they run and
moves the release between its states.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from b40news.delivery import ledger
from b40news.delivery.models import Delivery
from b40news.delivery.renditions import render_release
from b40news.releases.intake import ReleaseError
from b40news.releases.models import Release, Translation

State = Delivery.State


def render_checked(release: Release) -> int:
    """Render what is missing or out of date; ReleaseError if any rendition has errors."""
    renditions = render_release(release)
    broken = [r for r in release.renditions.select_related("city") if r.errors]
    if broken:
        details = "; ".join(f"{r.language}/{r.city.slug}: {', '.join(r.errors)}" for r in broken)
        raise ReleaseError(f"rendering failed, nothing was sent: {details}")
    return len(renditions)


def prepare_send(release: Release) -> dict[str, int]:
    """Everything before the first message: idempotent, so a send may be repeated."""
    if not release.translations.filter(status=Translation.Status.APPROVED).exists():
        raise ReleaseError(f"release {release.pk} has no approved language yet: approve one first")
    rendered = render_checked(release)
    frozen = ledger.freeze_audience(release)
    released = ledger.release_waiting(release)
    return {"rendered": rendered, "frozen": frozen, "released": released}


def dispatch(release_id: int, enqueue) -> int:
    """Hand the release's due rows to send tasks: ``enqueue(token)`` once per
    batch of SEND_BATCH_SIZE. Returns the number of batches.

    A task claims its batch itself when it first runs, under the token chosen
    here (`sender.send_batch`): no row is ever claimed for a task that was not
    handed to the broker, so a dispatcher that dies half-way loses nothing
    (the broker runs it again; surplus tasks find nothing left to claim).
    Rows a lost batch left behind are first taken back (`ledger.recover_stale`).
    """
    ledger.recover_stale(release_id, stale_after())
    batches = -(-ledger.count_due(release_id) // settings.SEND_BATCH_SIZE)
    for _ in range(batches):
        enqueue(ledger.new_token())
    return batches


def stale_after() -> float:
    """Seconds after which a batch's rows still `queued` (or a row still
    `sending`) are taken for lost: the time the broker waits before it hands a
    dead worker's task to another, and as long again for that one to run."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    return 2.0 * float(options.get("visibility_timeout", 3600))


def seconds_until_next_retry(release_id: int) -> float | None:
    when = ledger.next_retry_at(release_id)
    if when is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


def stalled(release_id: int, now=None) -> bool:
    """Rows to go (queued, sending, or pending and due) and none created, claimed,
    handed over, sent or failed for STALL_SECONDS. One query."""
    now = now or timezone.now()
    due = Q(state=State.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    found = Delivery.objects.filter(release_id=release_id).aggregate(
        to_go=Count("id", filter=Q(state__in=[State.QUEUED, State.SENDING]) | due),
        **{field: Max(field) for field in ("created_at", "queued_at", "sending_at", "sent_at", "failed_at")},
    )
    if not found.pop("to_go"):
        return False
    last = max((moment for moment in found.values() if moment), default=None)
    return last is None or (now - last).total_seconds() > settings.STALL_SECONDS
