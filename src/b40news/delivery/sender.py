"""Send one batch over one SMTP connection, recording every outcome exactly once.

How a batch survives a crash (tests/integration/test_crash.py kills workers to check it):

- A send task carries a batch token. On its first run it claims up to
  SEND_BATCH_SIZE due rows under that token (`queued`); run again, it finds
  them. Nothing is claimed for a task the broker does not hold.
- Each row is marked `sending` in a commit made after its message body has
  reached the relay and before the final "." that makes the relay take it;
  the previous message's outcome rides in the same commit (one per message).
- A worker killed before that commit leaves the row `queued`: the relay
  dropped the unfinished message, and the row is sent when the broker hands
  the task to another worker (`acks_late`: the Redis transport does so once
  the visibility timeout has passed; a main process that survives its pool
  process does so at once, `reject_on_worker_lost`).
- Killed after it, the row is `sending`; the batch's next run makes it
  `uncertain` (`ledger.abandon_interrupted`), and it is never sent again. So
  a kill leaves at most one uncertain row per pool process. Its window runs
  from that commit to the next one: the "." and the reply, then the next
  message's envelope and body. Most of a worker's time, so a kill mid-batch
  nearly always leaves one; and then the relay nearly always had the message
  (only a kill between the commit and the "." loses it).
- A batch handed out twice while its first run is still alive (a task that
  outlived the visibility timeout): every transition is conditional on the
  row's state and batch, so each row goes once; the run that finds itself
  behind turns round and the two meet half-way.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

from django.conf import settings

from b40news.delivery import composer, ledger
from b40news.delivery.models import Delivery, Rendition, Suppression
from b40news.delivery.ratelimit import RateLimiter, parse_rates
from b40news.delivery.smtp import SmtpSession, SmtpSettings
from b40news.network.models import MailingList
from b40news.newsletter.render import Rendered
from b40news.releases.models import Release

State = Delivery.State
RATE_WAIT = 60.0  # seconds a worker may sleep for the rate limit before handing the rest back


@dataclass
class BatchReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    uncertain: int = 0
    suppressed: int = 0
    skipped: int = 0
    deferred: int = 0
    release_id: int | None = None


def rate_limiter() -> RateLimiter | None:
    if not (settings.SMTP_RATE_LIMIT and settings.REDIS_URL):
        return None
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    relay = SmtpSettings.from_url(settings.SMTP_URL)
    return RateLimiter(client, f"b40news:rate:{relay.host}:{relay.port}", parse_rates(settings.SMTP_RATE_LIMIT))


def send_batch(batch: str, release_id: int | None = None) -> BatchReport:
    """Send the rows of ``batch``; with ``release_id``, first claim them under
    that token if this is the batch's first run (see `service.dispatch`)."""
    report = BatchReport()
    report.uncertain += ledger.abandon_interrupted(batch)
    if release_id is not None and not Delivery.objects.filter(batch=batch).exists():
        if not ledger.release_sendable(release_id):  # paused or cancelled since it was dispatched
            return report
        ledger.claim_batch(release_id, settings.SEND_BATCH_SIZE, token=batch)
    rows = _queued_rows(batch)
    if not rows:
        return report
    report.release_id = rows[0].release_id
    suppressed = set(
        Suppression.objects.filter(email__in=[row.subscriber.email for row in rows]).values_list("email", flat=True)
    )
    blocked = [row.pk for row in rows if row.subscriber.email in suppressed]
    ledger.mark_suppressed(batch, blocked)
    report.suppressed = len(blocked)
    rows = [row for row in rows if row.subscriber.email not in suppressed]
    _send_rows(batch, rows, _renditions(rows), report)
    return report


def _queued_rows(batch: str) -> list[Delivery]:
    """The batch's queued rows, each with its subscriber, list and release. A batch
    has one release and a few lists: those are read once and shared by the rows."""
    rows = list(Delivery.objects.filter(batch=batch, state=State.QUEUED)
                .select_related("subscriber__language").order_by("id"))
    if rows:
        lists = MailingList.objects.select_related("city").in_bulk({row.mailing_list_id for row in rows})
        releases = Release.objects.select_related("city").in_bulk({row.release_id for row in rows})
        for row in rows:
            row.mailing_list, row.release = lists[row.mailing_list_id], releases[row.release_id]
    return rows


