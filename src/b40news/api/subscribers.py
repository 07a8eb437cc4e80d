"""Signing up from a city's own site (public, CORS, throttled), and a city's subscribers (token).

The sign-up endpoint is the public form's twin: the same limits
(`network.throttle`, one budget shared with the form), the same double
opt-in (`network.subscriptions.subscribe`, then the confirmation e-mail),
the same answer for every valid address (202, whether it was new, pending,
subscribed or over its own limit), and the same strings, in the network's
13 languages (the chosen language, else ``Accept-Language``, else the
city's).
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from b40news.api import access, cors, schemas
from b40news.api.errors import ApiError, not_found, responses
from b40news.api.schemas import Text
from b40news.delivery.notices import enqueue_confirmation
from b40news.network import subscriptions, throttle
from b40news.network.addresses import AddressError, normalise
from b40news.network.models import Language, MailingList, Subscription
from b40news.web.client import client_ip, client_key
from b40news.web.office import permissions
from b40news.web.public import pages

router = Router(tags=["subscribers"])
FORM_PREFIX = "api:"  # the consent record's form: "api:" and the calling site's host
ListSlug = Path(..., max_length=50)


def _list(list_slug: str) -> MailingList:
    found = MailingList.objects.select_related("city__default_language").filter(slug=list_slug).first()
    if found is None:
        raise not_found(_("There is no mailing list %(list)s.") % {"list": list_slug})
    return found


def _cors(request, mailing_list: MailingList) -> dict[str, str]:
    """CORS headers for an allowed Origin; 403 for another; none without Origin."""
    origin = request.headers.get("Origin")
    if not origin:
        return {}
    if not cors.allowed(origin, mailing_list.city_id):
        raise ApiError(403, "origin_not_allowed",
                       _("This web site may not sign people up to this list (origin %(origin)s).")
                       % {"origin": origin[:200]})
    return cors.headers(origin)


def cors_for_error(request) -> dict[str, str]:
    """An error answer to an allowed site's sign-up (e.g. an invalid body) is readable by its page."""
    match = getattr(request, "resolver_match", None)
    origin = request.headers.get("Origin")
    if not origin or match is None or not match.route.endswith("subscribe/<list_slug>"):
        return {}
    mailing_list = MailingList.objects.filter(slug=match.kwargs.get("list_slug", "")).first()
    if mailing_list is None or not cors.allowed(origin, mailing_list.city_id):
        return {}
    return cors.headers(origin)


@router.api_operation(["OPTIONS"], "/subscribe/{list_slug}", auth=None, include_in_schema=False,
                      url_name="subscribe_preflight")
def preflight(request, list_slug: str):
    mailing_list = _list(list_slug)
    response = HttpResponse(status=204)
    origin = request.headers.get("Origin")
    if origin and cors.allowed(origin, mailing_list.city_id):
        for name, value in cors.headers(origin, preflight=True).items():
            response[name] = value
    return response


@router.post("/subscribe/{list_slug}", auth=None, url_name="subscribe",
             response={202: schemas.SubscribeAccepted, **responses(403, 404, 429, body=True)},
             summary="Sign an address up to a list (double opt-in): public, for the city's own web site")
def subscribe(request, payload: schemas.SubscribeIn, list_slug: Text = ListSlug):
    mailing_list = _list(list_slug)
    city = mailing_list.city
    headers = _cors(request, mailing_list)
    chosen = pages.language(payload.language)
    if payload.language and chosen is None:
        raise ApiError(400, "unknown_language", _("There is no language %(code)s in the network.")
                       % {"code": payload.language}, headers)
    lang = chosen or pages.page_language(request, city.default_language.code)
    text = pages.strings(lang.code, list=mailing_list.name, city=city.name(lang.code))
    ip = client_ip(request)
    wait = throttle.take(throttle.CLIENT, client_key(ip))
    if wait:
        raise ApiError(429, "too_many_requests", text["subscribe_too_many"],
                       {**headers, "Retry-After": str(max(1, math.ceil(wait)))})
    try:
        address = normalise(payload.email)
    except AddressError:
        raise ApiError(400, "invalid_email", text["subscribe_invalid"], headers) from None
    if not payload.website and not throttle.take(throttle.ADDRESS, address.key):
        origin = urlsplit(request.headers.get("Origin", "")).hostname or "direct"
        consent = subscriptions.Consent(ip=ip, form=f"{FORM_PREFIX}{origin}", language=lang.code)
        row = Language.objects.for_code(lang.code)
        subscription = subscriptions.subscribe(mailing_list, address, row, consent)
        enqueue_confirmation(subscription.pk, lang.code)
    detail = pages.strings(lang.code, list=mailing_list.name, email=address.email)["subscribe_sent_body"]
    return _with(request, 202, {"status": "confirmation_sent", "detail": detail}, headers)


def _with(request, status: int, body: dict, headers: dict[str, str]):
    from b40news.api.main import api

    response = api.create_response(request, body, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


class SubscriberQuery(Schema):
    list: Text | None = Field(None, max_length=50, description="one list's slug")
    status: schemas.SubscriptionStatus | None = None
    city: Text | None = Field(None, max_length=50, description="staff: one city's slug")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(100, ge=1, le=500)


@router.get("/subscribers", response={200: schemas.SubscriberPage, **responses(401, 403, 404)},
            summary="The subscribers of the caller's city (staff: every city), oldest first")
def list_subscribers(request, query: Query[SubscriberQuery]):
    user = access.office_user(request)
    cities = permissions.managed_cities(user)
    if query.city:
        cities = cities.filter(slug=query.city)
        if not cities.exists():
            raise not_found(_("There is no city %(city)s among yours.") % {"city": query.city})
    rows = (Subscription.objects.filter(mailing_list__city__in=cities)
            .select_related("subscriber__language", "mailing_list").order_by("pk"))
    if query.list:
        if not MailingList.objects.filter(slug=query.list, city__in=cities).exists():
            raise not_found(_("There is no mailing list %(list)s among yours.") % {"list": query.list})
        rows = rows.filter(mailing_list__slug=query.list)
    if query.status:
        rows = rows.filter(status=query.status)
    found = access.page_of(rows, query.page, query.page_size)
    found["items"] = [{
        "id": row.pk, "email": row.subscriber.email, "language": row.subscriber.language.code,
        "list": row.mailing_list.slug, "status": row.status, "created_at": row.created_at,
        "confirmed_at": row.confirmed_at, "unsubscribed_at": row.unsubscribed_at,
    } for row in found["items"]]
    return found

