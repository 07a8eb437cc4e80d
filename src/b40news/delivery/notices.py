"""Mail that is not a newsletter, as ledger rows: confirmations, test sends and
reviewers' notifications (`releases.review_requests`).

`queue` writes the row and hands its id to the ``notify`` queue once the
transaction commits; `send` sends one row, exactly once:

- the row is marked ``sending`` (a conditional update, committed) after the
  body has reached the relay and before the final ".", like a newsletter row
  (`delivery/sender.py`); a run that finds it ``sending`` (its worker died
  there) makes it ``uncertain`` and sends nothing;
- a 4xx is tried again later (``next_attempt_at``; the task's retry), a 5xx at
  RCPT is read by its enhanced code like a newsletter's (`scoring`: 5.1.x
  suppresses, 5.7.x fails the row and is reported to the admin), anything
  else fails;
- the relay's rate limit (Redis, shared with newsletters) applies. A
  suppression does not: a notice answers a person's own request (a
  subscription to confirm, an officer's test), and confirming is how a
  suppressed address proves itself again; a reviewer's notification is
  the network's own work mail to its staff.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from b40news.delivery import composer, ledger, scoring
from b40news.delivery.models import MailReport, Notice
from b40news.delivery.smtp import SmtpSession, SmtpSettings

log = logging.getLogger(__name__)
State = Notice.State
RETRY_DELAYS = ledger.RETRY_DELAYS


def queue(kind: str, *, email: str, language: str, payload: dict) -> Notice:
    """A new notice, sent on the ``notify`` queue once the current transaction commits."""
    from worker.tasks import send_notice

    with transaction.atomic():
        row = Notice.objects.create(kind=kind, email=email, language=language, payload=payload)
        row.message_id = composer.notice_message_id(row.pk)
        row.save(update_fields=["message_id"])
        transaction.on_commit(lambda: send_notice.delay(notice_id=row.pk))
    return row


def send(notice_id: int) -> tuple[str, float | None]:
    """Send one notice: (what became of it, seconds until it may be tried again or None)."""
    row = Notice.objects.filter(pk=notice_id).first()
    if row is None:
        return "missing", None
    if row.state == State.SENDING:  # a worker died between its commit and the relay's answer
        Notice.objects.filter(pk=row.pk, state=State.SENDING).update(state=State.UNCERTAIN)
        return State.UNCERTAIN, None
    if row.state != State.PENDING:
        return row.state, None  # done already: a repeated task is harmless
    if row.next_attempt_at and row.next_attempt_at > timezone.now():
        return "early", (row.next_attempt_at - timezone.now()).total_seconds()
    from b40news.delivery.sender import rate_limiter

    limiter = rate_limiter()
    if limiter is not None and not limiter.take(1, max_wait=5.0):
        wait = limiter.retry_after(1)
        Notice.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() + timedelta(seconds=wait))
        return "deferred", wait
    try:
        message, envelope = composer.notice(row, composer.dkim_signer())
    except (ValueError, LookupError) as exc:  # the subscription or release is gone, or cannot be written
        _finish(row, State.FAILED, None, f"not sendable: {exc}")
        return State.FAILED, None

    def mark_sending() -> bool:
        return Notice.objects.filter(pk=row.pk, state=State.PENDING).update(
            state=State.SENDING, sending_at=timezone.now(), attempts=F("attempts") + 1
        ) == 1

    with SmtpSession(SmtpSettings.from_url(settings.SMTP_URL)) as smtp:
        result = smtp.send(message, mail_from=envelope.mail_from, rcpt_to=envelope.rcpt_to,
                           smtputf8=envelope.smtputf8, before_commit=mark_sending)
    if result.outcome == "skipped":
        return "skipped", None
    if result.outcome == "retry":
        attempts = row.attempts + 1
        if attempts > len(RETRY_DELAYS):
            _finish(row, State.FAILED, result.code, result.detail, counted=result.committed)
            return State.FAILED, None
        delay = RETRY_DELAYS[attempts - 1]
        _finish(row, State.PENDING, result.code, result.detail, counted=result.committed,
                next_attempt_at=timezone.now() + timedelta(seconds=delay))
        return "retry", float(delay)
    if result.outcome == "failed" and result.stage == "rcpt":
        # As for a newsletter (`scoring`): 5.7.x fails the row and informs the
        # admin; other refusals bounce it and count towards suppression.
        verdict, status = scoring.classify_reply(result.detail, result.code)
        state = State.FAILED if verdict == MailReport.Verdict.POLICY else State.BOUNCED
        if _finish(row, state, result.code, result.detail, counted=result.committed):
            scored = None if state == State.FAILED else scoring.score(
                row.email, verdict, status=status, detail=result.detail)
            scoring.report(MailReport.Source.RCPT, verdict, email=row.email, notice=row, status=status,
                           code=result.code, detail=result.detail, acted=bool(scored and scored.suppressed))
        return state, None
    state = {"sent": State.SENT, "failed": State.FAILED}.get(result.outcome, State.UNCERTAIN)
    _finish(row, state, result.code, result.detail, counted=result.committed)
    return state, None


def _finish(row: Notice, state: str, code: int | None, detail: str, *, counted: bool = False, **fields) -> bool:
    """Record an outcome; only from the state the row is in now (`sending` once
    committed, `pending` otherwise), so a late duplicate never overwrites it."""
    current = State.SENDING if counted else State.PENDING
    if not counted:
        fields["attempts"] = F("attempts") + 1
    if state == State.SENT:
        fields["sent_at"] = timezone.now()
    return bool(Notice.objects.filter(pk=row.pk, state__in=[current, State.UNCERTAIN]).update(
        state=state, last_code=code, last_error="" if state == State.SENT else detail[:2000], **fields
    ))


def enqueue_confirmation(subscription_id: int, language: str) -> Notice:
    """The double opt-in e-mail for a subscription, in ``language``."""
    from b40news.network.models import Subscription

    email = Subscription.objects.values_list("subscriber__email", flat=True).get(pk=subscription_id)
    return queue(Notice.Kind.CONFIRMATION, email=email, language=language, payload={"subscription": subscription_id})


def enqueue_preferences_link(subscriber_id: int, email: str, language: str) -> Notice:
    """A fresh link to the subscriber's preferences, in ``language``."""
    return queue(Notice.Kind.PREFERENCES, email=email, language=language, payload={"subscriber": subscriber_id})
