"""Recording an event: a Delivery row per endpoint that wants it, sent after commit.

The callers are the places where the change is made, one line each:
`releases.workflow` (``release.translated``, ``language.approved``,
``release.sent``) and `network.subscriptions` (``subscriber.unsubscribed``).
Each is called inside the transaction that makes the change, so a change
rolled back records nothing, and the rows are handed to the ``webhooks``
queue only once it commits.

The body every receiver gets::

    {"id": "<event uuid>", "event": "language.approved", "created_at": "…Z",
     "city": "stara-zagora", "data": {…}}
"""

from __future__ import annotations

import json
import uuid

from django.db import transaction
from django.utils import timezone

from b40news.webhooks.models import EVENTS, Delivery, Endpoint


def record(event: str, city_id: int, city_slug: str, data: dict) -> list[int]:
    """Rows for the city's active endpoints that want ``event``; their ids (none: nothing to do)."""
    assert event in EVENTS, event
    endpoints = [endpoint for endpoint in Endpoint.objects.filter(city_id=city_id, active=True)
                 if endpoint.wants(event)]
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    body = json.dumps({
        "id": str(event_id), "event": event, "created_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "city": city_slug, "data": data,
    }, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    rows = Delivery.objects.bulk_create(
        [Delivery(endpoint=endpoint, event=event, event_id=event_id, body=body) for endpoint in endpoints])
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _enqueue(ids))
    return ids


def _enqueue(ids: list[int]) -> None:
    from worker.tasks import deliver_webhook

    for delivery_id in ids:
        deliver_webhook.delay(delivery_id=delivery_id)


# -- the events, as their callers name them ----------------------------------------------


def _release(release) -> dict:
    return {"release": release.pk, "title": release.title}


def release_translated(release, translations) -> None:
    """Machine or human translations stored for these languages (to review)."""
    record("release.translated", release.city_id, release.city.slug, {
        **_release(release),
        "languages": {t.language.code: {"status": t.status, "flagged": t.flagged, "tier": t.tier}
                      for t in translations},
    })


def languages_approved(release, translations, user=None) -> None:
    """One ``language.approved`` per language that became approved."""
    for translation in translations:
        record("language.approved", release.city_id, release.city.slug, {
            **_release(release), "language": translation.language.code, "flagged": translation.flagged,
            "approved_by": getattr(user, "username", None),
        })


def release_sent(release, outcome: str) -> None:
    """The release's send settled: sent, sent_waiting or sent_with_failures."""
    from b40news.delivery.models import Delivery as Ledger
    from django.db.models import Count

    counts = dict(Ledger.objects.filter(release=release).values_list("state").annotate(n=Count("id")))
    record("release.sent", release.city_id, release.city.slug, {**_release(release), "status": outcome,
                                                                 "counts": counts})


def subscriber_unsubscribed(subscription) -> None:
    mailing_list = subscription.mailing_list
    record("subscriber.unsubscribed", mailing_list.city_id, mailing_list.city.slug, {
        "email": subscription.subscriber.email, "list": mailing_list.slug,
        "unsubscribed_at": subscription.unsubscribed_at.isoformat() if subscription.unsubscribed_at else None,
    })
