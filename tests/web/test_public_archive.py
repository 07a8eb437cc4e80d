"""The public archive: /r/<release>/<lang>/, /a/<city>/<lang>/ and its RSS feed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from django.utils import timezone

from b40news import languages
from b40news.delivery.models import Delivery
from b40news.network import links
from b40news.network.models import Language
from b40news.releases.models import Release, Translation
from b40news.releases.workflow import store_source, submit
from tests.web.test_public_fixtures import add, html, network, strings

pytestmark = pytest.mark.django_db

BG_TITLE = "Среща на кметовете в София"
BG_BODY = "Кметът откри срещата.\n\nОбщината покани гости от Загреб."
EN_TITLE = "Mayors meet in Sofia"
EN_BODY = "The mayor opened the meeting.\n\nThe municipality invited guests from Zagreb."


def release(title: str, body: str, *, city: str = "sofia", lists=(), status=Release.Status.SENT, **approved):
    """A release; when sent, one message has gone out in each of its approved languages
    (the archive shows a language only then)."""
    made = submit(f"{title}\n{body}".encode(), name="r.txt", city=city, lists=list(lists))
    store_source(made)
    for code, (tier, status_, t_title, text) in approved.items():
        Translation.objects.create(release=made, language=Language.objects.for_code(code), status=status_,
                                   tier=tier, title=t_title, text=text)
    Release.objects.filter(pk=made.pk).update(status=status)
    if status == Release.Status.SENT:
        gone = ["bg", *(code for code, (_, status_, _, _) in approved.items() if status_ == "approved")]
        mailing_list = made.lists.first()
        for code in gone:
            subscriber = add(f"reader-{made.pk}-{code}@example.org", code)
            Delivery.objects.create(release=made, subscriber=subscriber, mailing_list=mailing_list, language=code,
                                    state=Delivery.State.SENT, sent_at=timezone.now())
    return made


@pytest.fixture
def archive():
    network()
    sent = release(BG_TITLE, BG_BODY,
                   en=("human", "approved", EN_TITLE, EN_BODY),
                   mk=("good", "translated", "Средба", "Градоначалникот ја отвори средбата.\n\nГости."))
    original_only = release("Само на български", "Текст на оригинала.")
    draft = release("Чернова", "Още не е изпратено.", status=Release.Status.REVIEW,
                    en=("gist", "approved", "Draft", "Not sent yet."))
    from_varna = release("Варна пише на София", "Общо съобщение.", city="varna", lists=["sofia-news"])
    Release.objects.filter(pk=sent.pk).update(created_at=sent.created_at.replace(year=2024))
    return {"sent": sent, "original_only": original_only, "draft": draft, "from_varna": from_varna}


def path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def hreflangs(page: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page))


def test_an_approved_translation_with_alternates_for_approved_languages_only(client, archive):
    sent = archive["sent"]
    response = client.get(path(links.archive_url(sent.pk, "en")))
    page = html(response)
    assert response.status_code == 200 and '<html lang="en" dir="ltr">' in page
    assert f"<h1>{EN_TITLE}</h1>" in page and "The municipality invited guests from Zagreb." in page
    assert strings("en")["human_translated"] in page  # a human translation says so
    assert f'href="{links.original_url(sent.pk)}" hreflang="bg"' in page
    assert hreflangs(page) == {"bg": links.archive_url(sent.pk, "bg"), "en": links.archive_url(sent.pk, "en")}
    assert "2024-" in page


def test_the_bulgarian_original(client, archive):
    page = html(client.get(path(links.original_url(archive["sent"].pk))))
    assert '<html lang="bg"' in page and BG_TITLE in page and "Общината покани гости от Загреб." in page
    assert strings("bg")["machine_translated"] not in page and strings("bg")["human_translated"] not in page
    assert set(hreflangs(page)) == {"bg", "en"}


def test_what_is_not_approved_or_not_sent_is_not_public(client, archive):
    sent, draft = archive["sent"], archive["draft"]
    assert client.get(f"/r/{sent.pk}/mk/").status_code == 404  # translated, not approved
    assert client.get(f"/r/{sent.pk}/tr/").status_code == 404  # not translated
    assert client.get(f"/r/{sent.pk}/xx/").status_code == 404
    assert client.get(f"/r/{draft.pk}/bg/").status_code == 404  # under review: not sent
    assert client.get(f"/r/{draft.pk}/en/").status_code == 404
    assert client.get("/r/999999/bg/").status_code == 404


def test_other_spellings_of_a_code_redirect_to_the_canonical_address(client, archive):
    sent = archive["sent"]
    response = client.get(f"/r/{sent.pk}/EN/")
    assert response.status_code == 301 and response["Location"] == f"/r/{sent.pk}/en/"
    assert client.get("/a/sofia/sr/")["Location"] == "/a/sofia/sr-Latn/"


def test_the_city_index_lists_sent_releases_in_the_language_or_the_original(client, archive):
    page = html(client.get("/a/sofia/en/"))
    assert strings("en", city="Sofia")["archive_title"] in page
    assert f'<a href="{links.archive_url(archive["sent"].pk, "en")}">{EN_TITLE}</a>' in page
    original = links.archive_url(archive["original_only"].pk, "bg")
    assert f'<a href="{original}" hreflang="bg" lang="bg">Само на български</a>' in page
    assert strings("en")["archive_original_only"] in page
    assert "Варна пише на София" in page  # sent to Sofia's list by another city
    assert "Чернова" not in page and "Draft" not in page
    assert page.index("Само на български") < page.index(EN_TITLE)  # newest first
    assert set(hreflangs(page)) == set(languages.LANGUAGES)
    assert 'type="application/rss+xml"' in page and "/a/sofia/en/rss.xml" in page
    assert "/s/sofia-news/?lang=en" in page


@pytest.mark.parametrize("code", list(languages.LANGUAGES))
def test_the_city_index_in_every_language(client, archive, code):
    response = client.get(f"/a/sofia/{code}/")
    page = html(response)
    assert response.status_code == 200 and response["Content-Language"] == code
    assert f'<html lang="{code}" dir="ltr">' in page
    assert strings(code, city=archive["sent"].city.name(code))["archive_title"] in page


def test_an_empty_archive_and_unknown_city(client, archive):
    assert strings("el", city="Athens")["archive_empty"] in html(client.get("/a/athens/el/"))
    assert client.get("/a/atlantis/en/").status_code == 404
    assert client.get("/a/sofia/xx/").status_code == 404


def _feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    return ET.fromstring(response.content).find("channel")


def test_the_rss_feed_holds_the_releases_approved_in_its_language(client, archive):
    channel = _feed(client, "/a/sofia/en/rss.xml")
    assert channel.findtext("language") == "en"
    assert channel.findtext("title") == strings("en", city="Sofia")["archive_title"]
    assert channel.findtext("link") == "https://news.b40.test/a/sofia/en/"
    [item] = channel.findall("item")
    assert item.findtext("title") == EN_TITLE
    assert item.findtext("link") == links.archive_url(archive["sent"].pk, "en")
    assert item.findtext("description") == "The mayor opened the meeting."
    assert " 2024 " in item.findtext("pubDate")  # RFC 822: "Mon, 01 Jan 2024 12:00:00 +0000"


def test_the_bulgarian_feed_has_every_sent_release(client, archive):
    channel = _feed(client, "/a/sofia/bg/rss.xml")
    assert channel.findtext("language") == "bg"
    titles = [item.findtext("title") for item in channel.findall("item")]
    assert sorted(titles) == sorted([BG_TITLE, "Само на български", "Варна пише на София"])
    assert _feed(client, "/a/sofia/tr/rss.xml").findall("item") == []


def test_feed_for_an_unknown_city_or_language_is_404(client, archive):
    assert client.get("/a/atlantis/en/rss.xml").status_code == 404
    assert client.get("/a/sofia/xx/rss.xml").status_code == 404


def test_links_in_a_release_are_links_on_its_page_and_in_its_feed(client):
    network()
    body = "Програма: https://stz.bg/b40?d=1&l=bg.\nПишете на press@stz.bg или <b>www.b40.org</b>."
    sent = release("Връзки", body, en=("human", "approved", "Links", "See https://stz.bg/b40?d=1&l=bg."))
    page = html(client.get(f"/r/{sent.pk}/bg/"))
    assert ('<p>Програма: <a href="https://stz.bg/b40?d=1&amp;l=bg">https://stz.bg/b40?d=1&amp;l=bg</a>.<br>\n'
            'Пишете на <a href="mailto:press@stz.bg">press@stz.bg</a> или '
            '&lt;b&gt;<a href="https://www.b40.org">www.b40.org</a>&lt;/b&gt;.</p>') in page
    [item] = _feed(client, "/a/sofia/en/rss.xml").findall("item")
    assert item.findtext("description") == (
        'See <a href="https://stz.bg/b40?d=1&amp;l=bg">https://stz.bg/b40?d=1&amp;l=bg</a>.')


@pytest.mark.parametrize("code", list(languages.LANGUAGES))
def test_every_feed_names_its_language_in_the_header_and_the_channel(client, archive, code):
    response = client.get(f"/a/skopje/{code}/rss.xml", HTTP_ACCEPT_LANGUAGE="bg")
    assert response.status_code == 200 and response["Content-Language"] == code
    assert ET.fromstring(response.content).find("channel").findtext("language") == code