def _send_rows(batch: str, rows: list[Delivery], renditions, report: BatchReport) -> None:
    limiter = rate_limiter()
    signer = composer.dkim_signer()
    todo = collections.deque(rows)
    backwards = False  # in ledger order; from the other end once another run is seen
    # The outcome of the last message, not yet written: it goes into the next
    # message's `sending` commit (one commit per message), or is flushed.
    previous: ledger.Outcome | None = None
    try:
        with SmtpSession(SmtpSettings.from_url(settings.SMTP_URL)) as smtp:
            while todo:
                if limiter is not None and not limiter.take(1, max_wait=RATE_WAIT):
                    ledger.record(previous)
                    previous = None
                    report.deferred = ledger.defer(batch, [r.pk for r in todo], limiter.retry_after(1))
                    break
                row = todo.pop() if backwards else todo.popleft()
                try:
                    message, envelope = composer.newsletter(row, renditions[(row.language, row.mailing_list.city_id)], signer)
                except ValueError as exc:  # e.g. an address that cannot be written: this row only
                    ledger.record(previous, ledger.Outcome(row, "failed", None, f"not sendable: {exc}",
                                                           permanent_rcpt=False, claimed=False))
                    previous = None
                    report.failed += 1
                    continue
                asked = []

                def mark_sending(row=row, previous=previous) -> bool:
                    asked.append(True)  # `previous` is committed with this row's `sending`
                    return ledger.start_sending(row.pk, batch, previous)

                result = smtp.send(message, mail_from=envelope.mail_from, rcpt_to=envelope.rcpt_to,
                                   smtputf8=envelope.smtputf8, before_commit=mark_sending)
                if asked:
                    previous = None
                if result.outcome == "skipped":
                    # Another run of this batch (the broker handed it out again)
                    # holds the row. Forget what it has taken already; the
                    # first time, turn round: it goes in ledger order, so from
                    # the other end the two meet half-way.
                    report.skipped += 1
                    still = set(Delivery.objects.filter(batch=batch, state=State.QUEUED).values_list("id", flat=True))
                    todo = collections.deque(r for r in todo if r.pk in still)
                    backwards = True
                    continue
                setattr(report, result.outcome, getattr(report, result.outcome) + 1)
                outcome = ledger.Outcome(row, result.outcome, result.code, result.detail,
                                         permanent_rcpt=result.stage == "rcpt", claimed=result.committed)
                if result.committed:
                    previous = outcome
                    continue
                # Refused before the data, or no connection: the row is still
                # `queued`; record it now, with whatever is pending.
                ledger.record(previous, outcome)
                previous = None
                if result.stage == "connect":  # the relay is unreachable: the rest likewise
                    ledger.record(*(ledger.Outcome(r, result.outcome, result.code, result.detail,
                                                   permanent_rcpt=False, claimed=False) for r in todo))
                    setattr(report, result.outcome, getattr(report, result.outcome) + len(todo))
                    break
    finally:
        ledger.record(previous)


# Renditions already read by this process. A rendition is never changed, only
# deleted and made again (a new row): its id and creation time name its content.
_RENDITIONS: dict[tuple, Rendered] = {}


def _renditions(rows: list[Delivery]) -> dict[tuple[str, int], Rendered]:
    wanted = {(row.language, row.mailing_list.city_id) for row in rows}
    stored = Rendition.objects.filter(
        release_id__in={row.release_id for row in rows},
        language__in={language for language, _ in wanted},
        city_id__in={city for _, city in wanted},
    )
    keys = {(language, city): (pk, created) for pk, language, city, created in
            stored.values_list("id", "language", "city_id", "created_at")}
    missing = wanted - set(keys)
    if missing:
        raise RuntimeError(f"batch needs renditions that do not exist: {sorted(missing)}")
    new = {keys[key] for key in wanted} - set(_RENDITIONS)
    if len(_RENDITIONS) + len(new) > 2000:
        _RENDITIONS.clear()
        new = {keys[key] for key in wanted}
    for rendition in Rendition.objects.filter(id__in=[pk for pk, _ in new]):
        _RENDITIONS[(rendition.pk, rendition.created_at)] = Rendered(
            language=rendition.language,
            subject=rendition.subject,
            html=rendition.html,
            text=rendition.text,
            errors=tuple(rendition.errors),
        )
    return {key: _RENDITIONS[keys[key]] for key in wanted}
