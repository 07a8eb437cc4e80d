"""The sign-up snippet's endpoint, ``/s/<list>/embed/`` (issue 16).

A page on another site posts the snippet's exact fields, with no cookie and
no CSRF token of ours: a pending subscriber and one confirmation notice, the
consent record naming the posting site. The same limits hold as on the form:
the honeypot, the per-client budget; and the form's own page still needs its
CSRF token.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from b40news.delivery.models import Notice
from b40news.network.models import Subscription
from b40news.web.office.audience import snippet
from b40news.network.models import MailingList
from tests.web.test_public_fixtures import confirm_path, html, network, strings

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "skopje-news"
ORIGIN = "http://city.example:8123"


class _Fields(HTMLParser):
    """The form's action and the fields a browser would send as they stand."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self._select = "", {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs["action"]
        elif tag == "input":
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and "selected" in attrs:
            self.fields[self._select] = attrs["value"]


def snippet_form() -> tuple[str, dict]:
    parser = _Fields()
    parser.feed(snippet(MailingList.objects.get(slug=LIST)))
    return parser.action, parser.fields


@pytest.fixture
def skopje(settings, mta):
    network()
    settings.SMTP_URL = mta.url


def post_from_another_site(action: str, fields: dict, address: str = "198.51.100.4"):
    path = action.removeprefix("https://news.b40.test")
    return Client(enforce_csrf_checks=True).post(path, fields, HTTP_ORIGIN=ORIGIN, HTTP_REFERER=f"{ORIGIN}/news/",
                                                  REMOTE_ADDR=address)


def test_the_snippets_post_from_another_origin_asks_for_confirmation(skopje, mta):
    action, fields = snippet_form()
    assert set(fields) == {"email", "language", "website"} and fields["language"] == "mk"
    response = post_from_another_site(action, {**fields, "email": "Petar@Example.org"})
    assert response.status_code == 200
    assert html_lib.unescape(strings("mk")["subscribe_sent_title"]) in html_lib.unescape(html(response))
    subscription = Subscription.objects.select_related("subscriber").get()
    assert (subscription.subscriber.email, subscription.status, subscription.mailing_list.slug) == (
        "Petar@example.org", "pending", LIST)
    assert subscription.consent_form == "web:embed:city.example" and subscription.consent_ip == "198.51.100.4"
    [notice] = Notice.objects.all()
    assert (notice.kind, notice.email, notice.payload) == ("confirmation", "Petar@example.org",
                                                          {"subscription": subscription.pk})
    [message] = mta.messages()
    assert message["To"] == "Petar@example.org" and message["Content-Language"] == "mk"
    # The double opt-in as usual: confirming subscribes.
    link = confirm_path(message)
    client = Client()
    page = client.get(link)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html(page)).group(1)
    client.post(link, {"csrfmiddlewaretoken": token})
    assert Subscription.objects.get().status == "confirmed"


def test_the_honeypot_stores_and_sends_nothing(skopje, mta):
    action, fields = snippet_form()
    response = post_from_another_site(action, {**fields, "email": "bot@example.org", "website": "http://spam"})
    assert response.status_code == 200  # the usual answer
    assert not Subscription.objects.exists() and not Notice.objects.exists() and mta.messages() == []


def test_the_per_client_limit_holds(skopje, settings, mta):
    settings.SUBSCRIBE_RATE_PER_CLIENT = "2/m"
    action, fields = snippet_form()
    codes = [post_from_another_site(action, {**fields, "email": f"p{n}@example.org"}, address="203.0.113.9")
             .status_code for n in range(3)]
    assert codes == [200, 200, 429]
    assert Subscription.objects.count() == 2 and len(mta.messages()) == 2


def test_a_bad_address_shows_the_form_again_on_our_site(skopje):
    action, fields = snippet_form()
    response = post_from_another_site(action, {**fields, "email": "not an address"})
    assert response.status_code == 400
    page = html(response)
    assert html_lib.escape(strings("mk")["subscribe_invalid"], quote=False) in page
    assert f'action="{reverse("public:subscribe", args=[LIST])}?lang=mk"' in page  # posts to the form, with a token
    assert "csrfmiddlewaretoken" in page
    assert not Subscription.objects.exists()


def test_the_form_page_itself_still_needs_its_csrf_token(skopje, mta):
    response = Client(enforce_csrf_checks=True).post(f"/s/{LIST}/", {"email": "x@example.org", "language": "mk"},
                                                     HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 403
    assert not Subscription.objects.exists()
    assert Client().get(f"/s/{LIST}/embed/?lang=mk")["Location"] == f"/s/{LIST}/?lang=mk"
