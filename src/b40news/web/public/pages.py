"""What every public page shares: its language, its strings, its switcher.

A page speaks one of the network's languages, chosen in this order:

1. the language the URL names: ``/a/<city>/<lang>/``, ``/r/<id>/<lang>/``, ``?lang=``;
2. the visitor's own choice, made with the language switch on every page and
   remembered in a cookie (``LANGUAGE_COOKIE``);
3. on a page reached through a subscriber's personal link (confirm,
   unsubscribe, preferences), the language that subscriber reads the
   newsletter in;
4. the browser's ``Accept-Language`` (``languages.from_accept_language``:
   ``sr`` -> sr-Latn, ``hr-HR`` -> hr, ``me`` -> cnr ...);
5. the page's own default (a city's sign-up page: the city's language), else English.

Its words come from the ``mail`` gettext catalogues (``newsletter.strings``: the same as the
e-mails), formatted with the page's ``{list}``, ``{city}`` and ``{email}``;
Django templates then escape them like any other value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode

from b40news import languages
from b40news.newsletter.strings import load_strings

FALLBACK = "en"
LANGUAGE_COOKIE = "b40news_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
_HEX = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}")
DEFAULT_COLOUR = "#1d4e89"


def language(code: str | None) -> languages.Language | None:
    """The network's language for ``code`` (aliases, any case), or None."""
    if not code:
        return None
    try:
        return languages.get(code)
    except languages.UnknownLanguage:
        return None


def asked_language(request: HttpRequest) -> languages.Language | None:
    """``?lang=`` when it names a network language."""
    return language(request.GET.get("lang"))


def remembered_language(request: HttpRequest) -> languages.Language | None:
    """The visitor's choice from the language switch (the cookie), if any."""
    return language(request.COOKIES.get(LANGUAGE_COOKIE))


def browser_language(request: HttpRequest) -> languages.Language | None:
    return languages.from_accept_language(request.headers.get("Accept-Language", ""))


def page_language(request: HttpRequest, default: str | None = None) -> languages.Language:
    """A page whose URL may name a language: ``?lang=``, the remembered choice, the browser's, ``default``, English."""
    return (
        asked_language(request) or remembered_language(request) or browser_language(request)
        or language(default) or languages.get(FALLBACK)
    )


def personal_language(request: HttpRequest, own: str) -> languages.Language:
    """A page reached through a subscriber's link: ``?lang=``, the remembered choice, then ``own``.

    ``own`` is the language the subscriber reads the newsletter in (the one
    the link came in), a surer guess than the browser's.
    """
    return (
        asked_language(request) or remembered_language(request) or language(own)
        or browser_language(request) or languages.get(FALLBACK)
    )


def remember(response: HttpResponse, code: str) -> HttpResponse:
    """Keep the visitor's choice of language for the next pages."""
    response.set_cookie(
        LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_AGE, samesite="Lax", httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def switch_url(code: str, target: str) -> str:
    """The language switch's link: remember ``code``, then show ``target`` (this page in ``code``)."""
    if target.startswith(settings.SITE_URL + "/"):
        target = target[len(settings.SITE_URL):]
    return f"{reverse('public:language', args=[code])}?{urlencode({'next': target})}"


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # a string this page has no value for (and does not show)


def strings(code: str, **fields: str) -> dict[str, str]:
    """Every string of ``code`` with the page's fields filled in."""
    values = _Fields(fields)
    return {key: text.format_map(values) for key, text in load_strings(settings.EMAIL_TEMPLATES_DIR, code).items()}


@dataclass(frozen=True)
class Choice:
    code: str
    native: str
    url: str
    current: bool = False


def query_switcher(request: HttpRequest, current: str, codes: Sequence[str] | None = None) -> list[Choice]:
    """The same page in each language, as ``?lang=`` links."""
    return [
        Choice(code, languages.get(code).native, f"{request.path}?{urlencode({'lang': code})}", code == current)
        for code in (codes or languages.LANGUAGES)
    ]


def colour(value: str) -> str:
    return value if isinstance(value, str) and _HEX.fullmatch(value) else DEFAULT_COLOUR


def page(
    request: HttpRequest,
    template: str,
    lang: languages.Language,
    context: Mapping[str, object],
    *,
    fields: Mapping[str, str] | None = None,
    switcher: Sequence[Choice] | None = None,
    alternates: Sequence[Choice] = (),
    private: bool = False,
    status: int = 200,
    brand: str = DEFAULT_COLOUR,
) -> HttpResponse:
    """Render ``web/public/<template>`` in ``lang``.

    ``private`` pages (reached through a personal link) are kept out of search
    engines and caches.
    """
    if switcher is None:
        switcher = query_switcher(request, lang.code)
    full = {
        "lang": lang.code,
        "dir": lang.direction,
        "t": strings(lang.code, **(fields or {})),
        "switcher": [replace(choice, url=switch_url(choice.code, choice.url)) for choice in switcher],
        "home_url": reverse("public:home"),
        "alternates": alternates,
        "private": private,
        "brand": colour(brand),
        **context,
    }
    with translation.override(lang.django):  # Django's own words and formats in the page's language too
        response = render(request, f"web/public/{template}", full, status=status)
    response["Content-Language"] = lang.code
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    if private:
        patch_cache_control(response, no_store=True, private=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        # The token must not leak to other sites, but the page's own forms need
        # their Origin: "same-origin" (not "no-referrer", which makes it "null").
        response["Referrer-Policy"] = "same-origin"
    return response


def bad_link(request: HttpRequest, *, default: str | None = None, status: int = 400, expired: bool | str = False,
             subscribe_url: str = "", new_link_action: str = "", new_link_sent: bool = False) -> HttpResponse:
    """A forged, broken or outdated personal link, in the visitor's language (``default``: the subscriber's).

    ``expired``: True for a confirmation link, ``"preferences"`` for a preferences link;
    ``new_link_action``: where the button that e-mails a fresh preferences link posts
    (``new_link_sent``: it was pressed).
    """
    lang = personal_language(request, default) if default else page_language(request)
    return page(
        request, "bad_link.html", lang,
        {"expired": expired, "subscribe_url": subscribe_url, "new_link_action": new_link_action,
         "new_link_sent": new_link_sent},
        private=True, status=status,
    )
