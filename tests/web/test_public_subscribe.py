"""Subscribing (/s/<list>/) and confirming (/c/<token>/): double opt-in, real SMTP.

The confirmation task is enqueued on commit and runs in-process, so these
tests commit for real (transaction=True).
"""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import override_settings

from b40news import languages
from b40news.delivery.models import Suppression
from b40news.network import subscriptions
from b40news.network.models import MailingList, Subscriber, Subscription
from tests.web.test_public_fixtures import (
    add, confirm_path, csrf_client, html, network, post_form, strings,
)

pytestmark = pytest.mark.django_db(transaction=True)

SKOPJE = "/s/skopje-news/"  # the city's default language is Macedonian


def list_name(code: str) -> str:
    """The Skopje list's name in ``code`` (the sample names it from the glossary's city names)."""
    from b40news.network.models import MailingList

    return MailingList.objects.get(slug="skopje-news").label(code)


@pytest.fixture
def skopje():
    network()
    return MailingList.objects.select_related("city").get(slug="skopje-news")


def subscribe(client, email: str, language: str, path: str = SKOPJE, **extra):
    return post_form(client, path, {"email": email, "language": language}, **extra)


def test_the_form_speaks_the_city_language_and_offers_every_language(client, skopje):
    response = client.get(SKOPJE)
    page = html(response)
    assert response.status_code == 200 and response["Content-Language"] == "mk"
    assert '<html lang="mk" dir="ltr">' in page
    assert strings("mk", list=list_name("mk"))["subscribe_title"] in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<option value="mk" lang="mk" selected>' in page
    for code, lang in languages.LANGUAGES.items():
        assert f'<option value="{code}" lang="{code}"' in page
        assert f'hreflang="{code}" lang="{code}"' in page  # the language switcher
    assert page.count("selected") == 1


@pytest.mark.parametrize("code", list(languages.LANGUAGES))
def test_the_form_in_every_language(client, skopje, code):
    page = html(client.get(SKOPJE, {"lang": code}))
    assert f'<html lang="{code}" dir="{languages.get(code).direction}">' in page
    t = strings(code, list=list_name(code), city=skopje.city.name(code))
    for key in ("subscribe_title", "subscribe_email", "subscribe_language", "subscribe_button", "subscribe_consent"):
        assert t[key].replace("'", "&#x27;") in page, key
    assert f'<option value="{code}" lang="{code}" selected>' in page


