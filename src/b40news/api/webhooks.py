"""A city's webhook endpoints through the API: list, register, show, delete, and their delivery log."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from b40news.api import access, schemas
from b40news.api.errors import bad_request, forbidden, not_found, responses
from b40news.network.models import City
from b40news.web.office import permissions
from b40news.webhooks import http
from b40news.webhooks.models import Endpoint

router = Router(tags=["webhooks"])
WebhookId = Path(..., ge=1, le=access.MAX_ID)


def _out(endpoint: Endpoint) -> dict:
    return {"id": endpoint.pk, "city": endpoint.city.slug, "url": endpoint.url, "events": endpoint.events,
            "description": endpoint.description, "active": endpoint.active, "created_at": endpoint.created_at}


def _endpoint(request, webhook_id: int) -> Endpoint:
    user = access.office_user(request)
    found = Endpoint.objects.select_related("city").filter(
        pk=webhook_id, city__in=permissions.managed_cities(user)).first()
    if found is None:
        raise not_found(_("There is no webhook %(id)s.") % {"id": webhook_id})
    return found


@router.get("/webhooks", response={200: list[schemas.Webhook], **responses(401, 403)},
            summary="The webhook endpoints of the caller's city (staff: every city)")
def list_webhooks(request):
    user = access.office_user(request)
    return [_out(endpoint) for endpoint in Endpoint.objects.select_related("city").filter(
        city__in=permissions.managed_cities(user)).order_by("pk")]


@router.post("/webhooks", response={201: schemas.WebhookCreated, **responses(401, 403, body=True)},
             summary="Register a URL for events; the answer holds the signing secret, shown only here")
def create_webhook(request, payload: schemas.WebhookIn):
    user = access.office_user(request)
    cities = permissions.managed_cities(user)
    if payload.city:
        city = cities.filter(slug=payload.city).first()
        if city is None:
            if City.objects.filter(slug=payload.city).exists():
                raise forbidden(_("This account may not manage %(city)s.") % {"city": payload.city})
            raise bad_request(_("There is no city %(city)s.") % {"city": payload.city})
    else:
        officer = permissions.officer_of(user)
        if officer is None:
            raise bad_request(_("Name the city (city)."))
        city = officer.city
    try:
        http.parse(payload.url, allow_local=settings.WEBHOOK_ALLOW_LOCAL)
    except http.UrlRefused as exc:
        raise bad_request(_("This URL cannot be used: %(reason)s") % {"reason": exc}, "invalid_url") from None
    endpoint = Endpoint.objects.create(city=city, url=payload.url, events=list(dict.fromkeys(payload.events)),
                                       description=payload.description, created_by=user)
    return Status(201, {**_out(endpoint), "secret": endpoint.secret})


@router.get("/webhooks/{webhook_id}", response={200: schemas.Webhook, **responses(401, 403, 404)},
            summary="One webhook endpoint")
def get_webhook(request, webhook_id: int = WebhookId):
    return _out(_endpoint(request, webhook_id))


@router.delete("/webhooks/{webhook_id}", response={204: None, **responses(401, 403, 404)},
               summary="Delete a webhook endpoint and its delivery log")
def delete_webhook(request, webhook_id: int = WebhookId):
    _endpoint(request, webhook_id).delete()
    return Status(204, None)


@router.get("/webhooks/{webhook_id}/deliveries",
            response={200: schemas.WebhookDeliveryPage, **responses(401, 403, 404)},
            summary="The endpoint's delivery log, newest first")
def deliveries(request, paging: Query[schemas.Paging], webhook_id: int = WebhookId):
    endpoint = _endpoint(request, webhook_id)
    found = access.page_of(endpoint.deliveries.order_by("-pk"), paging.page, paging.page_size)
    found["items"] = [{
        "id": row.pk, "event": row.event, "event_id": str(row.event_id), "state": row.state,
        "attempts": row.attempts, "created_at": row.created_at, "delivered_at": row.delivered_at,
        "next_attempt_at": row.next_attempt_at, "last_status": row.last_status, "last_error": row.last_error,
    } for row in found["items"]]
    return found
