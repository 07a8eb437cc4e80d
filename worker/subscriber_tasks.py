"""Tasks for subscribers: mail that is not a newsletter (confirmations).

The confirmation goes on the ``send`` queue (the light workers that hold the
SMTP relay): ``enqueue_confirmation`` names it when it sends the task, and a
retry goes back to the queue it came from. It is not list mail: no List-Id, no List-Unsubscribe. Its VERP
token is ``confirm-<subscription id>``, never a delivery id, so a bounce of a
confirmation is not mistaken for one of a newsletter.
"""

from __future__ import annotations

import logging
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from b40news.delivery.renditions import renderer
from b40news.delivery.smtp import SmtpConfigError, SmtpSession, SmtpSettings
from b40news.network import subscriptions
from b40news.network.models import Language, Subscription
from b40news.newsletter.message import Envelope, build_message, make_message_id
from b40news.newsletter.render import personalise

log = logging.getLogger(__name__)
RETRY_DELAYS = (60, 300, 1800, 7200)  # seconds, after the 1st, 2nd… temporary failure
QUEUE = "send"


def confirmation_message(subscription: Subscription, language: Language) -> tuple[bytes, Envelope]:
    """The double opt-in mail for one subscription, in ``language``."""
    subscriber, mailing_list = subscription.subscriber, subscription.mailing_list
    city, code = mailing_list.city, language.code
    brand = city.brand(code)
    rendered = renderer(Path(settings.EMAIL_TEMPLATES_DIR)).render_confirmation(code, mailing_list.name, brand)
    if not rendered.ok:
        raise RuntimeError(f"the confirmation mail in {code} does not render: {'; '.join(rendered.errors)}")
    token = subscriptions.confirm_token(subscription.pk, language.pk)
    html, text = personalise(
        rendered,
        {"confirm_url": subscriptions.confirm_url(token), "recipient_email": subscriber.email},
    )
    domain = settings.FROM_EMAIL.rpartition("@")[2]
    return build_message(
        subject=rendered.subject,
        html=html,
        text=text,
        language=code,
        from_addr=settings.FROM_EMAIL,
        from_name=f"{city.name(code)} · B40",
        to_addr=subscriber.email,
        message_id=make_message_id(f"confirm.{token}", domain),
        list_id=None,
        unsubscribe_https=None,
        unsubscribe_mailto=None,
        date=timezone.now(),
        bounce_address=settings.BOUNCE_ADDRESS,
        verp_token=f"confirm-{subscription.pk}",
    )


def enqueue_confirmation(subscription_id: int, language: str) -> None:
    """Send the confirmation once the current transaction commits (at once outside one)."""
    send_confirmation.apply_async_on_commit(
        kwargs={"subscription_id": subscription_id, "language": language}, queue=QUEUE
    )


@shared_task(bind=True, acks_late=True, max_retries=len(RETRY_DELAYS))
def send_confirmation(self, *, subscription_id: int, language: str) -> str:
    """Send one confirmation; the SMTP outcome ("sent", "retry", …) or "skipped".

    A temporary failure is tried again later on a worker; in-process (no
    broker) it is logged, and subscribing again sends a new one.
    """
    subscription = (
        Subscription.objects.select_related("subscriber", "mailing_list__city").filter(pk=subscription_id).first()
    )
    if subscription is None or subscription.status == Subscription.Status.UNSUBSCRIBED:
        return "skipped"
    message, envelope = confirmation_message(subscription, Language.objects.for_code(language))
    try:
        with SmtpSession(SmtpSettings.from_url(settings.SMTP_URL)) as smtp:
            result = smtp.send(
                message, mail_from=envelope.mail_from, rcpt_to=envelope.rcpt_to, smtputf8=envelope.smtputf8
            )
    except SmtpConfigError:
        log.exception("confirmation for subscription %s not sent: the relay is misconfigured", subscription_id)
        return "failed"
    if result.outcome == "retry" and not self.request.is_eager and self.request.retries < len(RETRY_DELAYS):
        raise self.retry(countdown=RETRY_DELAYS[self.request.retries])
    if result.outcome != "sent":
        log.warning("confirmation for subscription %s: %s %s", subscription_id, result.outcome, result.detail)
    return result.outcome
