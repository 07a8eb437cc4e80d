"""The network's front page (``/``) and the language switch (``/language/<code>/``).

The front page lists every city of the network, named in the visitor's
language, each with its archive and its sign-up page in that language; it
speaks the language ``pages.page_language`` picks (``?lang=``, the
remembered choice, the browser's, English).

The language switch on every public page is a plain link: it remembers the
choice in a cookie and goes back to the same page in that language, so that
it works without JavaScript, and without cookies too (the page it returns to
names the language in its URL).
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from b40news import languages
from b40news.network.models import City
from b40news.web.public import pages
from b40news.web.public.subscribe import subscribe_url


def _sort_key(name: str) -> str:
    """Names sorted as a reader expects: "Čačak" with the C's, not after "Z"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def city_rows(code: str) -> list[dict]:
    rows = []
    for city in City.objects.prefetch_related("lists"):
        rows.append({
            "name": city.name(code),
            "archive_url": reverse("public:archive", args=[city.slug, code]),
            "lists": [(m.name, subscribe_url(m, code)) for m in city.lists.all()],
        })
    return sorted(rows, key=lambda row: _sort_key(row["name"]))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    lang = pages.page_language(request)
    return pages.page(
        request, "home.html", lang, {"cities": city_rows(lang.code)},
        alternates=[
            pages.Choice("x-default", "", f"{settings.SITE_URL}/"),
            *(pages.Choice(c.code, c.native, f"{settings.SITE_URL}{c.url}")
              for c in pages.query_switcher(request, lang.code)),
        ],
    )


@never_cache
@require_safe
def switch_language(request: HttpRequest, code: str) -> HttpResponse:
    """Remember ``code`` and go back to ``?next=`` (a path on this site; else the front page)."""
    chosen = languages.LANGUAGES.get(code)
    if chosen is None:
        raise Http404("not a language code of the network")
    target = request.GET.get("next", "")
    safe = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not safe:
        target = f"{reverse('public:home')}?{urlencode({'lang': chosen.code})}"
    return pages.remember(HttpResponseRedirect(target), chosen.code)
