"""No public page shows an untranslated interface string, in any of the 13 languages.

Every public page (front page, sign-up and its answers, confirmation,
preferences, unsubscribe, a bad link, the archive and a release, and the
error pages) is rendered in English and in each other language from the same
data. Then, on the other language's page:

- no text (or label-like attribute) is the same as on the English page,
  unless it is data: city, list and language names, addresses, titles, dates;
- no clause of the English strings (two words or more, placeholders left
  out) appears anywhere, so half-translated text is caught too.

Text written into a template instead of the strings files, a key missing
from one language (it would fall back to English) or copied English all fail.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client, override_settings
from translate.storage import po

import b40news
from b40news import languages
from b40news.network import links, subscriptions
from b40news.network.models import City, Language, MailingList, Subscription
from b40news.newsletter.strings import load_strings, placeholders
from tests.web.test_public_archive import release
from tests.web.test_public_fixtures import add, network

pytestmark = pytest.mark.django_db

ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.nodes.extend(value for name, value in attrs if name in ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(data)


def text_nodes(page: str) -> list[str]:
    parser = _Text()
    parser.feed(page)
    return [" ".join(node.split()) for node in parser.nodes]


@pytest.fixture
def world():
    network()
    ana = add("ana@example.org", "bg", "sofia-news")
    sofia = MailingList.objects.get(slug="sofia-news")
    pending = add("pat@example.org", "bg", "sofia-news", status="pending")
    gone = add("gil@example.org", "bg", "sofia-news", status="unsubscribed")
    translated = release("Среща на кметовете", "Кметът откри срещата: https://sofia.bg/b40 и b40@sofia.bg.", **{
        code: ("good", "approved", f"Title {code}", f"Text {code}: https://sofia.bg/b40")
        for code in languages.TARGETS
    })
    original_only = release("Само на български", "Текст.")
    lang_pk = Language.objects.for_code("bg").pk
    pending_pk = Subscription.objects.get(subscriber=pending).pk
    old = signing.Signer(salt="b40news.confirm").sign(
        f"{pending_pk}.{lang_pk}:{signing.b62_encode(int(time.time()) - 8 * 24 * 3600)}")

    def local(url: str) -> str:
        return "/" + url.split("/", 3)[3]

    def confirm(subscriber) -> str:
        subscription = Subscription.objects.get(subscriber=subscriber)
        return f"/c/{subscriptions.confirm_token(subscription.pk, lang_pk)}/"

    pages = {
        "front page": ("get", "/", {}),
        "sign-up": ("get", "/s/sofia-news/", {}),
        "sign-up, bad address": ("post", "/s/sofia-news/", {"email": "nope"}),
        "sign-up, sent": ("post", "/s/sofia-news/", {"email": "new@example.org"}),
        "confirm": ("get", confirm(pending), {}),
        "confirmed": ("get", confirm(ana), {}),
        "confirm, cancelled": ("get", confirm(gone), {}),
        "confirm, expired": ("get", f"/c/{old}/", {}),
        "bad link": ("get", "/u/garbage/", {}),
        "unsubscribe": ("get", local(links.unsubscribe_url(ana.pk, sofia.pk)), {}),
        "unsubscribed": ("get", local(links.unsubscribe_url(gone.pk, sofia.pk)), {}),
        "preferences": ("get", local(links.preferences_url(ana.pk)), {"saved": "language"}),
        "preferences, left": ("get", local(links.preferences_url(gone.pk)), {
            "left": str(Subscription.objects.get(subscriber=gone).pk)}),
        "archive": ("get", "/a/sofia/{code}/", {}),
        "archive, empty": ("get", "/a/athens/{code}/", {}),
        "release": ("get", f"/r/{translated.pk}/{{code}}/", {}),
        "release, not in this language": ("get", f"/r/{original_only.pk}/{{code}}/", {}),
        "archive, unknown language": ("get", "/a/sofia/xx/", {}),
        "404": ("get", "/no/such/page/", {}),
        "400": ("get", "/boom/400/", {}),
        "403": ("get", "/boom/403/", {}),
        "500": ("get", "/boom/500/", {}),
        "csrf": ("csrf", "/s/sofia-news/", {"email": "ana@example.org"}),
    }
    data = {lang.native for lang in languages.LANGUAGES.values()}
    data |= {name for city in City.objects.all() for name in city.names.values()}
    data |= set(MailingList.objects.values_list("name", flat=True))
    data |= {"ana@example.org", "pat@example.org", "gil@example.org", "new@example.org", "nope", "B40"}
    data |= {f"Title {code}" for code in languages.TARGETS} | {"Среща на кметовете", "Само на български"}
    data |= {"https://sofia.bg/b40", "b40@sofia.bg", "Text", "Кметът откри срещата"}
    return pages, sorted(data, key=len, reverse=True)


def render(name: str, spec, code: str) -> str:
    method, path, params = spec
    path = path.replace("{code}", code)
    query = f"?lang={code}" if "{code}" not in spec[1] else ""
    if method == "csrf":
        response = Client(enforce_csrf_checks=True).post(path + query, params)
    elif method == "post":
        response = Client().post(path + query, params)
    else:
        response = Client(raise_request_exception=False).get(path, {**params, **({"lang": code} if query else {})})
    assert response["Content-Language"] == code, (name, code, response.status_code)
    return response.content.decode("utf-8")


def is_data(node: str, data: list[str]) -> bool:
    for item in data:
        node = node.replace(item, " ")
    node = re.sub(r"\d{4}-\d{2}-\d{2}", " ", node)
    return not re.search(r"[^\W\d_]", node)  # nothing left that is a letter


def office_strings() -> set[str]:
    """The English of the office's catalogue (its msgids), in case one reaches a public page."""
    found = set()
    for path in Path(b40news.__file__).parent.glob("**/locale/bg/LC_MESSAGES/django.po"):
        for unit in po.pofile.parsefile(str(path)).units:
            if not unit.isheader():
                found.update(map(str, unit.source.strings) if unit.hasplural() else [str(unit.source)])
    return found


