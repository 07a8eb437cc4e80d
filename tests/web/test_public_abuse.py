"""The sign-up form under abuse: rate limits per client and per mailbox, a honeypot, proxies.

Every test counts the confirmation mails the form *enqueued* (the view's call
of ``enqueue_confirmation``, wrapped), and the real path too where it matters:
what left through the test MTA.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client, override_settings

from b40news.network.models import RateWindow, Subscriber, Subscription
from b40news.web.public import subscribe as subscribe_view
from tests.web.test_public_fixtures import html, network, strings

pytestmark = pytest.mark.django_db(transaction=True)

SKOPJE = "/s/skopje-news/"
PROXY = "10.0.0.1"


@pytest.fixture
def enqueued(monkeypatch):
    """Every confirmation the form enqueued: (subscription id, language)."""
    calls = []
    real = subscribe_view.enqueue_confirmation

    def counting(subscription_id, language):
        calls.append((subscription_id, language))
        real(subscription_id, language)

    monkeypatch.setattr(subscribe_view, "enqueue_confirmation", counting)
    return calls


@pytest.fixture
def skopje(settings, mta):
    network()
    settings.SMTP_URL = mta.url
    settings.SUBSCRIBE_RATE_PER_CLIENT = "5/m,30/h,100/d"
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "1/d"


def post(client: Client, email: str, *, address: str = "192.0.2.10", forwarded: str | None = None, **data):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(SKOPJE, {"email": email, "language": "mk", **data}, **extra)


def test_one_client_hammering_the_form_gets_five_confirmations_a_minute_and_no_more(skopje, enqueued, mta):
    client = Client()
    answers = [post(client, f"victim{n}@example.org").status_code for n in range(60)]
    assert answers[:5] == [200] * 5 and set(answers[5:]) == {429}
    assert len(enqueued) == 5 and len(mta.messages()) == 5
    assert Subscription.objects.count() == 5  # a refused request stores nothing
    refused = post(client, "late@example.org")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert strings("mk")["subscribe_too_many"] in html(refused)
    # Another client is not affected.
    assert post(Client(), "other@example.org", address="192.0.2.11").status_code == 200
    assert len(enqueued) == 6


def test_one_mailbox_gets_one_confirmation_a_day_whoever_asks_and_however_it_is_spelled(skopje, enqueued, mta):
    spellings = ["victim@example.org", "Victim@Example.ORG", "VICTIM@example.org", " victim@EXAMPLE.org "]
    pages = set()
    for n in range(40):  # forty clients, each within its own budget
        response = post(Client(), spellings[n % 4], address=f"192.0.2.{n + 20}")
        assert response.status_code == 200
        pages.add(strings("mk")["subscribe_sent_title"] in html(response))
    assert pages == {True}  # every answer is the usual page: nothing tells the stranger
    assert len(enqueued) == 1 and len(mta.messages()) == 1
    assert Subscriber.objects.count() == 1 and Subscription.objects.count() == 1
    # Other lists do not reopen the budget either: one confirmation per mailbox per day.
    response = Client().post("/s/sofia-news/", {"email": "victim@example.org", "language": "bg"},
                             REMOTE_ADDR="192.0.2.99")
    assert response.status_code == 200 and len(enqueued) == 1


def test_behind_a_proxy_the_limit_is_per_client_not_per_proxy(skopje, enqueued, settings):
    settings.TRUSTED_PROXIES = 1
    attacker = Client()
    for n in range(20):  # the attacker, claiming a new address each time in the header the proxy extends
        post(attacker, f"target{n}@example.org", address=PROXY, forwarded=f"198.51.100.{n}, 203.0.113.66")
    assert len(enqueued) == 5
    # Everybody else behind the same proxy still subscribes.
    for n in range(10):
        response = post(Client(), f"reader{n}@example.org", address=PROXY, forwarded=f"203.0.113.{n + 1}")
        assert response.status_code == 200
    assert len(enqueued) == 15
    # The consent record names the client, not the proxy.
    ips = set(Subscription.objects.values_list("consent_ip", flat=True))
    assert "203.0.113.66" in ips and PROXY not in ips


def test_ipv6_clients_are_counted_per_64(skopje, enqueued):
    for n in range(8):
        post(Client(), f"v6-{n}@example.org", address=f"2001:db8:1:2::{n + 1}")
    assert len(enqueued) == 5
    assert post(Client(), "elsewhere@example.org", address="2001:db8:1:3::1").status_code == 200


def test_the_honeypot_answers_as_usual_and_does_nothing(skopje, enqueued, mta):
    response = post(Client(), "bot-target@example.org", website="http://spam.example")
    assert response.status_code == 200 and strings("mk")["subscribe_sent_title"] in html(response)
    assert enqueued == [] and mta.messages() == [] and not Subscriber.objects.exists()
    # The field is in the form, out of sight and out of the tab order.
    page = html(Client().get(SKOPJE))
    assert 'name="website"' in page and 'tabindex="-1"' in page and 'aria-hidden="true"' in page


def test_the_limits_come_from_the_settings(skopje, enqueued, settings):
    settings.SUBSCRIBE_RATE_PER_CLIENT = "2/h"
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "2/d"
    client = Client()
    codes = [post(client, "same@example.org").status_code for _ in range(4)]
    assert codes == [200, 200, 429, 429] and len(enqueued) == 2


def test_without_redis_the_budget_lives_in_the_database(skopje, enqueued):
    post(Client(), "ana@example.org")
    assert RateWindow.objects.count() == 2  # one client, one mailbox
    assert not any("ana@example.org" in row.key or "192.0.2.10" in row.key for row in RateWindow.objects.all())


def test_with_redis_every_web_process_shares_one_budget(skopje, enqueued, redis_url, settings):
    import redis

    prefix = f"b40news-test-{uuid.uuid4().hex}:"
    settings.REDIS_URL = redis_url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": prefix}
    try:
        client = Client()
        codes = [post(client, f"r{n}@example.org").status_code for n in range(8)]
        assert codes == [200] * 5 + [429] * 3 and len(enqueued) == 5
        for n in range(3):
            assert post(Client(), "one@example.org", address=f"192.0.2.{50 + n}").status_code == 200
        assert len(enqueued) == 6
        assert not RateWindow.objects.exists()
        keys = redis.Redis.from_url(redis_url).keys("*" + prefix + "*")
        assert keys and all(b"@" not in key for key in keys)
    finally:
        connection = redis.Redis.from_url(redis_url)
        for key in connection.keys("*" + prefix + "*"):
            connection.delete(key)


@override_settings(SUBSCRIBE_RATE_PER_CLIENT="1000/m", SUBSCRIBE_RATE_PER_ADDRESS="1000/d")
def test_case_duplicates_are_one_subscriber(skopje, enqueued):
    for spelling in ("Dup@Example.org", "dup@example.org", "DUP@EXAMPLE.ORG"):
        assert post(Client(), spelling).status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "Dup@example.org"  # the first spelling is where mail goes
    assert Subscription.objects.count() == 1
