"""Send one claimed batch over one SMTP connection, recording every outcome.

Each row is marked `sending` in a commit made after the message body has
reached the relay and before the final "." that makes the relay take it. A
worker killed before that commit leaves the row `queued` (the relay discarded
the unfinished message, so sending it again is right); killed after it, the
row stays `sending` and becomes `uncertain`, never sent twice.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from b40news.delivery import ledger
from b40news.delivery.models import Delivery, Rendition, Suppression
from b40news.delivery.ratelimit import RateLimiter, parse_rates
from b40news.delivery.smtp import SmtpSession, SmtpSettings
from b40news.network import links
from b40news.newsletter.dkim import DkimSigner
from b40news.newsletter.message import build_message
from b40news.newsletter.render import Rendered, personalise

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


@functools.lru_cache(maxsize=1)
def dkim_signer() -> DkimSigner | None:
    if not settings.DKIM_PRIVATE_KEY_FILE:
        return None
    domain = settings.DKIM_DOMAIN or settings.FROM_EMAIL.rpartition("@")[2]
    pem = Path(settings.DKIM_PRIVATE_KEY_FILE).read_bytes()
    return DkimSigner(settings.DKIM_SELECTOR, domain, pem)


def rate_limiter() -> RateLimiter | None:
    if not (settings.SMTP_RATE_LIMIT and settings.REDIS_URL):
        return None
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    relay = SmtpSettings.from_url(settings.SMTP_URL)
    return RateLimiter(client, f"b40news:rate:{relay.host}:{relay.port}", parse_rates(settings.SMTP_RATE_LIMIT))


def send_batch(batch: str) -> BatchReport:
    report = BatchReport()
    report.uncertain += ledger.abandon_interrupted(batch)
    rows = list(
        Delivery.objects.filter(batch=batch, state=State.QUEUED)
        .select_related("subscriber", "mailing_list__city", "release")
        .order_by("id")
    )
    if not rows:
        return report
    suppressed = set(
        Suppression.objects.filter(email__in=[row.subscriber.email for row in rows]).values_list("email", flat=True)
    )
    blocked = [row.pk for row in rows if row.subscriber.email in suppressed]
    ledger.mark_suppressed(blocked)
    report.suppressed = len(blocked)
    rows = [row for row in rows if row.subscriber.email not in suppressed]
    renditions = _renditions(rows)
    limiter = rate_limiter()
    signer = dkim_signer()
    previous: ledger.Outcome | None = None
    with SmtpSession(SmtpSettings.from_url(settings.SMTP_URL)) as smtp:
        for position, row in enumerate(rows):
            if limiter is not None and not limiter.take(1, max_wait=RATE_WAIT):
                report.deferred = ledger.defer([r.pk for r in rows[position:]], limiter.retry_after(1))
                break
            message, envelope = _message(row, renditions[(row.language, row.mailing_list.city_id)], signer)
            pending_outcome = previous

            def mark_sending(row=row, pending_outcome=pending_outcome) -> bool:
                return ledger.start_sending(row.pk, pending_outcome)

            result = smtp.send(
                message,
                mail_from=envelope.mail_from,
                rcpt_to=envelope.rcpt_to,
                smtputf8=envelope.smtputf8,
                before_commit=mark_sending,
            )
            if result.outcome == "skipped":  # another worker holds the row
                report.skipped += 1
                continue
            if not result.committed:
                # The row was never marked `sending` (refused at MAIL or RCPT,
                # or the connection failed before DATA): record it now.
                ledger.start_sending(row.pk, previous)
            previous = ledger.Outcome(row, result.outcome, result.code, result.detail, permanent_rcpt=result.stage == "rcpt")
            setattr(report, result.outcome, getattr(report, result.outcome) + 1)
    ledger.flush(previous)
    return report


def _renditions(rows: list[Delivery]) -> dict[tuple[str, int], Rendered]:
    wanted = {(row.language, row.mailing_list.city_id) for row in rows}
    release_ids = {row.release_id for row in rows}
    found = {}
    for rendition in Rendition.objects.filter(release_id__in=release_ids):
        key = (rendition.language, rendition.city_id)
        if key in wanted:
            found[key] = Rendered(
                language=rendition.language,
                subject=rendition.subject,
                html=rendition.html,
                text=rendition.text,
                errors=tuple(rendition.errors),
            )
    missing = wanted - set(found)
    if missing:
        raise RuntimeError(f"batch needs renditions that do not exist: {sorted(missing)}")
    return found


def _message(row: Delivery, rendered: Rendered, signer: DkimSigner | None):
    subscriber, mailing_list = row.subscriber, row.mailing_list
    unsubscribe = links.unsubscribe_url(subscriber.pk, mailing_list.pk)
    html, text = personalise(
        rendered,
        {
            "unsubscribe_url": unsubscribe,
            "preferences_url": links.preferences_url(subscriber.pk),
            "recipient_email": subscriber.email,
        },
    )
    city = mailing_list.city
    message, envelope = build_message(
        subject=rendered.subject,
        html=html,
        text=text,
        language=row.language,
        from_addr=settings.FROM_EMAIL,
        from_name=f"{city.name(row.language)} · B40",
        to_addr=subscriber.email,
        message_id=row.message_id,
        list_id=f"{mailing_list.name} <{mailing_list.slug}.{settings.FROM_EMAIL.rpartition('@')[2]}>",
        unsubscribe_https=unsubscribe,
        unsubscribe_mailto=links.unsubscribe_mailto(subscriber.pk, mailing_list.pk),
        date=timezone.now(),
        bounce_address=settings.BOUNCE_ADDRESS,
        verp_token=str(row.pk),
    )
    if signer is not None:
        message = signer.sign(message)
    return message, envelope
