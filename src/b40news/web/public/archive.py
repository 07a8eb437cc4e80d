"""The public archive: each sent release in each approved language, per city.

- ``/r/<release>/<lang>/``: the release in ``lang`` once a message in that
  language has gone out, the Bulgarian original at ``bg`` once any has; 404
  for a release nobody has received yet (drafts, releases under review,
  scheduled or waiting sends are not public), and a 404 page in ``lang``
  offering the languages it exists in when it did not go out in ``lang``.
  ``<link rel="alternate" hreflang>`` names the other languages.
- ``/a/<city>/<lang>/``: the city's sent releases (its own, and those sent to
  its lists), newest first, in ``lang`` where approved, else the original.
- ``/a/<city>/<lang>/rss.xml``: the releases approved in ``lang`` (all of them
  for ``bg``), as RSS 2.0, with ``<language>`` and ``Content-Language: lang``.

Each GET of a release page adds one to that release's view counter for the
language and day (`delivery.reach.count_view`): the archive views of the
reach figures, with nothing about the visitor kept.

URLs and e-mail addresses in a release's text are links (``newsletter.linkify``).

Language codes in these paths are the network's canonical codes; an alias or
another spelling (``sr``, ``SR-latn``) redirects to the canonical address.
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed

from b40news import languages
from b40news.delivery import reach
from b40news.delivery.models import Delivery
from b40news.network import links
from b40news.network.models import City
from b40news.newsletter.linkify import linkify
from b40news.releases.models import Release, Translation
from b40news.text.segment import split_paragraphs
from b40news.web.public import errors, pages
from b40news.web.public.subscribe import subscribe_url

PER_PAGE = 30
FEED_ITEMS = 20


def _canonical(code: str) -> str | None:
    found = pages.language(code)
    return found.code if found is not None else None


def public_releases(city: City) -> QuerySet[Release]:
    """The city's sent releases, newest first, each with its approved translations."""
    return (
        Release.objects.filter(Q(city=city) | Q(lists__city=city), Exists(_gone_out()))
        .distinct()
        .order_by("-created_at", "-pk")
        .prefetch_related(Prefetch("translations", queryset=_approved_rows(), to_attr="approved_translations"))
    )


def _gone_out(language=None) -> QuerySet[Delivery]:
    """Messages of the release (in one language) that have left for a subscriber."""
    rows = Delivery.objects.filter(release=OuterRef("release" if language else "pk"), sent_at__isnull=False)
    return rows.filter(language=OuterRef(language)) if language else rows


def _approved_rows() -> QuerySet[Translation]:
    """Approved translations a subscriber has been sent (the original: once the release went out)."""
    return Translation.objects.filter(status=Translation.Status.APPROVED).filter(
        Q(language__code=languages.SOURCE) | Exists(_gone_out("language__code"))
    ).select_related("language")


def approved(release: Release) -> dict[str, Translation]:
    """Approved translations by language, the original included, in the network's order."""
    rows = getattr(release, "approved_translations", None)
    if rows is None:
        rows = list(_approved_rows().filter(release=release))
    found = {t.language.code: t for t in rows}
    return {code: found[code] for code in languages.LANGUAGES if code in found}


def _version(release: Release, code: str, translations: dict[str, Translation]) -> tuple[str, str, str] | None:
    """(title, text, notice key) of ``release`` in ``code``, or None."""
    if code == languages.SOURCE:
        return release.title, release.body, ""
    translation = translations.get(code)
    if translation is None:
        return None
    notice = "human_translated" if translation.tier == "human" else "machine_translated"
    return translation.title or release.title, translation.text, notice


