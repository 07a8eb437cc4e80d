"""Unsubscribing (/u/<token>/, RFC 8058 one-click included) and preferences (/p/<token>/).

The signed token is the only authority: subscriber A's links never touch B.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from b40news.delivery.models import Delivery, Suppression
from b40news.network import links
from b40news.network.models import MailingList, Subscription
from b40news.releases import workflow
from b40news.releases.workflow import submit
from tests.web.test_public_fixtures import (
    add, csrf_client, html, network, post_form, strings,
)

pytestmark = pytest.mark.django_db(transaction=True)  # the newsletter's send tasks run on commit

ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def people():
    network()
    ana = add("ana@example.org", "bg", "sofia-news", "varna-news")
    bob = add("bob@example.org", "hr", "sofia-news")
    return ana, bob


def lists():
    return {m.slug: m for m in MailingList.objects.all()}


def path_of(url: str) -> str:
    """``https://news.b40.test/u/x/`` -> ``/u/x/``."""
    return "/" + url.split("/", 3)[3]


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def unsubscribe_path(subscriber, slug: str) -> str:
    return path_of(links.unsubscribe_url(subscriber.pk, lists()[slug].pk))


def status(subscriber, slug: str) -> str:
    return Subscription.objects.get(subscriber=subscriber, mailing_list__slug=slug).status


