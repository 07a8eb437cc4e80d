"""Subscribing to a city's list (``/s/<list>/``) and confirming it (``/c/<token>/``).

The sign-up page answers every valid address the same way, whether it was
new, pending or long subscribed: the confirmation mail tells the owner, the
page tells nobody. Confirming needs a POST (a button): mail scanners and link
previews follow links with GET, and a GET changes nothing.

Abuse (``network.throttle``): each client address has a budget of POSTs
(over it: 429, nothing done); each target mailbox a budget of confirmation
mails (default one a day; over it the page is the usual one and nothing is
stored or sent); a honeypot field that people never see and bots fill in
gets the usual page too, and nothing else.

``/s/<list>/embed/`` takes the same POST from a form on a city's own web site
(the snippet the office hands out): without a CSRF token, which a page on
another site cannot have, and under the same limits, honeypot and double
opt-in; its consent record names the posting site (``web:embed:<host>``).
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from b40news import languages
from b40news.network import links, subscriptions, throttle
from b40news.network.addresses import AddressError, normalise
from b40news.network.models import Language, MailingList, Subscription
from b40news.web.client import client_ip, client_key
from b40news.web.public import pages
from b40news.delivery.notices import enqueue_confirmation

FORM_NAME = "web:subscribe"
EMBED_FORM_NAME = "web:embed"  # the consent record's form: "web:embed:<the posting site's host>"
HONEYPOT = "website"  # hidden from people (and from screen readers); bots fill in every field


CHOICES = [(lang.code, lang.native) for lang in languages.LANGUAGES.values()]


class SubscribeForm(forms.Form):
    """The address (normalised, or one clear error) and a language (the page's, unless another is chosen)."""

    email = forms.CharField(max_length=320)
    language = forms.CharField(required=False)
    website = forms.CharField(required=False)  # the honeypot (HONEYPOT)

    def __init__(self, *args, invalid: str, default: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages.update(required=invalid, max_length=invalid)
        self.invalid, self.default = invalid, default

    def clean_email(self):
        try:
            return normalise(self.cleaned_data["email"])
        except AddressError:
            raise forms.ValidationError(self.invalid) from None

    def clean_language(self) -> str:
        chosen = pages.language(self.cleaned_data.get("language"))
        return chosen.code if chosen is not None else self.default


def subscribe_url(mailing_list: MailingList, code: str) -> str:
    return f"{reverse('public:subscribe', args=[mailing_list.slug])}?{urlencode({'lang': code})}"


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest, list_slug: str) -> HttpResponse:
    return _subscribe(request, list_slug, FORM_NAME)


@csrf_exempt  # posted from a city's own site (the office's sign-up snippet): no cookie of ours there
@require_http_methods(["GET", "HEAD", "POST"])
def embed(request: HttpRequest, list_slug: str) -> HttpResponse:
    """The sign-up snippet's target: the form's POST without a CSRF token, nothing else.

    A forged cross-site POST can do no more than the form itself: ask for a
    confirmation mail, within the same per-client and per-address limits,
    behind the same honeypot; nobody is subscribed until the mailbox's owner
    confirms. A GET shows the sign-up page itself.
    """
    if request.method != "POST":
        mailing_list = get_object_or_404(MailingList, slug=list_slug)
        query = request.GET.urlencode()
        target = reverse("public:subscribe", args=[mailing_list.slug])
        return HttpResponseRedirect(f"{target}?{query}" if query else target)
    origin = urlsplit(request.headers.get("Origin", "")).hostname or ""
    return _subscribe(request, list_slug, f"{EMBED_FORM_NAME}:{origin}" if origin else EMBED_FORM_NAME)


def _subscribe(request: HttpRequest, list_slug: str, form_name: str) -> HttpResponse:
    mailing_list = get_object_or_404(MailingList.objects.select_related("city__default_language"), slug=list_slug)
    city = mailing_list.city
    lang = pages.page_language(request, city.default_language.code)
    fields = {"list": mailing_list.label(lang.code), "city": city.name(lang.code)}
    invalid = pages.strings(lang.code)["subscribe_invalid"]
    wait = 0.0
    if request.method == "POST":
        ip = client_ip(request)
        form = SubscribeForm(request.POST, invalid=invalid, default=lang.code)
        wait = throttle.take(throttle.CLIENT, client_key(ip))
        if not wait and form.is_valid():
            address = form.cleaned_data["email"]
            if not form.cleaned_data[HONEYPOT] and not throttle.take(throttle.ADDRESS, address.key):
                chosen = Language.objects.for_code(form.cleaned_data["language"])
                consent = subscriptions.Consent(ip=ip, form=form_name, language=lang.code)
                subscription = subscriptions.subscribe(mailing_list, address, chosen, consent)
                enqueue_confirmation(subscription.pk, chosen.code)
            return pages.page(
                request, "subscribe_sent.html", lang, {"mailing_list": mailing_list},
                fields={**fields, "email": address.email}, brand=city.colour,
                switcher=[],  # the address was posted: switching would only show an empty form
            )
    else:
        form = SubscribeForm(initial={"language": lang.code}, invalid=invalid, default=lang.code)
    status = 429 if wait else 400 if form.is_bound else 200
    response = pages.page(
        request, "subscribe.html", lang,
        {"form": form, "mailing_list": mailing_list, "city": city, "choices": CHOICES,
         "chosen": _chosen(form, lang.code), "action": subscribe_url(mailing_list, lang.code),
         "too_many": bool(wait), "honeypot": HONEYPOT},
        fields=fields, brand=city.colour,
        alternates=[pages.Choice(c.code, c.native, _absolute(c.url)) for c in pages.query_switcher(request, lang.code)],
        status=status,
    )
    if wait:
        response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def _chosen(form: SubscribeForm, default: str) -> str:
    chosen = pages.language(form["language"].value())
    return chosen.code if chosen is not None else default


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = subscriptions.read_confirm_token(token)
    except signing.SignatureExpired:  # outdated, or of an earlier request (Superseded)
        return _expired(request, token)
    except signing.BadSignature:
        return pages.bad_link(request)
    except Subscription.DoesNotExist:
        return pages.bad_link(request, status=404)
    subscription = link.subscription
    lang = pages.personal_language(request, link.language.code)
    if request.method == "POST":
        if not subscriptions.confirm(link):
            return _cancelled(request, subscription, lang)
        state = "confirmed"
    elif subscription.status == Subscription.Status.UNSUBSCRIBED:
        return _cancelled(request, subscription, lang)
    else:
        # A confirmed subscriber's new request may carry another language: ask again.
        settled = subscription.status == Subscription.Status.CONFIRMED and (
            subscription.subscriber.language_id == link.language.pk
        )
        state = "confirmed" if settled else "ask"
    return _confirm_page(request, subscription, lang, state)


def _confirm_page(request, subscription: Subscription, lang, state: str, status: int = 200) -> HttpResponse:
    mailing_list = subscription.mailing_list
    return pages.page(
        request, "confirm.html", lang,
        {"state": state, "preferences_url": links.preferences_url(subscription.subscriber_id),
         "subscribe_url": subscribe_url(mailing_list, lang.code)},
        fields={"list": mailing_list.label(lang.code), "city": mailing_list.city.name(lang.code),
                "email": subscription.subscriber.email},
        private=True, brand=mailing_list.city.colour, status=status,
    )


def _cancelled(request, subscription: Subscription, lang) -> HttpResponse:
    return _confirm_page(request, subscription, lang, "cancelled", status=410)


def _expired(request: HttpRequest, token: str) -> HttpResponse:
    """An outdated link: say so in the subscriber's language, with the way back."""
    try:
        link = subscriptions.read_confirm_token(token, max_age=None, current_only=False)
    except (signing.BadSignature, Subscription.DoesNotExist):
        return pages.bad_link(request, expired=True)
    lang = pages.personal_language(request, link.language.code)
    return pages.bad_link(
        request, default=lang.code, expired=True,
        subscribe_url=subscribe_url(link.subscription.mailing_list, lang.code),
    )
