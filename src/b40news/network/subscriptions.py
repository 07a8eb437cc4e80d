"""Subscribing, confirming, unsubscribing, preferences: plain functions over the models.

The rules, in one place:

- **Double opt-in.** ``subscribe`` records a request: the subscriber (created
  when new) and a ``pending`` subscription with its consent record — when
  (``created_at``), from where (``consent_ip``), through which form
  (``consent_form``) and in which language the form spoke
  (``consent_language``). A new request for an unsubscribed or still pending
  subscription starts it afresh (new consent record); a confirmed one is left
  as it is. Nothing tells the caller which case it was: the page and the mail
  are the same for all.
- **The chosen language travels in the signed confirmation link.** A new
  subscriber gets it at once; an existing one only when the link is confirmed,
  so nobody can change another person's language by typing their address.
- **Confirming** makes a pending subscription ``confirmed`` and lifts any
  suppression of the address: a confirmed double opt-in proves both that the
  mailbox takes mail and that its owner wants it. A link for a subscription
  that was unsubscribed in the meantime confirms nothing (subscribe again).
- **Unsubscribing is per list.** It sets the subscription's status and time;
  ``freeze_audience`` only takes confirmed subscriptions, so no later release
  reaches that list's subscriber. It adds no ``Suppression``: that table is per
  address, for every list (hard bounces, complaints), and leaving one list
  must not silence the others. Deliveries already in the ledger that have not
  left yet are marked ``suppressed`` unless the release also goes to another
  list the subscriber is still confirmed on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from b40news.delivery.models import Delivery, Suppression
from b40news.network import links
from b40news.network.addresses import Address
from b40news.network.models import Language, MailingList, Subscriber, Subscription

Status = Subscription.Status
CONFIRM_MAX_AGE = timedelta(days=7)
_CONFIRM = signing.TimestampSigner(salt="b40news.confirm")
# Ledger rows that have not left yet (a queued row is skipped by its send task
# once it is no longer `queued`).
_OPEN = (Delivery.State.WAITING, Delivery.State.PENDING, Delivery.State.QUEUED)


@dataclass(frozen=True)
class Consent:
    ip: str | None
    form: str
    language: str  # the language the form was shown in


# -- subscribing -----------------------------------------------------------------


def subscribe(mailing_list: MailingList, address: Address, language: Language, consent: Consent) -> Subscription:
    """Record a double opt-in request; the subscription to send the confirmation for."""
    now = timezone.now()
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(
            email=address.email,
            defaults={"ascii_email": address.ascii_email, "language": language, "created_at": now},
        )
        fresh = {
            "status": Status.PENDING,
            "created_at": now,
            "confirmed_at": None,
            "unsubscribed_at": None,
            "consent_ip": consent.ip,
            "consent_form": consent.form[:64],
            "consent_language": consent.language,
        }
        subscription, created = Subscription.objects.get_or_create(
            subscriber=subscriber, mailing_list=mailing_list, defaults=fresh
        )
        if not created and subscription.status != Status.CONFIRMED:
            Subscription.objects.filter(pk=subscription.pk).update(**fresh)
            subscription.refresh_from_db()
    return subscription


# -- the confirmation link ----------------------------------------------------------


def confirm_token(subscription_id: int, language_id: int) -> str:
    """Signed and timestamped: ``<subscription>.<language>:<time>:<signature>``."""
    return _CONFIRM.sign(f"{subscription_id}.{language_id}")


def confirm_url(token: str) -> str:
    return f"{settings.SITE_URL}/c/{token}/"


@dataclass(frozen=True)
class ConfirmLink:
    subscription: Subscription
    language: Language  # the language chosen in the form


def read_confirm_token(token: str, *, max_age: timedelta | None = CONFIRM_MAX_AGE) -> ConfirmLink:
    """The link's subscription and language.

    Raises ``signing.SignatureExpired`` for a link older than ``max_age``,
    ``signing.BadSignature`` for a forged one and ``Subscription.DoesNotExist``
    when the subscription is gone.
    """
    value = _CONFIRM.unsign(token, max_age=max_age)
    subscription_id, _, language_id = value.partition(".")
    try:
        ids = int(subscription_id), int(language_id)
    except ValueError:
        raise signing.BadSignature("malformed confirmation token") from None
    subscription = Subscription.objects.select_related(
        "subscriber__language", "mailing_list__city"
    ).get(pk=ids[0])
    language = Language.objects.filter(pk=ids[1]).first() or subscription.subscriber.language
    return ConfirmLink(subscription, language)


def confirm(link: ConfirmLink) -> bool:
    """Confirm the link's subscription; False when it was unsubscribed meanwhile."""
    now = timezone.now()
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=link.subscription.pk)
        if subscription.status == Status.UNSUBSCRIBED:
            return False
        if subscription.status == Status.PENDING:
            subscription.status = Status.CONFIRMED
            subscription.confirmed_at = now
            subscription.save(update_fields=["status", "confirmed_at"])
        subscriber = subscription.subscriber
        Subscriber.objects.filter(pk=subscriber.pk).update(language=link.language)
        Suppression.objects.filter(email=subscriber.email).delete()
    link.subscription.refresh_from_db()
    link.subscription.subscriber.refresh_from_db()
    return True


# -- unsubscribing and preferences ------------------------------------------------


def read_unsubscribe_token(token: str) -> Subscription:
    """``signing.BadSignature`` for a forged token, ``DoesNotExist`` when there is nothing to leave."""
    subscriber_id, list_id = links.read_unsubscribe_token(token)
    return Subscription.objects.select_related("subscriber__language", "mailing_list__city").get(
        subscriber_id=subscriber_id, mailing_list_id=list_id
    )


def unsubscribe(subscription: Subscription) -> bool:
    """Leave one list at once; False when it was already left (nothing changes then)."""
    now = timezone.now()
    with transaction.atomic():
        changed = Subscription.objects.filter(pk=subscription.pk).exclude(status=Status.UNSUBSCRIBED).update(
            status=Status.UNSUBSCRIBED, unsubscribed_at=now
        )
        _stop_open_deliveries(subscription.subscriber_id)
    subscription.refresh_from_db()
    return bool(changed)


def _stop_open_deliveries(subscriber_id: int) -> int:
    still = Subscription.objects.filter(subscriber_id=subscriber_id, status=Status.CONFIRMED).values(
        "mailing_list_id"
    )
    doomed = (
        Delivery.objects.filter(subscriber_id=subscriber_id, state__in=_OPEN)
        .exclude(release__lists__in=still)
        .values_list("pk", flat=True)
    )
    return Delivery.objects.filter(pk__in=list(doomed), state__in=_OPEN).update(state=Delivery.State.SUPPRESSED)


def read_preferences_token(token: str) -> Subscriber:
    """``signing.BadSignature`` for a forged token, ``Subscriber.DoesNotExist`` for a deleted one."""
    return Subscriber.objects.select_related("language").get(pk=links.read_preferences_token(token))


def set_language(subscriber: Subscriber, language: Language) -> None:
    Subscriber.objects.filter(pk=subscriber.pk).update(language=language)
    subscriber.language = language


def subscriptions_of(subscriber: Subscriber) -> list[Subscription]:
    return list(
        subscriber.subscriptions.select_related("mailing_list__city").order_by("mailing_list__name", "pk")
    )


def leave(subscriber: Subscriber, subscription_id: int) -> Subscription | None:
    """Leave one of the subscriber's own lists; None when the subscription is not theirs."""
    subscription = Subscription.objects.filter(subscriber=subscriber, pk=subscription_id).first()
    if subscription is None:
        return None
    unsubscribe(subscription)
    return subscription