def test_get_asks_in_the_subscriber_language_and_changes_nothing(client, people):
    ana, _ = people
    response = client.get(unsubscribe_path(ana, "sofia-news"))
    page = html(response)
    assert response.status_code == 200 and '<html lang="bg" dir="ltr">' in page
    t = strings("bg", list="София — B40", email="ana@example.org")
    assert t["unsubscribe_question"] in page and t["unsubscribe"] in page
    assert {"no-store", "private"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # Not "no-referrer": that turns the form's Origin into "null" and CSRF refuses the button.
    assert response["Referrer-Policy"] == "same-origin"
    assert status(ana, "sofia-news") == "confirmed"
    assert '<html lang="sl"' in html(client.get(unsubscribe_path(ana, "sofia-news"), {"lang": "sl"}))


def test_the_button_unsubscribes_from_that_list_only(people):
    ana, bob = people
    response = post_form(csrf_client(), unsubscribe_path(ana, "sofia-news"))
    assert response.status_code == 200
    assert strings("bg", email="ana@example.org", list="София — B40")["unsubscribed_body"] in html(response)
    row = Subscription.objects.get(subscriber=ana, mailing_list__slug="sofia-news")
    assert row.status == "unsubscribed" and row.unsubscribed_at is not None
    assert status(ana, "varna-news") == "confirmed" and status(bob, "sofia-news") == "confirmed"
    assert not Suppression.objects.exists()  # per list: the address is not silenced everywhere


def test_the_form_post_still_needs_its_csrf_token(people):
    ana, _ = people
    response = csrf_client().post(unsubscribe_path(ana, "sofia-news"), {"confirm": "1"})
    assert response.status_code == 403
    assert status(ana, "sofia-news") == "confirmed"


def test_one_click_post_without_cookies_or_csrf_token_unsubscribes(people):
    ana, bob = people
    provider = csrf_client()  # no cookies, no token, like a mailbox provider's POST
    response = provider.post(unsubscribe_path(ana, "sofia-news"), ONE_CLICK, content_type=FORM)
    assert response.status_code == 200 and not provider.cookies.get("sessionid")
    assert status(ana, "sofia-news") == "unsubscribed"
    assert status(ana, "varna-news") == "confirmed" and status(bob, "sofia-news") == "confirmed"
    again = provider.post(unsubscribe_path(ana, "sofia-news"), ONE_CLICK, content_type=FORM)
    assert again.status_code == 200  # twice is harmless


def test_one_click_from_the_header_of_a_real_newsletter(people, mta):
    ana, bob = people
    release = submit("Среща в София\nКметът откри срещата.".encode(), name="r.txt", city="sofia")
    with override_settings(SMTP_URL=mta.url):
        workflow.send(release)
    [message] = [m for m in mta.messages() if m["To"] == "ana@example.org"]
    assert message["List-Unsubscribe-Post"] == ONE_CLICK
    https = next(part.strip(" <>") for part in message["List-Unsubscribe"].split(",") if "https://" in part)
    response = csrf_client().post(path_of(https), ONE_CLICK, content_type=FORM)
    assert response.status_code == 200
    assert status(ana, "sofia-news") == "unsubscribed" and status(bob, "sofia-news") == "confirmed"


def test_a_token_acts_only_for_its_own_subscription(client, people):
    ana, bob = people
    token = links.unsubscribe_token(ana.pk, lists()["sofia-news"].pk)
    _, _, signature = token.partition(":")
    forged = [
        f"{bob.pk}-{lists()['sofia-news'].pk}:{signature}",  # Bob's ids under Ana's signature
        f"{ana.pk}-{lists()['varna-news'].pk}:{signature}",  # Ana's other list
        tampered(token),
        "garbage",
    ]
    for bad in forged:
        assert client.get(f"/u/{bad}/").status_code == 400, bad
        response = csrf_client().post(f"/u/{bad}/", ONE_CLICK, content_type=FORM)
        assert response.status_code == 400 and '<html lang="en"' in html(response)
    assert client.get(f"/u/{bad}/", HTTP_ACCEPT_LANGUAGE="el").content.count(b'<html lang="el"') == 1
    assert {s.status for s in Subscription.objects.all()} == {"confirmed"}


def test_a_valid_token_for_no_subscription_is_404(client, people):
    ana, _ = people
    url = links.unsubscribe_url(ana.pk, lists()["athens-news"].pk)  # signed, but Ana is not on it
    assert client.post(path_of(url), ONE_CLICK, content_type=FORM).status_code == 404


def test_unsubscribing_stops_what_the_ledger_still_holds(people):
    ana, _ = people
    sofia = submit("Среща\nТекст.".encode(), name="a.txt", city="sofia")
    both = submit("Обща\nТекст.".encode(), name="b.txt", city="sofia", lists=["sofia-news", "varna-news"])
    sent = submit("Стара\nТекст.".encode(), name="c.txt", city="sofia")
    lists_ = lists()
    waiting = Delivery.objects.create(release=sofia, subscriber=ana, mailing_list=lists_["sofia-news"],
                                      language="bg", state="waiting")
    shared = Delivery.objects.create(release=both, subscriber=ana, mailing_list=lists_["sofia-news"],
                                     language="bg", state="pending")
    done = Delivery.objects.create(release=sent, subscriber=ana, mailing_list=lists_["sofia-news"],
                                   language="bg", state="sent")
    csrf_client().post(unsubscribe_path(ana, "sofia-news"), ONE_CLICK, content_type=FORM)
    states = {d.pk: d.state for d in Delivery.objects.all()}
    assert states[waiting.pk] == "suppressed"
    assert states[shared.pk] == "pending"  # that release also goes to Varna, which Ana kept
    assert states[done.pk] == "sent"


# -- preferences -------------------------------------------------------------------


def preferences_path(subscriber) -> str:
    return path_of(links.preferences_url(subscriber.pk))


def test_preferences_show_the_subscriber_lists_in_their_language(client, people):
    ana, _ = people
    Subscription.objects.filter(subscriber=ana, mailing_list__slug="varna-news").update(status="pending")
    response = client.get(preferences_path(ana))
    page = html(response)
    assert response.status_code == 200 and '<html lang="bg"' in page
    t = strings("bg", email="ana@example.org")
    assert t["preferences_intro"] in page
    assert "София — B40" in page and "Варна — B40" in page and "Zagreb" not in page
    assert t["status_confirmed"] in page and t["status_pending"] in page
    assert '<option value="bg" lang="bg" selected>' in page


def test_preferences_change_the_language(people):
    ana, _ = people
    browser = csrf_client()
    response = post_form(browser, preferences_path(ana), {"action": "language", "language": "sr-Cyrl"})
    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.language.code == "sr-Cyrl"
    page = html(browser.get(response["Location"]))
    assert '<html lang="sr-Cyrl"' in page and strings("sr-Cyrl")["preferences_saved"] in page
    refused = post_form(browser, preferences_path(ana), {"action": "language", "language": "xx"})
    assert refused.status_code == 400
    ana.refresh_from_db()
    assert ana.language.code == "sr-Cyrl"


def test_preferences_need_the_csrf_token(people):
    ana, _ = people
    response = csrf_client().post(preferences_path(ana), {"action": "language", "language": "tr"})
    assert response.status_code == 403
    ana.refresh_from_db()
    assert ana.language.code == "bg"


def test_leaving_a_list_from_the_preferences(people):
    ana, bob = people
    sofia = Subscription.objects.get(subscriber=ana, mailing_list__slug="sofia-news")
    browser = csrf_client()
    response = post_form(browser, preferences_path(ana), {"action": "leave", "subscription": sofia.pk})
    assert response.status_code == 302
    assert status(ana, "sofia-news") == "unsubscribed" and status(ana, "varna-news") == "confirmed"
    page = html(browser.get(response["Location"]))
    assert strings("bg", list="София — B40")["left"] in page
    assert "/s/sofia-news/?lang=bg" in page  # the way back
    assert status(bob, "sofia-news") == "confirmed"


def test_preferences_cannot_touch_another_subscriber(client, people):
    ana, bob = people
    bobs = Subscription.objects.get(subscriber=bob)
    response = post_form(csrf_client(), preferences_path(ana), {"action": "leave", "subscription": bobs.pk})
    assert response.status_code == 404
    assert status(bob, "sofia-news") == "confirmed"
    assert "bob@example.org" not in html(client.get(preferences_path(ana)))
    signature = links.preferences_token(ana.pk).partition(":")[2]
    for bad in (f"{bob.pk}:{signature}", "1", tampered(links.preferences_token(ana.pk))):
        response = client.get(f"/p/{bad}/")
        assert response.status_code == 400 and "bob@example.org" not in html(response)
