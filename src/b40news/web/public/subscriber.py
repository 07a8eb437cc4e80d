"""A subscriber's own pages: unsubscribe (``/u/<token>/``) and preferences (``/p/<token>/``).

The signed token is the authority: it names one subscriber (and, for
unsubscribing, one list), and nothing on these pages reaches anyone else's
subscriptions. Pages speak the subscriber's language unless ``?lang=`` or the
visitor's choice from the language switch asks for another (``pages``).

Unsubscribing: GET asks and changes nothing; POST unsubscribes at once. The
RFC 8058 one-click POST (body ``List-Unsubscribe=One-Click``) comes from a
mail provider without cookies or a CSRF token, so the view is exempt from the
CSRF middleware and checks CSRF itself for every other POST (the page's own
button).

Preference links expire (``PREFERENCES_LINK_MAX_AGE``). An expired one is no
dead end: its page offers to e-mail a fresh link to the subscriber's address
(a ``preferences`` notice through the composer, limited per client and per
address), and the unsubscribe page always hands out a fresh one.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from b40news import languages
from b40news.delivery import notices
from b40news.network import links, subscriptions, throttle
from b40news.network.addresses import mailbox_key
from b40news.network.models import Language, Subscriber, Subscription
from b40news.web.client import client_ip, client_key
from b40news.web.public import errors, pages
from b40news.web.public.subscribe import subscribe_url

ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"
NEW_LINK = "new-link"  # the expired preferences page's button; also its per-address budget's name


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """What the CSRF middleware would answer for this request (None: accepted)."""
    return CsrfViewMiddleware(lambda req: HttpResponse()).process_view(request, None, (), {})


@csrf_exempt  # for the one-click POST only: every other POST is checked below
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = subscriptions.read_unsubscribe_token(token)
    except signing.BadSignature:
        return pages.bad_link(request)
    except Subscription.DoesNotExist:
        return pages.bad_link(request, status=404)
    if request.method == "POST":
        if request.POST.get(ONE_CLICK_FIELD) != ONE_CLICK_VALUE:
            refusal = _csrf_refusal(request)  # the branded page of settings.CSRF_FAILURE_VIEW
            if refusal is not None:
                return refusal
        subscriptions.unsubscribe(subscription)
    subscriber, mailing_list = subscription.subscriber, subscription.mailing_list
    lang = pages.personal_language(request, subscriber.language.code)
    return pages.page(
        request, "unsubscribe.html", lang,
        {"done": subscription.status == Subscription.Status.UNSUBSCRIBED,
         "preferences_url": links.preferences_url(subscriber.pk),
         "subscribe_url": subscribe_url(mailing_list, lang.code)},
        fields={"list": mailing_list.label(lang.code), "city": mailing_list.city.name(lang.code), "email": subscriber.email},
        private=True, brand=mailing_list.city.colour,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = subscriptions.read_preferences_token(token)
    except signing.SignatureExpired:  # a link from an old newsletter: newer ones carry a fresh one
        return _preferences_expired(request, token)
    except signing.BadSignature:
        return pages.bad_link(request)
    except Subscriber.DoesNotExist:
        return pages.bad_link(request, status=404)
    if request.method == "POST":
        return _change(request, subscriber)
    lang = pages.personal_language(request, subscriber.language.code)
    owned = subscriptions.subscriptions_of(subscriber)
    left = None
    if request.GET.get("left", "").isdigit():
        left = next((s for s in owned if s.pk == int(request.GET["left"])), None)
    rows = [
        {"subscription": s, "name": s.mailing_list.label(lang.code), "city": s.mailing_list.city.name(lang.code),
         "status": s.status, "subscribe_url": subscribe_url(s.mailing_list, lang.code)}
        for s in owned
    ]
    return _preferences_page(request, lang, subscriber, rows, left)


def _preferences_expired(request: HttpRequest, token: str) -> HttpResponse:
    """Said in the subscriber's language (the signature is genuine, only old), with a way on:
    a button that e-mails a fresh link to the subscriber's address (nothing else is shown).

    The request is limited like a sign-up: per client, and per address (one
    such mail a day by default, `network.throttle`); over the address's limit
    the answer is the same and nothing is sent."""
    subscriber = Subscriber.objects.select_related("language").filter(
        pk=links.read_preferences_token(token, max_age=None)
    ).first()
    if subscriber is None:
        return pages.bad_link(request, expired="preferences")
    sent = False
    if request.method == "POST" and request.POST.get("action") == NEW_LINK:
        ip = client_ip(request)
        wait = throttle.take(throttle.CLIENT, client_key(ip))
        if wait:
            return errors.error_page(request, 429, lang=pages.personal_language(request, subscriber.language.code),
                                     title_key="error_400_title", body_keys=["subscribe_too_many"], private=True)
        if not throttle.take(NEW_LINK, mailbox_key(subscriber.email)):
            lang = pages.personal_language(request, subscriber.language.code)
            notices.enqueue_preferences_link(subscriber.pk, subscriber.email, lang.code)
        sent = True
    return pages.bad_link(request, default=subscriber.language.code, expired="preferences",
                          new_link_action="" if sent else _here(request), new_link_sent=sent,
                          status=200 if sent else 400)


def _preferences_page(request, lang, subscriber: Subscriber, rows, left) -> HttpResponse:
    return pages.page(
        request, "preferences.html", lang,
        {"rows": rows, "chosen": subscriber.language.code, "saved": request.GET.get("saved") == "language",
         "left": left, "choices": [(code, item.native) for code, item in languages.LANGUAGES.items()],
         "action": _here(request)},
        fields={"email": subscriber.email, "list": left.mailing_list.label(lang.code) if left else ""},
        private=True,
    )


def _here(request: HttpRequest, **params: str) -> str:
    """This page's path, keeping an explicit ``?lang=`` and adding ``params``."""
    query = {"lang": request.GET["lang"]} if pages.language(request.GET.get("lang")) else {}
    query.update(params)
    return f"{request.path}?{urlencode(query)}" if query else request.path


def _change(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    action = request.POST.get("action")
    if action == "language":
        chosen = pages.language(request.POST.get("language", ""))
        if chosen is None:
            return _bad_form(request, subscriber)
        subscriptions.set_language(subscriber, Language.objects.for_code(chosen.code))
        # The page follows the new language unless the visitor pinned one with ?lang=.
        return HttpResponseRedirect(_here(request, saved="language"))
    if action == "leave":
        raw = request.POST.get("subscription", "")
        left = subscriptions.leave(subscriber, int(raw)) if raw.isdigit() else None
        if left is None:  # not one of this subscriber's subscriptions
            return pages.bad_link(request, default=subscriber.language.code, status=404)
        return HttpResponseRedirect(_here(request, left=str(left.pk)))
    return _bad_form(request, subscriber)


def _bad_form(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    """A form this page never sends (an unknown language or action): the branded 400 page, and the way back."""
    return errors.error_page(
        request, 400, lang=pages.personal_language(request, subscriber.language.code),
        back_url=_here(request), private=True,
    )
