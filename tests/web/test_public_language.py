"""Which language a public page speaks, and the front page (/) that lists the cities.

The rule (``web/public/pages.py``): the URL's language, then the visitor's
choice from the language switch (a cookie), then on a personal link the
subscriber's language, then the browser's Accept-Language, then the page's
default (a city's sign-up page: the city's language), then English.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from b40news import languages
from b40news.network import links, subscriptions
from b40news.network.models import City, Language, MailingList, Subscription
from b40news.web.public.pages import LANGUAGE_COOKIE
from tests.web.test_public_fixtures import add, html, network, strings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("header", "expected"), [
    ("sr", "sr-Latn"), ("sr-RS", "sr-Latn"), ("sr-Latn-RS", "sr-Latn"), ("sr-ME", "sr-Latn"),
    ("sr-Cyrl", "sr-Cyrl"), ("sr-cyrl-rs", "sr-Cyrl"), ("sr_Cyrl", "sr-Cyrl"),
    ("hr-HR", "hr"), ("hr-BA", "hr"), ("sh", "hr"),
    ("me", "cnr"), ("cnr", "cnr"), ("cnr-ME", "cnr"),
    ("bs", "bs"), ("bs-BA", "bs"),
    ("sq-AL", "sq"), ("sq-MK", "sq"), ("sq-XK", "sq"),
    ("el-GR", "el"), ("el-CY", "el"), ("tr-TR", "tr"), ("ro-RO", "ro"), ("ro-MD", "ro"), ("mo", "ro"),
    ("sl-SI", "sl"), ("mk-MK", "mk"), ("bg-BG", "bg"), ("en-US", "en"), ("en-GB", "en"),
    ("de-DE,de;q=0.9,hr;q=0.8,en;q=0.5", "hr"),  # the first the network speaks
    ("en;q=0.5, el", "el"),  # by preference, not by position
    ("hr;q=0.8, sr;q=0.8", "hr"),  # ties keep the header's order
    ("el;q=0, tr;q=0.1", "tr"),  # q=0: "not this one"
    ("en;q=abc, tr", "tr"),
    ("de, fr", None), ("*", None), ("", None), (";;,,", None),
])
def test_accept_language_maps_onto_the_network_languages(header, expected):
    found = languages.from_accept_language(header)
    assert (found.code if found else None) == expected


def city_links(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/a/([^/]+)/', page)


def test_the_front_page_lists_every_city_in_the_browser_language(client):
    network()
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="hr-HR,hr;q=0.9,en-US;q=0.8")
    page = html(response)
    assert response.status_code == 200 and response["Content-Language"] == "hr"
    assert '<html lang="hr" dir="ltr">' in page
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}
    t = strings("hr")
    assert f"<h1>{t['home_title']}</h1>" in page and t["home_intro"] in page
    cities = list(City.objects.prefetch_related("lists"))
    assert sorted(city_links(page)) == sorted(c.slug for c in cities)
    for city in cities:
        assert f'<h2><a href="/a/{city.slug}/hr/">{city.name("hr")}</a></h2>' in page
        for mailing_list in city.lists.all():
            assert f'href="/s/{mailing_list.slug}/?lang=hr"' in page
    assert page.count(f">{t['home_archive']}</a>") == len(cities)
    assert page.count(f">{t['subscribe_button']}</a>") == MailingList.objects.count()
    assert City.objects.get(slug="athens").name("hr") in page and "Atena" in page  # the glossary's name


def test_the_front_page_sorts_the_city_names_as_a_reader_expects(client):
    network()
    page = html(client.get("/", HTTP_ACCEPT_LANGUAGE="tr"))
    names = [City.objects.get(slug=slug).name("tr") for slug in city_links(page)]
    plain = [n.casefold().replace("ş", "s").replace("ç", "c").replace("ü", "u").replace("ö", "o") for n in names]
    assert plain == sorted(plain)


@pytest.mark.parametrize(("header", "code"), [
    ("bg", "bg"), ("en-US", "en"), ("mk", "mk"), ("sr", "sr-Latn"), ("sr-Cyrl-RS", "sr-Cyrl"),
    ("hr-HR", "hr"), ("bs", "bs"), ("me", "cnr"), ("sl", "sl"), ("el", "el"), ("ro", "ro"),
    ("sq-AL", "sq"), ("tr", "tr"),
])
def test_the_front_page_in_every_language(client, header, code):
    network()
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=header)
    page = html(response)
    assert response["Content-Language"] == code and f'<html lang="{code}"' in page
    assert strings(code)["home_title"] in page
    assert f'<h2><a href="/a/zagreb/{code}/">{City.objects.get(slug="zagreb").name(code)}</a></h2>' in page
    assert 'hreflang="x-default" href="https://news.b40.test/"' in page
    for other in languages.LANGUAGES:
        assert f'<link rel="alternate" hreflang="{other}" href="https://news.b40.test/?lang={other}">' in page


def test_without_a_browser_language_the_front_page_is_english(client):
    network()
    assert client.get("/")["Content-Language"] == "en"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,fr;q=0.5")["Content-Language"] == "en"


def switch_links(page: str) -> dict[str, str]:
    found = re.findall(r'<li><a href="(/language/[^"]+)" hreflang="([^"]+)"', page)
    return {code: href.replace("&amp;", "&") for href, code in found}


def test_the_language_switch_remembers_the_choice_over_the_browser(client):
    network()
    page = html(client.get("/", HTTP_ACCEPT_LANGUAGE="hr"))
    switch = switch_links(page)
    assert set(switch) == set(languages.LANGUAGES)
    assert parse_qs(urlsplit(switch["el"]).query)["next"] == ["/?lang=el"]
    response = client.get(switch["el"], HTTP_ACCEPT_LANGUAGE="hr")
    assert response.status_code == 302 and response["Location"] == "/?lang=el"
    cookie = response.cookies[LANGUAGE_COOKIE]
    assert cookie.value == "el" and cookie["samesite"] == "Lax" and cookie["httponly"]
    assert int(cookie["max-age"]) >= 180 * 24 * 3600
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    # Remembered: every page without a language in its URL now speaks Greek, whatever the browser says.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="hr")["Content-Language"] == "el"
    assert client.get("/s/zagreb-news/", HTTP_ACCEPT_LANGUAGE="hr")["Content-Language"] == "el"
    assert client.get("/nowhere/", HTTP_ACCEPT_LANGUAGE="hr")["Content-Language"] == "el"
    # A language in the URL still wins.
    assert client.get("/?lang=tr", HTTP_ACCEPT_LANGUAGE="hr")["Content-Language"] == "tr"
    assert client.get("/a/zagreb/sl/")["Content-Language"] == "sl"


def test_the_switch_goes_only_to_pages_of_this_site(client):
    network()
    for unsafe in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "", "nowhere"):
        response = client.get("/language/sq/", {"next": unsafe})
        assert response.status_code == 302 and response["Location"] == "/?lang=sq", unsafe
    assert client.get("/language/xx/", {"next": "/"}).status_code == 404
    assert client.get("/language/sr/", {"next": "/"}).status_code == 404  # only the canonical codes
    assert client.post("/language/el/", {"next": "/"}).status_code == 405


def test_a_city_sign_up_page_follows_the_browser_not_the_city(client):
    network()  # Skopje's own language is Macedonian; these visitors got it before
    for header, code in (("hr-HR,hr;q=0.9", "hr"), ("el-GR", "el"), ("tr-TR,tr;q=0.9,en;q=0.8", "tr")):
        response = client.get("/s/skopje-news/", HTTP_ACCEPT_LANGUAGE=header)
        assert response["Content-Language"] == code
        assert f'<option value="{code}" lang="{code}" selected>' in html(response)  # the newsletter's too
    assert client.get("/s/skopje-news/")["Content-Language"] == "mk"  # no preference: the city's


def test_the_archive_follows_its_url_and_links_the_sign_up_page_in_its_language(client):
    network()
    client.cookies[LANGUAGE_COOKIE] = "el"
    response = client.get("/a/zagreb/hr/", HTTP_ACCEPT_LANGUAGE="tr")
    assert response["Content-Language"] == "hr" and "/s/zagreb-news/?lang=hr" in html(response)
    switch = switch_links(html(response))
    assert parse_qs(urlsplit(switch["sq"]).query)["next"] == ["/a/zagreb/sq/"]


def confirm_path(subscription: Subscription, code: str) -> str:
    return f"/c/{subscriptions.confirm_token(subscription.pk, Language.objects.for_code(code).pk)}/"


def test_personal_pages_speak_the_subscriber_language_before_the_browser(client):
    network()
    ana = add("ana@example.org", "bg", "sofia-news")
    sofia = MailingList.objects.get(slug="sofia-news")
    unsubscribe = "/" + links.unsubscribe_url(ana.pk, sofia.pk).split("/", 3)[3]
    preferences = "/" + links.preferences_url(ana.pk).split("/", 3)[3]
    confirm = confirm_path(Subscription.objects.get(subscriber=ana), "sl")
    for path, own in ((unsubscribe, "bg"), (preferences, "bg"), (confirm, "sl")):
        assert client.get(path, HTTP_ACCEPT_LANGUAGE="hr")["Content-Language"] == own, path
        assert client.get(path, {"lang": "ro"}, HTTP_ACCEPT_LANGUAGE="hr")["Content-Language"] == "ro", path
        client.cookies[LANGUAGE_COOKIE] = "sq"  # the visitor chose Albanian with the switch
        assert client.get(path, HTTP_ACCEPT_LANGUAGE="hr")["Content-Language"] == "sq", path
        del client.cookies[LANGUAGE_COOKIE]
    # A bad link says so in the browser's language: it names no subscriber.
    assert client.get("/u/garbage/", HTTP_ACCEPT_LANGUAGE="me")["Content-Language"] == "cnr"


@pytest.mark.parametrize("path", ["/", "/s/zagreb-news/", "/a/zagreb/hr/", "/nowhere/"])
def test_every_public_page_has_the_language_switch_and_a_way_home(client, path):
    network()
    page = html(client.get(path, HTTP_ACCEPT_LANGUAGE="hr"))
    assert set(switch_links(page)) == set(languages.LANGUAGES)
    assert f'<a class="home" href="/">{strings("hr")["web_network_name"]}</a>' in page
    assert f'<a href="/">{strings("hr")["web_all_cities"]}</a>' in page
