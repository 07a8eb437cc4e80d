"""The ledger: freezing the audience, claiming batches, recording each outcome.

One Delivery row per (release, subscriber), unique in the database, so every
step here is safe to repeat (Keila's ledger, with Postgres' SKIP LOCKED claim;
on SQLite the IMMEDIATE write transaction serialises claims instead).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from b40news.delivery.models import Delivery, Suppression
from b40news.network.models import Subscription
from b40news.newsletter.message import make_message_id
from b40news.releases.models import Release, Translation

State = Delivery.State
RETRY_DELAYS = (60, 300, 1800, 7200, 21600)  # seconds after the 1st, 2nd… temporary failure


def approved_languages(release: Release) -> set[str]:
    return set(
        release.translations.filter(status=Translation.Status.APPROVED).values_list("language__code", flat=True)
    )


def _language_for(code: str, approved: set[str], fallbacks: dict[str, str]) -> tuple[str, str]:
    """(language, state) of a new or waiting delivery."""
    if code in approved:
        return code, State.PENDING
    fallback = fallbacks.get(code)
    if fallback in approved:
        return fallback, State.PENDING
    return code, State.WAITING


def freeze_audience(release: Release) -> int:
    """One row per confirmed, unsuppressed subscriber of the release's lists.

    Returns how many rows were added; a second call adds none.
    """
    approved = approved_languages(release)
    suppressed = Suppression.objects.values("email")
    subscriptions = (
        Subscription.objects.filter(
            mailing_list__in=release.lists.all(), status=Subscription.Status.CONFIRMED
        )
        .exclude(subscriber__email__in=suppressed)
        .exclude(subscriber__deliveries__release=release)
        .order_by("subscriber_id", "mailing_list_id")
        .values_list("subscriber_id", "mailing_list_id", "subscriber__language__code")
    )
    domain = settings.FROM_EMAIL.rpartition("@")[2]
    now = timezone.now()
    rows, seen = [], set()
    for subscriber_id, list_id, code in subscriptions.iterator(chunk_size=5000):
        if subscriber_id in seen:  # on two of the release's lists: one message
            continue
        seen.add(subscriber_id)
        language, state = _language_for(code, approved, release.fallbacks)
        rows.append(
            Delivery(
                release=release,
                subscriber_id=subscriber_id,
                mailing_list_id=list_id,
                language=language,
                state=state,
                message_id=make_message_id(f"{release.pk}.{subscriber_id}", domain),
                created_at=now,
            )
        )
    Delivery.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def release_waiting(release: Release) -> int:
    """Waiting rows whose language (or chosen fallback) is now approved become pending."""
    approved = approved_languages(release)
    moved = 0
    with transaction.atomic():
        for code in set(
            Delivery.objects.filter(release=release, state=State.WAITING).values_list("language", flat=True)
        ):
            language, state = _language_for(code, approved, release.fallbacks)
            if state == State.PENDING:
                moved += Delivery.objects.filter(release=release, state=State.WAITING, language=code).update(
                    state=State.PENDING, language=language
                )
    return moved


def claim_batch(release_id: int, size: int) -> str | None:
    """Move up to ``size`` due pending rows into a new batch; its token, or None."""
    now = timezone.now()
    token = str(uuid.uuid4())
    with transaction.atomic():
        due = Delivery.objects.filter(release_id=release_id, state=State.PENDING).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("id").values_list("id", flat=True)[:size])
        if not ids:
            return None
        Delivery.objects.filter(id__in=ids, state=State.PENDING).update(
            state=State.QUEUED, batch=token, queued_at=now
        )
    return token


def next_retry_at(release_id: int):
    return (
        Delivery.objects.filter(release_id=release_id, state=State.PENDING, next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def abandon_interrupted(batch: str) -> int:
    """Rows left in `sending` by a worker that died: their fate is unknown."""
    return Delivery.objects.filter(batch=batch, state=State.SENDING).update(state=State.UNCERTAIN)


def start_sending(delivery_id: int, previous: "Outcome | None" = None) -> bool:
    """Mark one row `sending` (committed before the message is handed over).

    The outcome of the previous message of the batch is written in the same
    transaction: one commit per message. False if the row is no longer queued.
    """
    with transaction.atomic():
        if previous is not None:
            previous.save()
        return bool(
            Delivery.objects.filter(id=delivery_id, state=State.QUEUED).update(
                state=State.SENDING, sending_at=timezone.now(), attempts=F("attempts") + 1
            )
        )


class Outcome:
    """What became of one message; saved by the next `start_sending` or `flush`."""

    def __init__(self, delivery: Delivery, outcome: str, code: int | None, detail: str, *, permanent_rcpt: bool):
        self.delivery, self.outcome, self.code, self.detail = delivery, outcome, code, detail
        self.permanent_rcpt = permanent_rcpt

    def save(self) -> None:
        now = timezone.now()
        row = Delivery.objects.filter(id=self.delivery.pk, state__in=[State.SENDING, State.UNCERTAIN])
        fields = {"last_code": self.code, "last_error": "" if self.outcome == "sent" else self.detail[:2000]}
        if self.outcome == "sent":
            row.update(state=State.SENT, sent_at=now, **fields)
        elif self.outcome == "retry":
            attempts = self.delivery.attempts + 1
            if attempts >= len(RETRY_DELAYS) + 1:
                row.update(state=State.FAILED, failed_at=now, **fields)
            else:
                delay = RETRY_DELAYS[attempts - 1]
                row.update(state=State.PENDING, batch="", next_attempt_at=now + timedelta(seconds=delay), **fields)
        elif self.outcome == "failed" and self.permanent_rcpt:
            row.update(state=State.BOUNCED, bounced_at=now, **fields)
            suppress([self.delivery.subscriber.email], Suppression.Reason.HARD_BOUNCE, self.detail)
        elif self.outcome == "failed":
            row.update(state=State.FAILED, failed_at=now, **fields)
        else:
            row.update(state=State.UNCERTAIN, **fields)


def flush(outcome: Outcome | None) -> None:
    if outcome is not None:
        with transaction.atomic():
            outcome.save()


def suppress(emails: Iterable[str], reason: str, detail: str = "") -> None:
    Suppression.objects.bulk_create(
        [Suppression(email=email, reason=reason, detail=detail[:2000]) for email in emails],
        ignore_conflicts=True,
    )


def defer(delivery_ids: Iterable[int], seconds: float) -> int:
    """Queued rows the rate limit holds back go back to pending, due later."""
    return Delivery.objects.filter(id__in=list(delivery_ids), state=State.QUEUED).update(
        state=State.PENDING, batch="", next_attempt_at=timezone.now() + timedelta(seconds=seconds)
    )


def mark_suppressed(delivery_ids: Iterable[int]) -> None:
    Delivery.objects.filter(id__in=list(delivery_ids), state=State.QUEUED).update(state=State.SUPPRESSED)


def retry_failed(release: Release) -> int:
    """Failed rows go back to pending for a new attempt (bounced ones do not)."""
    return Delivery.objects.filter(release=release, state=State.FAILED).update(
        state=State.PENDING, batch="", next_attempt_at=None
    )
