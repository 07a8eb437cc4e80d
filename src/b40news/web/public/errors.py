"""Error pages that say what happened and what to do, in the visitor's language.

Django's own (``handler400`` ... ``handler500``, ``CSRF_FAILURE_VIEW``) are
bare English and, for a failed CSRF check, talk about ``DEBUG``. These are
the public pages' frame, in the language ``pages`` picks, with a way on: the
form again, the list of cities, or the languages a page exists in.

``server_error`` runs when something is already broken: it reads no database
and falls back to a fixed page if even the template fails.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core import signing
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse, HttpResponseServerError

from b40news import languages
from b40news.web.public import pages

log = logging.getLogger(__name__)

_KEYS = {400: "error_400", 403: "error_403", 404: "error_404", 500: "error_500"}


def error_page(
    request: HttpRequest,
    status: int,
    *,
    lang: languages.Language | None = None,
    title_key: str = "",
    body_keys: Sequence[str] = (),
    choices: Sequence[pages.Choice] = (),
    switcher: Sequence[pages.Choice] | None = None,
    back_url: str = "",
    fields: dict[str, str] | None = None,
    private: bool = False,
) -> HttpResponse:
    """A branded error page: a heading, what to do, ``choices`` to go on (e.g. languages), links.

    ``switcher``: where the language switch leads (default: this address in each language).
    """
    key = _KEYS.get(status, "error_400")
    lang = lang or pages.page_language(request)
    t = pages.strings(lang.code, **(fields or {}))
    return pages.page(
        request, "error.html", lang,
        {"status": status, "heading": t[title_key or f"{key}_title"],
         "paragraphs": [t[k] for k in (body_keys or [f"{key}_body"])], "choices": choices, "back_url": back_url},
        fields=fields, status=status, private=private, switcher=switcher,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return error_page(request, 500)
    except Exception:  # the error page itself failed: say it plainly, never a traceback
        log.exception("the error page could not be rendered")
        return HttpResponseServerError(
            "<!doctype html><title>B40</title><h1>500</h1><p><a href=\"/\">B40</a></p>",
            content_type="text/html; charset=utf-8",
        )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token: usually an old page or cleared cookies.

    The way on is the same address by GET, which shows the form again with a
    fresh token. On a subscriber's personal page the page speaks the
    subscriber's language, as the page itself did.
    """
    own = _personal_language(request)
    lang = pages.personal_language(request, own) if own else pages.page_language(request)
    return error_page(
        request, 403, lang=lang, title_key="csrf_title", body_keys=["csrf_body", "csrf_cookies"],
        back_url=request.get_full_path(), private=True,
    )


def _personal_language(request: HttpRequest) -> str | None:
    """The subscriber's language when the refused form was on a personal page (confirm, preferences, unsubscribe)."""
    from b40news.network import subscriptions

    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "public" or "token" not in match.kwargs:
        return None
    token = match.kwargs["token"]
    try:
        if match.url_name == "confirm":
            return subscriptions.read_confirm_token(token, max_age=None).language.code
        if match.url_name == "preferences":
            return subscriptions.read_preferences_token(token).language.code
        if match.url_name == "unsubscribe":
            return subscriptions.read_unsubscribe_token(token).subscriber.language.code
    except (signing.BadSignature, ObjectDoesNotExist, ValueError):
        return None
    return None
