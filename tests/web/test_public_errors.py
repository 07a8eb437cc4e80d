"""Branded error pages in the visitor's language: 400, 403, 404, 500 and a failed CSRF check.

Each says what happened and what to do, with a way on (the form again, the
list of cities, the languages a page exists in), and none of them is
Django's bare English page or mentions DEBUG.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import include, path

from b40news import languages
from b40news.network import links, subscriptions
from b40news.network.models import Language, MailingList, Subscription
from b40news.web.public import errors, pages
from tests.web.test_public_archive import release
from tests.web.test_public_fixtures import add, csrf_client, html, network, strings

pytestmark = pytest.mark.django_db

CODES = list(languages.LANGUAGES)
DJANGO_WORDS = ("DEBUG", "CSRF verification failed", "Forbidden", "Not Found", "Server Error", "Bad Request")


def _raise(exception):
    def view(request):
        raise exception
    return view


# A URL configuration for these tests: the real one, plus views that fail, and the real handlers.
urlpatterns = [
    path("boom/400/", _raise(SuspiciousOperation("bad"))),
    path("boom/403/", _raise(PermissionDenied())),
    path("boom/500/", _raise(RuntimeError("broken"))),
    path("", include("b40news.urls")),
]
handler400 = "b40news.web.public.errors.bad_request"
handler403 = "b40news.web.public.errors.permission_denied"
handler404 = "b40news.web.public.errors.page_not_found"
handler500 = "b40news.web.public.errors.server_error"


def assert_branded(response, code: str, status: int, title_key: str, *body_keys: str, **fields):
    page = html(response)
    t = strings(code, **fields)
    assert response.status_code == status
    assert response["Content-Language"] == code and f'<html lang="{code}"' in page
    assert f"<h1>{t[title_key]}</h1>" in page, title_key
    for key in body_keys:
        assert t[key].replace("'", "&#x27;") in page, key
    assert f'<a class="home" href="/">{t["web_network_name"]}</a>' in page
    assert f'<a href="/">{t["web_all_cities"]}</a>' in page  # never a dead end
    assert len(re.findall(r'href="/language/[^"]+"', page)) == len(CODES)  # the language switch
    for word in DJANGO_WORDS:
        assert word not in page, word
    return page


def test_the_project_uses_these_pages():
    from django.conf import settings

    from b40news import urls

    assert settings.CSRF_FAILURE_VIEW == "b40news.web.public.errors.csrf_failure"
    assert (urls.handler400, urls.handler403, urls.handler404, urls.handler500) == (
        handler400, handler403, handler404, handler500)


@pytest.mark.parametrize("code", CODES)
def test_not_found_in_every_language(client, code):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=code)
    assert_branded(response, code, 404, "error_404_title", "error_404_body")


@pytest.mark.parametrize("code", CODES)
@override_settings(ROOT_URLCONF=__name__)
def test_bad_request_forbidden_and_server_error_in_every_language(code):
    client = Client(raise_request_exception=False)
    for status in (400, 403, 500):
        response = client.get(f"/boom/{status}/", HTTP_ACCEPT_LANGUAGE=code)
        assert_branded(response, code, status, f"error_{status}_title", f"error_{status}_body")


def test_a_foreign_host_gets_the_branded_400(client):
    response = client.get("/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="sq")
    assert_branded(response, "sq", 400, "error_400_title", "error_400_body")


def test_the_500_page_needs_no_database_and_survives_its_own_failure(rf, monkeypatch, django_assert_num_queries):
    request = rf.get("/x/", HTTP_ACCEPT_LANGUAGE="mk")
    with django_assert_num_queries(0):
        response = errors.server_error(request)
    assert response.status_code == 500 and response["Content-Language"] == "mk"
    monkeypatch.setattr(pages, "page", _raise(RuntimeError("templates gone")))
    fallback = errors.server_error(request)
    assert fallback.status_code == 500 and b'href="/"' in fallback.content and b"Traceback" not in fallback.content


@pytest.mark.parametrize("code", CODES)
def test_a_form_sent_without_its_csrf_cookie_says_what_to_do(code):
    network()
    browser = csrf_client()  # cookies cleared: no CSRF cookie, no token
    response = browser.post(f"/s/zagreb-news/?lang={code}", {"email": "ana@example.org", "language": code})
    page = assert_branded(response, code, 403, "csrf_title", "csrf_body", "csrf_cookies")
    assert f'<a href="/s/zagreb-news/?lang={code}">{strings(code)["error_form_again"]}</a>' in page
    assert response["Cache-Control"].count("no-store") == 1 and "noindex" in response["X-Robots-Tag"]
    assert not Subscription.objects.exists()


def test_csrf_failure_follows_the_browser_or_the_remembered_choice():
    network()
    browser = csrf_client()
    assert browser.post("/s/zagreb-news/", {}, HTTP_ACCEPT_LANGUAGE="el")["Content-Language"] == "el"
    browser.cookies[pages.LANGUAGE_COOKIE] = "ro"
    assert browser.post("/s/zagreb-news/", {}, HTTP_ACCEPT_LANGUAGE="el")["Content-Language"] == "ro"
    office = Client(enforce_csrf_checks=True).post("/office/login/", {}, HTTP_ACCEPT_LANGUAGE="tr")
    assert office.status_code == 403 and strings("tr")["csrf_title"] in html(office)


def test_csrf_failure_on_a_personal_page_speaks_the_subscriber_language():
    network()
    ana = add("ana@example.org", "bg", "sofia-news")
    sofia = MailingList.objects.get(slug="sofia-news")
    token = subscriptions.confirm_token(Subscription.objects.get(subscriber=ana).pk, Language.objects.for_code("el").pk)
    for url, own in ((links.unsubscribe_url(ana.pk, sofia.pk), "bg"), (links.preferences_url(ana.pk), "bg"),
                     (f"https://news.b40.test/c/{token}/", "el")):
        path_ = "/" + url.split("/", 3)[3]
        response = csrf_client().post(path_, {"action": "language", "language": "tr"}, HTTP_ACCEPT_LANGUAGE="hr")
        page = assert_branded(response, own, 403, "csrf_title", "csrf_body")
        assert f'<a href="{path_}">' in page  # back to the same page, which shows the form again
    assert Subscription.objects.get(subscriber=ana).status == "confirmed"
    ana.refresh_from_db()
    assert ana.language.code == "bg"


def test_a_form_the_preferences_page_never_sends_gets_the_branded_400(client):
    network()
    ana = add("ana@example.org", "sl", "sofia-news")
    path_ = "/" + links.preferences_url(ana.pk).split("/", 3)[3]
    for data in ({"action": "language", "language": "xx"}, {"action": "dance"}):
        response = client.post(path_, data)
        page = assert_branded(response, "sl", 400, "error_400_title", "error_400_body")
        assert f'<a href="{path_}">{strings("sl")["error_form_again"]}</a>' in page


@pytest.fixture
def sent():
    network()
    return release("Среща", "Текст.", en=("human", "approved", "Meeting", "Text."),
                   mk=("good", "translated", "Средба", "Текст."))


@pytest.mark.parametrize("code", [c for c in CODES if c not in ("bg", "en")])
def test_a_release_not_published_in_a_language_offers_those_it_has(client, sent, code):
    response = client.get(f"/r/{sent.pk}/{code}/", HTTP_ACCEPT_LANGUAGE="en")
    page = assert_branded(response, code, 404, "release_missing_title", "release_missing_body")
    offered = re.findall(r'<ul class="choices">(.*?)</ul>', page, re.S)[0]
    assert re.findall(r'<li><a href="([^"]+)" hreflang="([^"]+)" lang="[^"]+">', offered) == [
        (links.archive_url(sent.pk, "bg"), "bg"), (links.archive_url(sent.pk, "en"), "en")]
    switch = re.findall(r'href="/language/([^/]+)/\?next=([^"]+)"', page)
    assert len(switch) == len(CODES) and all(target == f"%2Fr%2F{sent.pk}%2F{c}%2F" for c, target in switch)


def test_a_release_under_an_unknown_language_code(client, sent):
    response = client.get(f"/r/{sent.pk}/xx/", HTTP_ACCEPT_LANGUAGE="ro")
    page = assert_branded(response, "ro", 404, "error_404_title", "release_missing_body")
    assert links.archive_url(sent.pk, "en") in page
    assert_branded(client.get("/r/999999/en/", HTTP_ACCEPT_LANGUAGE="ro"), "ro", 404, "error_404_title")


def test_an_archive_in_a_language_the_network_does_not_publish(client):
    network()
    response = client.get("/a/zagreb/de/", HTTP_ACCEPT_LANGUAGE="hr")
    page = assert_branded(response, "hr", 404, "error_404_title", "language_unknown_body")
    for code, lang in languages.LANGUAGES.items():
        url = f"https://news.b40.test/a/zagreb/{code}/"
        assert f'<a href="{url}" hreflang="{code}" lang="{code}">{lang.native}</a>' in page
    assert_branded(client.get("/a/atlantis/hr/", HTTP_ACCEPT_LANGUAGE="hr"), "hr", 404, "error_404_title")
    assert_branded(client.get("/s/no-such-list/", HTTP_ACCEPT_LANGUAGE="bs"), "bs", 404, "error_404_title")
