"""Sending a release: render, freeze the audience, hand batches to workers."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from b40news.delivery import ledger
from b40news.delivery.models import Delivery
from b40news.delivery.renditions import render_release
from b40news.releases.intake import ReleaseError
from b40news.releases.models import Release, Translation
from b40news.translation.service import store_source

State = Delivery.State


def prepare_send(release: Release) -> dict[str, int]:
    """Everything before the first message: idempotent, so `send` may be run again."""
    store_source(release)
    if not release.translations.filter(status=Translation.Status.APPROVED).exists():
        raise ReleaseError(f"release {release.pk} has no approved language yet: approve one first")
    renditions = render_release(release)
    broken = [r for r in release.renditions.all() if r.errors]
    if broken:
        details = "; ".join(f"{r.language}/{r.city.slug}: {', '.join(r.errors)}" for r in broken)
        raise ReleaseError(f"rendering failed, nothing was sent: {details}")
    frozen = ledger.freeze_audience(release)
    released = ledger.release_waiting(release)
    Release.objects.filter(pk=release.pk).exclude(status=Release.Status.SENT).update(status=Release.Status.SENDING)
    return {"rendered": len(renditions), "frozen": frozen, "released": released}


def dispatch(release_id: int, enqueue) -> int:
    """Claim due pending rows into batches and hand each to ``enqueue(batch)``
    in the same transaction (Keila's scheduler): a batch is never claimed and
    forgotten, nor enqueued twice. Returns the number of batches."""
    batches = 0
    while True:
        with transaction.atomic():
            token = ledger.claim_batch(release_id, settings.SEND_BATCH_SIZE)
            if token is None:
                break
            enqueue(token)
        batches += 1
    return batches


def finish_if_done(release_id: int) -> bool:
    open_states = [State.WAITING, State.PENDING, State.QUEUED, State.SENDING]
    if Delivery.objects.filter(release_id=release_id, state__in=open_states).exists():
        return False
    Release.objects.filter(pk=release_id, status=Release.Status.SENDING).update(status=Release.Status.SENT)
    return True


def seconds_until_next_retry(release_id: int) -> float | None:
    when = ledger.next_retry_at(release_id)
    if when is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())
