"""Fill Subscriber.email_key and merge subscribers whose addresses are one mailbox.

Before this, ``Dup@Example.org`` and ``dup@example.org`` could be two
subscribers. Each group of such subscribers becomes one: the one with the
most confirmed subscriptions (then the oldest) is kept with its address and
language, and receives the others' subscriptions, ledger rows and
suppressions. Where both had the same thing, the safer one stays:

- a subscription to the same list: an unsubscription later than the other's
  confirmation wins (nobody who left is mailed again), else the confirmed
  one, else the newer request;
- a ledger row for the same release: the one that got further (sent,
  uncertain, sending or bounced before failed, before queued or waiting),
  so that nothing already sent is sent again;
- a suppression: the stronger reason (complaint, hard bounce, unsubscribed),
  under the kept address.

Run with the web and workers stopped, like every migration. It cannot be
undone (reversing only leaves the merged subscribers as they are).
"""

from collections import defaultdict
from datetime import datetime, timezone

from django.db import migrations

from b40news.network.addresses import AddressError, mailbox_key, normalise

_EARLY = datetime.min.replace(tzinfo=timezone.utc)
_DELIVERY_RANK = {"sent": 5, "uncertain": 5, "sending": 5, "bounced": 4, "failed": 3, "queued": 2, "pending": 1,
                  "waiting": 1, "suppressed": 0}
_SUPPRESSION_RANK = {"complaint": 3, "hard-bounce": 2, "unsubscribed": 1}


def _key(email: str) -> str:
    try:
        return normalise(email).key
    except AddressError:
        return mailbox_key(email)


def _stronger(a, b):
    """Of two subscriptions of one mailbox to one list, the one that stays."""
    for left, other in ((a, b), (b, a)):
        if left.status == "unsubscribed" and (
            other.status != "confirmed" or (left.unsubscribed_at or _EARLY) >= (other.confirmed_at or _EARLY)
        ):
            return left
    confirmed = [s for s in (a, b) if s.status == "confirmed"]
    if confirmed:
        return min(confirmed, key=lambda s: (s.confirmed_at or _EARLY, s.pk))
    return max((a, b), key=lambda s: (s.created_at, s.pk))


def merge_case_duplicates(apps, schema_editor):
    Subscriber = apps.get_model("network", "Subscriber")
    groups = defaultdict(list)
    batch = []
    for subscriber in Subscriber.objects.only("pk", "email").order_by("pk").iterator(chunk_size=2000):
        subscriber.email_key = _key(subscriber.email)
        groups[subscriber.email_key].append(subscriber.pk)
        batch.append(subscriber)
        if len(batch) >= 1000:
            Subscriber.objects.bulk_update(batch, ["email_key"])
            batch = []
    Subscriber.objects.bulk_update(batch, ["email_key"])
    for pks in groups.values():
        if len(pks) > 1:
            _merge(apps, pks)


def _merge(apps, pks):
    Subscriber = apps.get_model("network", "Subscriber")
    Subscription = apps.get_model("network", "Subscription")
    Delivery = apps.get_model("delivery", "Delivery")
    Suppression = apps.get_model("delivery", "Suppression")
    members = list(Subscriber.objects.filter(pk__in=pks))

    def weight(subscriber):
        confirmed = Subscription.objects.filter(subscriber=subscriber, status="confirmed").count()
        return (-confirmed, subscriber.created_at, subscriber.pk)

    keeper, *others = sorted(members, key=weight)
    for other in others:
        for subscription in Subscription.objects.filter(subscriber=other):
            kept = Subscription.objects.filter(subscriber=keeper, mailing_list_id=subscription.mailing_list_id).first()
            if kept is not None:
                if _stronger(kept, subscription) is kept:
                    subscription.delete()
                    continue
                kept.delete()
            subscription.subscriber = keeper
            subscription.save(update_fields=["subscriber"])
        for delivery in Delivery.objects.filter(subscriber=other):
            kept = Delivery.objects.filter(subscriber=keeper, release_id=delivery.release_id).first()
            if kept is not None:
                if _DELIVERY_RANK.get(kept.state, 0) >= _DELIVERY_RANK.get(delivery.state, 0):
                    delivery.delete()
                    continue
                kept.delete()
            delivery.subscriber = keeper
            delivery.save(update_fields=["subscriber"])
        for suppression in Suppression.objects.filter(email=other.email):
            kept = Suppression.objects.filter(email=keeper.email).first()
            if kept is None:
                suppression.email = keeper.email
                suppression.save(update_fields=["email"])
                continue
            if _SUPPRESSION_RANK.get(suppression.reason, 0) > _SUPPRESSION_RANK.get(kept.reason, 0):
                kept.reason, kept.detail = suppression.reason, suppression.detail
                kept.save(update_fields=["reason", "detail"])
            suppression.delete()
        other.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('network', '0005_email_key_rate_window'),
        ('delivery', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(merge_case_duplicates, migrations.RunPython.noop, elidable=False),
    ]
