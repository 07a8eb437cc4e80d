"""What every public page shares: its language, its strings, its switcher.

A page speaks one of the network's languages. Its words come from
``templates/strings/<code>.yaml`` (the same files as the e-mails), formatted
with the page's ``{list}``, ``{city}`` and ``{email}``; Django templates then
escape them like any other value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation.trans_real import parse_accept_lang_header

from b40news import languages
from b40news.newsletter.strings import load_strings

FALLBACK = "en"
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


def page_language(request: HttpRequest, default: str | None) -> languages.Language:
    """``?lang=`` when it names a network language, else ``default``, else the browser's."""
    return language(request.GET.get("lang")) or language(default) or browser_language(request)


def browser_language(request: HttpRequest) -> languages.Language:
    for code, _ in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        parts = code.split("-")
        for candidate in (code, "-".join(parts[:2]), parts[0]):  # sr-cyrl-rs, sr-cyrl, sr
            found = language(candidate)
            if found is not None:
                return found
    return languages.get(FALLBACK)


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
    full = {
        "lang": lang.code,
        "dir": lang.direction,
        "t": strings(lang.code, **(fields or {})),
        "switcher": query_switcher(request, lang.code) if switcher is None else switcher,
        "alternates": alternates,
        "private": private,
        "brand": colour(brand),
        **context,
    }
    response = render(request, f"web/public/{template}", full, status=status)
    response["Content-Language"] = lang.code
    if private:
        patch_cache_control(response, no_store=True, private=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
        # The token must not leak to other sites, but the page's own forms need
        # their Origin: "same-origin" (not "no-referrer", which makes it "null").
        response["Referrer-Policy"] = "same-origin"
    return response


def bad_link(request: HttpRequest, *, default: str | None = None, status: int = 400, expired: bool | str = False,
             subscribe_url: str = "") -> HttpResponse:
    """A forged, broken or outdated personal link, in the visitor's language.

    ``expired``: True for a confirmation link, ``"preferences"`` for a preferences link.
    """
    lang = page_language(request, default)
    return page(
        request, "bad_link.html", lang, {"expired": expired, "subscribe_url": subscribe_url},
        private=True, status=status,
    )