def english_clauses() -> list[str]:
    """Every clause of the English strings (placeholders cut out), of two words or more: "The link is valid"."""
    clauses = set()
    for value in load_strings(Path(settings.EMAIL_TEMPLATES_DIR), "en").values():
        assert placeholders(value) <= {"list", "city", "email", "language"}
        for part in re.split(r"\{\w+\}|[.:;,!?()—]", value):
            part = part.strip()
            if len(part.split()) >= 2:
                clauses.add(part)
    for value in office_strings():
        for part in re.split(r"%\(\w+\)\d*[sdr]|[.:;,!?()—…']", value):
            part = part.strip()
            if len(part.split()) >= 2:
                clauses.add(part)
    return sorted(clauses)


def test_the_pages_here_cover_every_public_template():
    import b40news.web

    folder = Path(b40news.web.__file__).parent / "templates" / "web" / "public"
    shown = {"home", "subscribe", "subscribe_sent", "confirm", "bad_link", "unsubscribe", "preferences",
             "archive", "release", "error"}
    assert {p.stem for p in folder.glob("*.html")} - {"base"} == shown


@pytest.mark.parametrize("code", [c for c in languages.LANGUAGES if c != "en"])
@override_settings(ROOT_URLCONF="tests.web.test_public_errors")  # the real URLs, and views that fail
def test_no_page_shows_an_untranslated_interface_string(world, code):
    pages, data = world
    clauses = english_clauses()
    problems = []
    for name, spec in pages.items():
        english = set(text_nodes(render(name, spec, "en")))
        own_page = render(name, spec, code)
        own = text_nodes(own_page)
        problems += [(name, node) for node in own if node in english and not is_data(node, data)]
        joined = " ".join(node for node in own if not is_data(node, data))
        problems += [(name, c) for c in clauses if re.search(rf"(?<!\w){re.escape(c)}(?!\w)", joined)]
    assert problems == []