def release_page(request: HttpRequest, release_id: int, lang: str) -> HttpResponse:
    release = get_object_or_404(Release.objects.select_related("city").filter(Exists(_gone_out())), pk=release_id)
    translations = approved(release)
    codes = [languages.SOURCE, *(c for c in translations if c != languages.SOURCE)]
    choices = [
        pages.Choice(c, languages.get(c).native, links.archive_url(release.pk, c)) for c in codes
    ]
    code = _canonical(lang)
    if code is None:
        return errors.error_page(request, 404, body_keys=["release_missing_body"], choices=choices)
    if code != lang:
        return HttpResponsePermanentRedirect(reverse("public:release", args=[release_id, code]))
    version = _version(release, code, translations)
    if version is None:  # not published in this language: say so in it, and offer those it has
        return errors.error_page(
            request, 404, lang=languages.get(code), title_key="release_missing_title",
            body_keys=["release_missing_body"], choices=choices,
            switcher=[pages.Choice(c, item.native, links.archive_url(release.pk, c), c == code)
                      for c, item in languages.LANGUAGES.items()],
        )
    title, text, notice = version
    choices = [replace(c, current=c.code == code) for c in choices]
    city = release.city
    if request.method == "GET":  # a view, counted per release, language and day: nobody is tracked
        reach.count_view(release.pk, code)
    return pages.page(
        request, "release.html", languages.get(code),
        {"title": title, "paragraphs": [linkify(p) for p in split_paragraphs(text)], "notice": notice,
         "original_url": links.original_url(release.pk), "index_url": _index_url(city, code),
         "published": release.created_at.date().isoformat()},
        fields={"city": city.name(code)}, switcher=choices, alternates=choices, brand=city.colour,
    )


def _index_url(city: City, code: str) -> str:
    return f"{settings.SITE_URL}{reverse('public:archive', args=[city.slug, code])}"


def _feed_url(city: City, code: str) -> str:
    return f"{settings.SITE_URL}{reverse('public:feed', args=[city.slug, code])}"


def city_index(request: HttpRequest, city_slug: str, lang: str) -> HttpResponse:
    city = get_object_or_404(City, slug=city_slug)
    code = _canonical(lang)
    if code is None:  # not a language of the network: offer those it has
        return errors.error_page(
            request, 404, body_keys=["language_unknown_body"],
            choices=[pages.Choice(c, item.native, _index_url(city, c)) for c, item in languages.LANGUAGES.items()],
        )
    if code != lang:
        return HttpResponsePermanentRedirect(reverse("public:archive", args=[city_slug, code]))
    page_obj = Paginator(public_releases(city), PER_PAGE).get_page(request.GET.get("page"))
    entries = []
    for release in page_obj:
        translations = approved(release)
        shown = code if _version(release, code, translations) else languages.SOURCE
        title = _version(release, shown, translations)[0]
        entries.append({"title": title, "url": links.archive_url(release.pk, shown), "lang": shown,
                        "translated": shown == code, "published": release.created_at.date().isoformat()})
    choices = [
        pages.Choice(c, item.native, _index_url(city, c), c == code) for c, item in languages.LANGUAGES.items()
    ]
    return pages.page(
        request, "archive.html", languages.get(code),
        {"entries": entries, "page_obj": page_obj, "feed_url": _feed_url(city, code),
         "lists": [(m.name, subscribe_url(m, code)) for m in city.lists.all()]},
        fields={"city": city.name(code)}, switcher=choices, alternates=choices, brand=city.colour,
    )


class CityFeed(Feed):
    """RSS 2.0 per city and language: the releases approved in that language."""

    feed_type = Rss201rev2Feed

    def get_object(self, request, city_slug: str, lang: str):
        code = pages.language(lang)
        if code is None or code.code != lang:
            raise Http404("not a language code of the network")
        return get_object_or_404(City, slug=city_slug), lang

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = obj[1]  # Feed.language is one value for every feed
        return feed

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["Content-Language"] = kwargs["lang"]  # else LocaleMiddleware's (the office's) language
        return response

    def title(self, obj) -> str:
        city, code = obj
        return pages.strings(code, city=city.name(code))["archive_title"]

    def description(self, obj) -> str:
        city, code = obj
        return pages.strings(code, city=city.name(code))["archive_intro"]

    def link(self, obj) -> str:
        return _index_url(*obj)

    def feed_url(self, obj) -> str:
        return _feed_url(*obj)

    def items(self, obj) -> list[dict]:
        city, code = obj
        items = []
        for release in public_releases(city)[: FEED_ITEMS * 5]:
            version = _version(release, code, approved(release))
            if version is not None:
                title, text, _ = version
                items.append({"release": release, "title": title, "text": text, "code": code})
            if len(items) == FEED_ITEMS:
                break
        return items

    def item_title(self, item) -> str:
        return item["title"]

    def item_description(self, item) -> str:
        paragraphs = split_paragraphs(item["text"])
        return linkify(paragraphs[0]) if paragraphs else ""  # the description is HTML to readers

    def item_link(self, item) -> str:
        return links.archive_url(item["release"].pk, item["code"])

    def item_guid(self, item) -> str:
        return links.archive_url(item["release"].pk, item["code"])

    def item_pubdate(self, item):
        return item["release"].created_at
