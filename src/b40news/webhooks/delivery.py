"""Sending one webhook delivery, with retries and a log; the sweep for due ones.

`send` claims the row (``pending`` → ``sending``, a conditional update: one
worker at a time), posts it signed with a fresh timestamp, and records the
outcome on the row:

- a 2xx: ``delivered``;
- no answer (refused, timeout, TLS), 408, 425, 429 or a 5xx: ``pending`` again
  with ``next_attempt_at`` after the next of `RETRY_DELAYS` (about 1 min, 5 min,
  30 min, 2 h, 8 h, 24 h), then ``failed``;
- any other answer (a 3xx, a 4xx such as a rejected signature) or a URL that
  may not be called: ``failed`` at once. An admin can deliver it again.

Delivery is at least once: a worker that dies after the receiver answered and
before the row was updated leaves it ``sending``; the sweep hands it back
after `STUCK_SECONDS` and it goes again. Receivers tell repeats apart by the
``B40news-Delivery`` header (or the body's event ``id``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from b40news.webhooks import http, signing
from b40news.webhooks.models import Delivery

log = logging.getLogger(__name__)
State = Delivery.State
RETRY_DELAYS = (60, 300, 1800, 7200, 28800, 86400)
RETRY_STATUSES = {408, 425, 429}
STUCK_SECONDS = 600


def send(delivery_id: int, *, now=None) -> tuple[str, float | None]:
    """Send one row: (what became of it, seconds until it may be tried again or None)."""
    now = now or timezone.now()
    row = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if row is None:
        return "missing", None
    if row.state != State.PENDING:
        return row.state, None  # done, or another worker has it: a repeated task is harmless
    if row.next_attempt_at and row.next_attempt_at > now:
        return "early", (row.next_attempt_at - now).total_seconds()
    if not row.endpoint.active:
        _finish(row, State.FAILED, error="the endpoint is switched off")
        return State.FAILED, None
    claimed = Delivery.objects.filter(pk=row.pk, state=State.PENDING).update(
        state=State.SENDING, sending_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "taken", None
    attempts = row.attempts + 1
    body = row.body.encode("utf-8")
    headers = {
        **signing.headers(row.endpoint.secret, body),
        "B40news-Event": row.event,
        "B40news-Delivery": str(row.pk),
        "B40news-Attempt": str(attempts),
    }
    answer = http.post(row.endpoint.url, body, headers, timeout=settings.WEBHOOK_TIMEOUT,
                       allow_local=settings.WEBHOOK_ALLOW_LOCAL)
    fields = {"last_status": answer.status, "last_error": answer.error, "last_response": answer.body,
              "last_duration_ms": answer.duration_ms}
    if answer.status is not None and 200 <= answer.status < 300:
        _finish(row, State.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None, **fields)
        return State.DELIVERED, None
    retryable = (answer.status is None and not answer.error.startswith("refused:")) or (
        answer.status is not None and (answer.status >= 500 or answer.status in RETRY_STATUSES))
    if answer.status is not None and not retryable:
        fields["last_error"] = f"HTTP {answer.status}: not retried"
    if not retryable or attempts > len(RETRY_DELAYS):
        _finish(row, State.FAILED, next_attempt_at=None, **fields)
        log.warning("webhook delivery %s to endpoint %s failed: %s", row.pk, row.endpoint_id,
                    fields["last_error"] or answer.status)
        return State.FAILED, None
    delay = float(RETRY_DELAYS[attempts - 1])
    _finish(row, State.PENDING, next_attempt_at=timezone.now() + timedelta(seconds=delay), **fields)
    return "retry", delay


def _finish(row: Delivery, state: str, **fields) -> None:
    """Record an outcome, only from the state this run put the row in (or pending, before a claim)."""
    Delivery.objects.filter(pk=row.pk, state__in=[State.SENDING, State.PENDING]).update(state=state, **fields)


def again(delivery_ids) -> list[int]:
    """An admin's "deliver again": failed or delivered rows go once more (a fresh set of retries)."""
    ids = list(Delivery.objects.filter(pk__in=list(delivery_ids), state__in=[State.FAILED, State.DELIVERED])
               .values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(state=State.PENDING, attempts=0, next_attempt_at=None)
    return ids


def sweep(enqueue, *, now=None) -> dict[str, int]:
    """Rows due for another try, and rows left ``sending`` by a worker that died, are enqueued again."""
    now = now or timezone.now()
    stuck = Delivery.objects.filter(state=State.SENDING, sending_at__lt=now - timedelta(seconds=STUCK_SECONDS))
    taken_back = stuck.update(state=State.PENDING, next_attempt_at=now)
    due = list(Delivery.objects.filter(state=State.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - timedelta(seconds=60)))
        .values_list("pk", flat=True)[:1000])
    for delivery_id in due:
        enqueue(delivery_id)
    return {"due": len(due), "taken_back": taken_back}
