"""Subscribing, confirming, unsubscribing, preferences: plain functions over the models.

The rules, in one place:

- **Double opt-in.** ``subscribe`` records a request: the subscriber (created
  when new) and a ``pending`` subscription with its consent record — when
  (``created_at``), from where (``consent_ip``), through which form
  (``consent_form``) and in which language the form spoke
  (``consent_language``). A new request for an unsubscribed or still pending
  subscription starts it afresh (new consent record); a confirmed one is left
  as it is. Nothing tells the caller which case it was: the page and the mail
  are the same for all. Addresses are compared by ``addresses.mailbox_key``:
  ``Ana@Example.org`` and ``ana@example.org`` are one subscriber. A request
  for an unsubscribed subscription keeps ``unsubscribed_at``, so that purging
  the request unconfirmed (below) returns it to ``unsubscribed``.
- **The chosen language travels in the signed confirmation link.** A new
  subscriber gets it at once; an existing one only when the link is confirmed,
  so nobody can change another person's language by typing their address.
- **Confirming** makes a pending subscription ``confirmed`` and lifts any
  suppression of the address: a confirmed double opt-in proves both that the
  mailbox takes mail and that its owner wants it. A link for a subscription
  that was unsubscribed in the meantime confirms nothing (subscribe again).
  The link names the request it was sent for (its ``created_at``): once the
  subscription has been asked for again, an older link is outdated
  (``Superseded``), so a link kept from before an unsubscription never
  confirms somebody else's later request.
- **Unconfirmed requests are purged** after ``settings.UNCONFIRMED_MAX_AGE``
  (``purge_unconfirmed``, ``b40news subscribers purge-unconfirmed``): the
  pending row goes (an earlier unsubscription is restored instead), and so
  does a subscriber left with no list and no ledger row.
- **Preference links expire** after ``settings.PREFERENCES_LINK_MAX_AGE``;
  every newsletter carries a fresh one.
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

from b40news.delivery import suppressions
from b40news.delivery.models import Delivery
from b40news.network import links
from b40news.network.addresses import Address
from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.network.throttle import purge_expired
from b40news.webhooks import events

Status = Subscription.Status
CONFIRM_MAX_AGE = timedelta(days=7)
_CONFIRM = signing.TimestampSigner(salt="b40news.confirm")
# Ledger rows that have not left yet (a queued row is skipped by its send task
# once it is no longer `queued`).
_OPEN = (Delivery.State.WAITING, Delivery.State.PENDING, Delivery.State.QUEUED)


class Superseded(signing.SignatureExpired):
    """A confirmation link of an earlier request for the same subscription."""


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
            email_key=address.key,
            defaults={
                "email": address.email, "ascii_email": address.ascii_email, "language": language, "created_at": now,
            },
        )
        fresh = {
            "status": Status.PENDING,
            "created_at": now,
            "confirmed_at": None,
            "consent_ip": consent.ip,
            "consent_form": consent.form[:64],
            "consent_language": consent.language,
        }
        subscription, created = Subscription.objects.get_or_create(
            subscriber=subscriber, mailing_list=mailing_list, defaults=fresh
        )
        if not created and subscription.status != Status.CONFIRMED:
            # unsubscribed_at stays: an unconfirmed request must not erase an unsubscription.
            Subscription.objects.filter(pk=subscription.pk).update(**fresh)
            subscription.refresh_from_db()
    return subscription


# -- the confirmation link ----------------------------------------------------------


def confirm_token(subscription_id: int, language_id: int, created_at=None) -> str:
    """Signed and timestamped: ``<subscription>.<language>.<request>:<time>:<signature>``.

    ``<request>`` names the request the link confirms: the subscription's
    ``created_at`` (read from the database unless given), in microseconds,
    base 62.
    """
    if created_at is None:
        created_at = Subscription.objects.values_list("created_at", flat=True).get(pk=subscription_id)
    return _CONFIRM.sign(f"{subscription_id}.{language_id}.{_request_id(created_at)}")


def _request_id(created_at) -> str:
    return signing.b62_encode(round(created_at.timestamp() * 1_000_000))


def confirm_url(token: str) -> str:
    return f"{settings.SITE_URL}/c/{token}/"


@dataclass(frozen=True)
class ConfirmLink:
    subscription: Subscription
    language: Language  # the language chosen in the form


def read_confirm_token(
    token: str, *, max_age: timedelta | None = CONFIRM_MAX_AGE, current_only: bool = True
) -> ConfirmLink:
    """The link's subscription and language.

    Raises ``signing.SignatureExpired`` for a link older than ``max_age``,
    ``Superseded`` (a ``SignatureExpired``) for a link of an earlier request
    unless not ``current_only``, ``signing.BadSignature`` for a forged one
    and ``Subscription.DoesNotExist`` when the subscription is gone.
    """
    value = _CONFIRM.unsign(token, max_age=max_age)
    parts = value.split(".")
    try:
        subscription_id, language_id = int(parts[0]), int(parts[1])
        request_id = parts[2]
    except (ValueError, IndexError):
        raise signing.BadSignature("malformed confirmation token") from None
    if len(parts) != 3:
        raise signing.BadSignature("malformed confirmation token")
    subscription = Subscription.objects.select_related(
        "subscriber__language", "mailing_list__city"
    ).get(pk=subscription_id)
    if current_only and request_id != _request_id(subscription.created_at):
        raise Superseded("the subscription was asked for again after this link was sent")
    language = Language.objects.filter(pk=language_id).first() or subscription.subscriber.language
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
            subscription.unsubscribed_at = None
            subscription.save(update_fields=["status", "confirmed_at", "unsubscribed_at"])
        subscriber = subscription.subscriber
        Subscriber.objects.filter(pk=subscriber.pk).update(language=link.language)
        suppressions.lift(subscriber.email)  # by address, by digest, and its bounce score
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
        if changed:
            events.subscriber_unsubscribed(subscription)
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
    """``signing.SignatureExpired`` for an outdated link, ``signing.BadSignature`` for a forged one,
    ``Subscriber.DoesNotExist`` for a deleted subscriber."""
    return Subscriber.objects.select_related("language").get(
        pk=links.read_preferences_token(token, max_age=settings.PREFERENCES_LINK_MAX_AGE)
    )


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


# -- purging unconfirmed requests ------------------------------------------------------


@dataclass(frozen=True)
class Purged:
    requests: int  # pending subscriptions deleted
    restored: int  # pending requests for an unsubscribed subscription, unsubscribed again
    subscribers: int  # subscribers left with no list and no ledger row, deleted
    windows: int  # rate-limit windows that count nothing any more (network.throttle)

    def summary(self) -> str:
        return (
            f"{self.requests} unconfirmed request(s) deleted, {self.restored} restored to unsubscribed, "
            f"{self.subscribers} subscriber(s) without any list deleted, {self.windows} expired rate window(s)"
        )


def purge_unconfirmed(*, older_than: timedelta | None = None, now=None) -> Purged:
    """Forget sign-up requests nobody confirmed within ``older_than`` (``UNCONFIRMED_MAX_AGE``).

    Safe to repeat, and to run while people subscribe: a request made again
    meanwhile has a new ``created_at`` and is not touched.
    """
    now = now or timezone.now()
    cutoff = now - (older_than if older_than is not None else settings.UNCONFIRMED_MAX_AGE)
    stale = Subscription.objects.filter(status=Status.PENDING, created_at__lt=cutoff)
    with transaction.atomic():
        touched = set(stale.values_list("subscriber_id", flat=True))
        restored = stale.filter(unsubscribed_at__isnull=False).update(status=Status.UNSUBSCRIBED)
        deleted = stale.filter(unsubscribed_at__isnull=True).delete()[1].get("network.Subscription", 0)
        orphans = Subscriber.objects.filter(
            pk__in=touched, subscriptions__isnull=True, deliveries__isnull=True, created_at__lt=cutoff
        )
        doomed = Subscriber.objects.filter(pk__in=list(orphans.values_list("pk", flat=True)))
        subscribers = doomed.delete()[1].get("network.Subscriber", 0)
    return Purged(deleted, restored, subscribers, purge_expired(now))
