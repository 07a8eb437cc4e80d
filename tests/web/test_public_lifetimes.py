"""How long subscribers' links and unconfirmed requests live.

- a confirmation link belongs to one request: after unsubscribe and a new
  request (by anybody), the old link confirms nothing;
- preference links expire; the newest newsletter carries a fresh one;
- unconfirmed requests are purged after a week (function and command), an
  earlier unsubscription is restored rather than forgotten.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import signing
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from b40news.delivery.models import Delivery
from b40news.network import links, subscriptions
from b40news.network.models import RateWindow, Subscriber, Subscription
from tests.web.test_public_fixtures import add, confirm_path, csrf_client, html, network, post_form, strings

pytestmark = pytest.mark.django_db(transaction=True)

SKOPJE = "/s/skopje-news/"


@pytest.fixture
def skopje(settings, mta):
    network()
    settings.SMTP_URL = mta.url
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "10/d"


def ask(email: str, address: str = "192.0.2.7"):
    return post_form(Client(), SKOPJE, {"email": email, "language": "mk"}, REMOTE_ADDR=address)


def test_an_old_confirmation_link_does_not_confirm_a_later_request(skopje, mta):
    ask("ana@example.org")
    first = confirm_path(mta.messages()[-1])
    post_form(csrf_client(), first)
    subscription = Subscription.objects.get()
    assert subscription.status == "confirmed"
    subscriptions.unsubscribe(subscription)
    # Somebody else asks for Ana's address again: a new request, a new mail to Ana.
    ask("ANA@example.org", address="203.0.113.66")
    second = confirm_path(mta.messages()[-1])
    assert second != first and Subscription.objects.get().status == "pending"
    # The old link (kept, forwarded, leaked) confirms nothing and says it is outdated.
    browser = csrf_client()
    browser.get(SKOPJE)
    old = browser.post(first, {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value})
    assert old.status_code == 400 and strings("mk")["confirm_expired"] in html(old)
    assert "/s/skopje-news/?lang=mk" in html(old)
    assert Subscription.objects.get().status == "pending"
    with pytest.raises(subscriptions.Superseded):
        subscriptions.read_confirm_token(first.split("/")[2])
    # Only the new link confirms.
    assert post_form(csrf_client(), second).status_code == 200
    assert Subscription.objects.get().status == "confirmed"


def test_a_confirmation_link_names_its_request(skopje, mta):
    ask("ana@example.org")
    token = confirm_path(mta.messages()[-1]).split("/")[2]
    subscription = Subscription.objects.get()
    # The signed value (the signature's timestamp is the second the link was made).
    expected = subscriptions.confirm_token(subscription.pk, subscription.subscriber.language_id)
    assert token.split(":")[0] == expected.split(":")[0]
    assert token.split(":")[0].count(".") == 2  # <subscription>.<language>.<request>
    assert subscriptions.read_confirm_token(token).subscription == subscription


def test_preference_links_expire_and_newer_ones_work(skopje, settings):
    settings.PREFERENCES_LINK_MAX_AGE = timedelta(days=365)
    ana = add("ana@example.org", "bg", "sofia-news")
    year_ago = int(timezone.now().timestamp()) - 366 * 24 * 3600
    signer = signing.TimestampSigner(salt="b40news.preferences.timed")
    old = signer.sign(str(ana.pk)).rsplit(":", 2)[0]
    old = signing.Signer(salt="b40news.preferences.timed").sign(f"{old}:{signing.b62_encode(year_ago)}")
    response = Client().get(f"/p/{old}/")
    assert response.status_code == 400 and strings("bg")["preferences_expired"] in html(response)
    assert "ana@example.org" not in html(response)
    fresh = links.preferences_url(ana.pk).split("/", 3)[3]
    assert Client().get(f"/{fresh}").status_code == 200
    # Links of the old, timeless kind are refused as forged.
    timeless = signing.Signer(salt="b40news.preferences").sign(str(ana.pk))
    assert Client().get(f"/p/{timeless}/").status_code == 400


def test_unconfirmed_requests_are_purged_after_a_week(skopje, mta):
    now = timezone.now()
    ask("stale@example.org")
    ask("fresh@example.org")
    keeper = add("keeper@example.org", "bg", "sofia-news")
    ask("keeper@example.org")  # confirmed elsewhere, pending here
    returning = add("returning@example.org", "mk", "skopje-news", status="unsubscribed")
    Subscription.objects.filter(subscriber=returning).update(unsubscribed_at=now - timedelta(days=30))
    ask("returning@example.org")  # asked again, never confirmed
    assert Subscription.objects.get(subscriber=returning).status == "pending"
    Subscription.objects.exclude(subscriber__email="fresh@example.org").filter(status="pending").update(
        created_at=now - timedelta(days=8)
    )
    Subscriber.objects.filter(email="stale@example.org").update(created_at=now - timedelta(days=8))
    RateWindow.objects.update(expires_at=now - timedelta(seconds=1))

    purged = subscriptions.purge_unconfirmed()
    assert (purged.requests, purged.restored, purged.subscribers) == (2, 1, 1)
    assert purged.windows >= 2 and not RateWindow.objects.exists()
    assert not Subscriber.objects.filter(email="stale@example.org").exists()
    assert Subscription.objects.get(subscriber__email="fresh@example.org").status == "pending"
    assert list(keeper.subscriptions.values_list("mailing_list__slug", "status")) == [("sofia-news", "confirmed")]
    restored = Subscription.objects.get(subscriber=returning)
    assert restored.status == "unsubscribed" and restored.unsubscribed_at < now - timedelta(days=29)
    assert subscriptions.purge_unconfirmed().requests == 0  # safe to repeat


def test_a_subscriber_with_ledger_rows_is_never_purged(skopje, mta):
    from b40news.releases.models import Release
    from b40news.network.models import City, MailingList

    ask("ana@example.org")
    subscriber = Subscriber.objects.get()
    release = Release.objects.create(city=City.objects.get(slug="skopje"), title="T", body="B")
    Delivery.objects.create(release=release, subscriber=subscriber, mailing_list=MailingList.objects.get(
        slug="skopje-news"), language="mk", state="sent")
    Subscription.objects.update(created_at=timezone.now() - timedelta(days=8))
    Subscriber.objects.update(created_at=timezone.now() - timedelta(days=8))
    purged = subscriptions.purge_unconfirmed()
    assert (purged.requests, purged.subscribers) == (1, 0) and Subscriber.objects.exists()


def test_the_purge_command(skopje, mta):
    ask("stale@example.org")
    Subscription.objects.update(created_at=timezone.now() - timedelta(days=3))
    out = io.StringIO()
    call_command("subscribers", "purge-unconfirmed", stdout=out)
    assert out.getvalue().startswith("0 unconfirmed request(s) deleted")
    out = io.StringIO()
    call_command("subscribers", "purge-unconfirmed", "--days", "2", stdout=out)
    assert out.getvalue().startswith("1 unconfirmed request(s) deleted")
    assert not Subscription.objects.exists()


@override_settings(UNCONFIRMED_MAX_AGE=timedelta(days=1))
def test_the_age_is_a_setting(skopje, mta):
    ask("stale@example.org")
    Subscription.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert subscriptions.purge_unconfirmed().requests == 1
