"""No dead end for an expired preferences link (issue 14).

- the expired page offers a button that e-mails a fresh link to the
  subscriber's address (a `preferences` notice through the composer), limited
  per address: a second press the same day sends nothing and answers alike;
- the unsubscribe page hands out a fresh preferences link, which works even
  when the one in the subscriber's old newsletter has expired.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from b40news.delivery.models import Notice
from b40news.network import links
from b40news.network.models import Subscription
from tests.web.test_public_fixtures import add, csrf_client, html, network, strings

pytestmark = pytest.mark.django_db(transaction=True)

_PREFERENCES_LINK = re.compile(r"https?://[^\s\"<>]+/p/[^/\s\"<>]+/")


@pytest.fixture
def ana(settings, mta):
    network()
    settings.SMTP_URL = mta.url
    settings.PREFERENCES_LINK_MAX_AGE = timedelta(days=365)
    return add("ana@example.org", "bg", "sofia-news", "varna-news")


def expired_token(subscriber_id: int, days: int = 366) -> str:
    """A genuine preferences token signed ``days`` ago."""
    then = int(timezone.now().timestamp()) - days * 24 * 3600
    value = f"{subscriber_id}:{signing.b62_encode(then)}"
    return signing.Signer(salt="b40news.preferences.timed").sign(value)


def path_of(url: str, site: str) -> str:
    assert url.startswith(site)
    return url[len(site):]


def test_an_expired_link_offers_a_fresh_one_by_mail(ana, mta, settings):
    client = csrf_client()
    page_path = f"/p/{expired_token(ana.pk)}/"
    page = client.get(page_path)
    bg = strings("bg")
    assert page.status_code == 400
    assert bg["preferences_expired"] in html(page) and bg["preferences_new_link"] in html(page)
    assert "ana@example.org" not in html(page)  # an old link shows nobody's address
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html(page)).group(1)

    sent = client.post(page_path, {"action": "new-link", "csrfmiddlewaretoken": token})
    assert sent.status_code == 200 and bg["preferences_new_link_sent"] in html(sent)
    assert bg["preferences_new_link"] not in html(sent)  # pressed: no second button
    [notice] = Notice.objects.filter(kind=Notice.Kind.PREFERENCES)
    assert (notice.email, notice.language, notice.state, notice.payload) == (
        "ana@example.org", "bg", "sent", {"subscriber": ana.pk})
    [message] = mta.drain()
    assert message["To"] == "ana@example.org" and message["Subject"] == bg["preferences_link_subject"]
    assert message["Content-Language"] == "bg" and message["List-Unsubscribe"] is None
    text = message.get_body(("plain",)).get_content()
    [link] = set(_PREFERENCES_LINK.findall(text))
    fresh = Client().get(path_of(link, settings.SITE_URL))
    assert fresh.status_code == 200 and "ana@example.org" in html(fresh)  # the fresh link opens the page

    # Again the same day: the same answer, nothing sent (one such mail per address a day).
    again = client.post(page_path, {"action": "new-link", "csrfmiddlewaretoken": token})
    assert again.status_code == 200 and bg["preferences_new_link_sent"] in html(again)
    assert Notice.objects.filter(kind=Notice.Kind.PREFERENCES).count() == 1 and mta.messages() == []


def test_the_new_link_button_needs_the_pages_csrf_token(ana, mta):
    response = csrf_client().post(f"/p/{expired_token(ana.pk)}/", {"action": "new-link"})
    assert response.status_code == 403
    assert not Notice.objects.exists() and mta.messages() == []


def test_a_forged_or_fresh_link_offers_no_mail(ana, mta):
    forged = csrf_client().get(f"/p/{expired_token(ana.pk)}x/")
    assert forged.status_code == 400 and strings("bg")["preferences_new_link"] not in html(forged)
    valid = Client().get(path_of(links.preferences_url(ana.pk), links.settings.SITE_URL))
    assert valid.status_code == 200 and strings("bg")["preferences_new_link"] not in html(valid)


def test_the_unsubscribe_page_hands_out_a_fresh_preferences_link(ana, settings):
    settings.PREFERENCES_LINK_MAX_AGE = timedelta(days=1)
    old = expired_token(ana.pk, days=2)
    assert Client().get(f"/p/{old}/").status_code == 400  # the newsletter's link has expired
    sofia = Subscription.objects.get(subscriber=ana, mailing_list__slug="sofia-news")
    unsubscribe = path_of(links.unsubscribe_url(ana.pk, sofia.mailing_list_id), settings.SITE_URL)
    client = csrf_client()
    page = client.get(unsubscribe)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html(page)).group(1)
    done = client.post(unsubscribe, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200 and strings("bg")["unsubscribed_title"] in html(done)
    [link] = set(_PREFERENCES_LINK.findall(html(done)))
    preferences = Client().get(path_of(link, settings.SITE_URL))
    assert preferences.status_code == 200
    assert "ana@example.org" in html(preferences)
    assert strings("bg")["status_unsubscribed"] in html(preferences)  # sofia left, varna still there