def test_subscribing_sends_exactly_one_confirmation_in_the_chosen_language(client, skopje, mta):
    with override_settings(SMTP_URL=mta.url):
        response = subscribe(client, "  Ana.Petrova@Example.ORG ", "el", REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    assert strings("mk", email="Ana.Petrova@example.org", list=list_name("mk"))["subscribe_sent_body"] in html(response)

    subscriber = Subscriber.objects.get()
    assert subscriber.email == "Ana.Petrova@example.org" and subscriber.language.code == "el"
    subscription = Subscription.objects.get(subscriber=subscriber)
    assert subscription.mailing_list == skopje and subscription.status == "pending"
    assert subscription.confirmed_at is None and subscription.created_at is not None
    assert (subscription.consent_ip, subscription.consent_form, subscription.consent_language) == (
        "192.0.2.7", "web:subscribe", "mk",  # the form spoke Macedonian
    )

    [message] = mta.messages()
    assert message["To"] == "Ana.Petrova@example.org"
    assert message["X-Envelope-To"] == "Ana.Petrova@example.org"
    assert message["Content-Language"] == "el"
    greek = strings("el", list=list_name("el"))
    assert message["Subject"] == greek["confirm_subject"]
    assert message["List-Unsubscribe"] is None and message["List-Id"] is None  # not list mail
    text = message.get_body(("plain",)).get_content()
    assert greek["confirm_heading"] in text
    assert confirm_path(message).startswith("/c/")


def test_the_answer_never_tells_whether_an_address_was_subscribed(client, skopje, mta):
    add("old@example.org", "sq", "skopje-news")
    with override_settings(SMTP_URL=mta.url):
        known = subscribe(client, "old@example.org", "mk")
        new = subscribe(client, "new@example.org", "mk")
    assert known.status_code == new.status_code == 200
    assert known.content.replace(b"old@", b"X@") == new.content.replace(b"new@", b"X@")
    assert sorted(m["To"] for m in mta.messages()) == ["new@example.org", "old@example.org"]
    # The known subscriber stays confirmed and keeps their language until they confirm.
    old = Subscription.objects.get(subscriber__email="old@example.org")
    assert old.status == "confirmed" and old.subscriber.language.code == "sq"


@pytest.mark.parametrize("bad", ["", "not an address", "ana@", "ana@example.org\r\nBcc: x@example.org", "a" * 400])
def test_a_bad_address_is_a_clear_form_error(client, skopje, mta, bad):
    with override_settings(SMTP_URL=mta.url):
        response = subscribe(client, bad, "en")
    page = html(response)
    assert response.status_code == 400
    assert strings("mk")["subscribe_invalid"] in page and 'aria-invalid="true"' in page
    assert '<option value="en" lang="en" selected>' in page  # the choice is kept
    assert not Subscriber.objects.exists() and mta.messages() == []


def test_subscribing_needs_the_csrf_token(skopje, mta):
    with override_settings(SMTP_URL=mta.url):
        response = csrf_client().post(SKOPJE, {"email": "ana@example.org", "language": "mk"})
    assert response.status_code == 403
    assert not Subscriber.objects.exists() and mta.messages() == []


def test_an_unknown_list_is_404(client, skopje):
    assert client.get("/s/no-such-list/").status_code == 404


def test_confirm_get_changes_nothing_and_post_confirms(client, skopje, mta):
    with override_settings(SMTP_URL=mta.url):
        subscribe(client, "ana@example.org", "tr")
    path = confirm_path(mta.messages()[0])

    asked = client.get(path)
    assert asked.status_code == 200 and '<html lang="tr"' in html(asked)
    # Turkish calls Skopje "Üsküp": city names come from the glossary.
    assert strings("tr", email="ana@example.org", list=list_name("tr"), city="Üsküp")["confirm_page_body"] in html(asked)
    assert 'method="post"' in html(asked) and asked["X-Robots-Tag"] == "noindex, nofollow"
    assert Subscription.objects.get().status == "pending"

    browser = csrf_client()
    done = post_form(browser, path)
    assert done.status_code == 200
    assert strings("tr")["confirmed_title"] in html(done)
    subscription = Subscription.objects.get()
    assert subscription.status == "confirmed" and subscription.confirmed_at is not None
    again = browser.post(path, {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert again.status_code == 200 and strings("tr")["confirmed_title"] in html(again)  # twice is harmless
    assert Subscription.objects.get().confirmed_at == subscription.confirmed_at
    assert strings("tr")["confirmed_title"] in html(client.get(path))  # and the link now says so


def test_confirming_needs_the_csrf_token(client, skopje, mta):
    with override_settings(SMTP_URL=mta.url):
        subscribe(client, "ana@example.org", "mk")
    response = csrf_client().post(confirm_path(mta.messages()[0]))
    assert response.status_code == 403 and Subscription.objects.get().status == "pending"


def test_a_known_subscriber_gets_the_new_language_only_by_confirming(client, skopje, mta):
    add("ana@example.org", "bg", "sofia-news")
    with override_settings(SMTP_URL=mta.url):
        subscribe(client, "ana@example.org", "ro")
    [message] = mta.messages()
    assert message["Content-Language"] == "ro"
    assert Subscriber.objects.get().language.code == "bg"
    post_form(csrf_client(), confirm_path(message))
    assert Subscriber.objects.get().language.code == "ro"
    assert Subscription.objects.get(mailing_list=skopje).status == "confirmed"


def test_confirming_lifts_a_suppression_of_the_address(client, skopje, mta):
    Suppression.objects.create(email="ana@example.org", reason="hard-bounce")
    with override_settings(SMTP_URL=mta.url):
        subscribe(client, "ana@example.org", "mk")
    assert len(mta.messages()) == 1  # the confirmation itself is how the address proves itself
    post_form(csrf_client(), confirm_path(mta.messages()[0]))
    assert not Suppression.objects.filter(email="ana@example.org").exists()


def test_a_confirmation_after_unsubscribing_confirms_nothing(client, skopje, mta):
    with override_settings(SMTP_URL=mta.url):
        subscribe(client, "ana@example.org", "mk")
    path = confirm_path(mta.messages()[0])
    subscriptions.unsubscribe(Subscription.objects.get())
    response = client.get(path)
    assert response.status_code == 410 and strings("mk")["confirm_cancelled"] in html(response)
    browser = csrf_client()
    browser.get(SKOPJE)  # the CSRF cookie, from another page of the site
    posted = browser.post(path, {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert posted.status_code == 410 and strings("mk")["confirm_cancelled"] in html(posted)
    assert Subscription.objects.get().status == "unsubscribed"


def _tampered(token: str) -> str:
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


def test_forged_confirmation_links_are_refused_in_the_visitor_language(client, skopje, mta):
    with override_settings(SMTP_URL=mta.url):
        subscribe(client, "ana@example.org", "mk")
        subscribe(client, "bob@example.org", "mk")
    ana = Subscription.objects.get(subscriber__email="ana@example.org")
    bob = Subscription.objects.get(subscriber__email="bob@example.org")
    token = confirm_path(mta.messages()[0]).split("/")[2]
    value, _, rest = token.partition(":")
    other = f"{bob.pk}.{value.split('.')[1]}:{rest}"  # Bob's id under Ana's signature
    for forged in (_tampered(token), other, "1.1", "garbage:x:y"):
        get = client.get(f"/c/{forged}/", HTTP_ACCEPT_LANGUAGE="sl-SI,sl;q=0.9,en;q=0.5")
        assert get.status_code == 400, forged
        assert '<html lang="sl"' in html(get) and strings("sl")["link_invalid_title"] in html(get)
        assert client.post(f"/c/{forged}/").status_code in (400, 403)
    assert html(client.get(f"/c/{other}/", {"lang": "el"})).count('<html lang="el"') == 1
    assert ana.status == bob.status == "pending"
    assert set(Subscription.objects.values_list("status", flat=True)) == {"pending"}


def test_an_expired_link_says_so_and_offers_the_form(client, skopje, mta):
    with override_settings(SMTP_URL=mta.url):
        subscribe(client, "ana@example.org", "hr")
    eight_days_ago = int(time.time()) - 8 * 24 * 3600
    # The same link signed eight days ago: TimestampSigner's own format, made with its salt.
    payload = confirm_path(mta.messages()[0]).split("/")[2].split(":")[0]  # <subscription>.<language>.<request>
    value = f"{payload}:{signing.b62_encode(eight_days_ago)}"
    old = signing.Signer(salt="b40news.confirm").sign(value)
    with pytest.raises(signing.SignatureExpired):
        subscriptions.read_confirm_token(old)
    response = client.get(f"/c/{old}/")
    assert response.status_code == 400 and '<html lang="hr"' in html(response)
    assert strings("hr")["confirm_expired"] in html(response)
    assert "/s/skopje-news/?lang=hr" in html(response)
    assert Subscription.objects.get().status == "pending"


@pytest.mark.slow
def test_a_real_worker_on_the_send_queue_sends_the_confirmation(client, skopje, mta, celery_workers):
    # Workers consume translate,render,send only: the confirmation must land on one of them.
    celery_workers.start(concurrency=1)
    subscribe(client, "ana@example.org", "sq")
    deadline = time.monotonic() + 30
    while not mta.messages() and time.monotonic() < deadline:
        time.sleep(0.1)
    [message] = mta.messages()
    assert message["To"] == "ana@example.org" and message["Content-Language"] == "sq"
    assert message["Subject"] == strings("sq", list=list_name("sq"))["confirm_subject"]


def test_an_unreachable_relay_does_not_break_the_page(client, skopje):
    with override_settings(SMTP_URL="smtp://127.0.0.1:9"):  # nothing listens on the discard port
        response = subscribe(client, "ana@example.org", "mk")
    assert response.status_code == 200 and strings("mk")["subscribe_sent_title"] in html(response)
    assert Subscription.objects.get().status == "pending"  # subscribing again sends a new mail


def test_an_unknown_language_falls_back_to_the_page_language(client, skopje, mta):
    with override_settings(SMTP_URL=mta.url):
        response = subscribe(client, "ana@example.org", "xx", path=f"{SKOPJE}?lang=sq")
    assert response.status_code == 200
    assert Subscriber.objects.get().language.code == "sq"
    assert [m["Content-Language"] for m in mta.messages()] == ["sq"]


def test_a_confirmed_subscriber_changes_language_by_confirming_a_new_request(client, skopje, mta):
    add("ana@example.org", "bg", "skopje-news")
    with override_settings(SMTP_URL=mta.url):
        subscribe(client, "ana@example.org", "ro")
    path = confirm_path(mta.messages()[0])
    asked = html(client.get(path))
    assert strings("ro")["confirm_button"] in asked and 'method="post"' in asked  # not "already confirmed"
    assert Subscriber.objects.get().language.code == "bg"
    post_form(csrf_client(), path)
    assert Subscriber.objects.get().language.code == "ro"
    assert Subscription.objects.get().status == "confirmed"
