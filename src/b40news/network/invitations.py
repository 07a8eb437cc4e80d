"""The double opt-in e-mail for subscribers an import added as pending.

`create` writes one confirmation ``Notice`` (a ledger row, `delivery.notices`)
per subscription that has none yet, in the import's transaction: an import
run again, or stopped half-way, never invites anybody twice, and rows it
leaves unsent are sent by the periodic sweep. `send` sends them from the
command (or the ``notify`` queue's ``send_invitations`` task for the office),
one by one through `notices.send` (exactly once each, DKIM, VERP,
bounce handling), waiting for the relay's shared rate limit
(``B40NEWS_SMTP_RATE_LIMIT``), and reports progress.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from b40news.delivery import composer, notices
from b40news.delivery.models import Notice
from b40news.network.models import Subscription

MAX_RATE_WAIT = 300.0  # seconds one invitation may wait for the rate limit before the sweep takes over


def create(subscription_ids: Iterable[int], *, batch: str = "") -> list[int]:
    """A confirmation notice per pending subscription that has none; their ids, in order.

    ``batch`` names the import in the notices' payload, for `progress`."""
    ids = list(dict.fromkeys(subscription_ids))
    if not ids:
        return []
    with transaction.atomic():
        invited = set()
        for start in range(0, len(ids), 500):
            invited.update(Notice.objects.filter(kind=Notice.Kind.CONFIRMATION,
                                                 payload__subscription__in=ids[start:start + 500])
                           .values_list("payload__subscription", flat=True))
        wanted = (Subscription.objects.filter(pk__in=ids, status=Subscription.Status.PENDING)
                  .exclude(pk__in=invited).select_related("subscriber__language").order_by("pk"))
        rows = [Notice(kind=Notice.Kind.CONFIRMATION, email=s.subscriber.email, language=s.subscriber.language.code,
                       payload={"subscription": s.pk, "invitation": True, **({"import": batch} if batch else {})})
                for s in wanted.iterator(chunk_size=2000)]
        made = Notice.objects.bulk_create(rows, batch_size=1000)  # with their ids (PostgreSQL, SQLite ≥ 3.35)
        for row in made:
            row.message_id = composer.notice_message_id(row.pk)
        Notice.objects.bulk_update(made, ["message_id"], batch_size=1000)
    return [row.pk for row in made]


def progress(batch: str) -> dict[str, int]:
    """The invitations of one import: ``total``, ``sent``, ``pending`` (not sent yet), ``failed``."""
    states = dict.fromkeys(Notice.State.values, 0)
    for state, n in (Notice.objects.filter(kind=Notice.Kind.CONFIRMATION, payload__import=batch)
                     .values_list("state").annotate(n=Count("id")).order_by()):
        states[state] = n
    sent = states[Notice.State.SENT]
    pending = sum(states[s] for s in (Notice.State.PENDING, Notice.State.QUEUED, Notice.State.SENDING))
    return {"total": sum(states.values()), "sent": sent, "pending": pending,
            "failed": sum(states.values()) - sent - pending}


def batch_in_city(batch: str, city) -> bool:
    """Whether the import ``batch`` invited subscribers of ``city``'s lists."""
    ids = list(Notice.objects.filter(kind=Notice.Kind.CONFIRMATION, payload__import=batch)
               .values_list("payload__subscription", flat=True)[:20])
    return Subscription.objects.filter(pk__in=ids, mailing_list__city=city).exists()


@dataclass
class Sent:
    sent: int = 0
    later: int = 0  # refused for now (4xx) or rate-limited too long: the sweep sends them when due
    failed: int = 0  # bounced or failed: see the notice rows

    def summary(self) -> str:
        return f"invitations: {self.sent} sent, {self.later} to be retried later, {self.failed} failed"


def send(notice_ids: list[int], progress: Callable[[int], None] | None = None,
         sleep: Callable[[float], None] = time.sleep) -> Sent:
    """Send the notices one by one, within the relay's rate limit; ``progress(done)`` after each."""
    report = Sent()
    for done, notice_id in enumerate(notice_ids, start=1):
        waited = 0.0
        while True:
            outcome, again_in = notices.send(notice_id)
            if outcome in ("deferred", "early") and again_in is not None and waited < MAX_RATE_WAIT:
                pause = min(again_in, MAX_RATE_WAIT - waited) + 0.01
                sleep(pause)
                waited += pause
                continue
            break
        if outcome == Notice.State.SENT:
            report.sent += 1
        elif outcome in ("retry", "deferred", "early", "skipped"):
            report.later += 1
        else:
            report.failed += 1
        if progress is not None:
            progress(done)
    return report
