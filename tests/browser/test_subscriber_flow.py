"""A subscriber in a real browser: subscribe, confirm from the mail, unsubscribe.

Chromium (Debian's) drives the live server; the confirmation mail goes
through the test MTA, and its link is followed as the subscriber would.
"""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from b40news.network import links
from b40news.network.models import Subscription
from b40news.network.sample import load_sample
from tests.web.test_public_fixtures import strings  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

LIST_NAME = "Zagreb — B40"  # the sample names it in Croatian and Slovenian alike


@pytest.mark.browser_context_args(locale="hr-HR")  # a Croatian browser
def test_a_subscriber_subscribes_confirms_and_unsubscribes(page, live_server, mta, screenshot):
    load_sample(0)
    with override_settings(SMTP_URL=mta.url, SITE_URL=live_server.url):
        page.goto(f"{live_server.url}/s/zagreb-news/")
        expect(page.locator("html")).to_have_attribute("lang", "hr")  # the browser's language
        hr = strings("hr", list=LIST_NAME, city="Zagreb")
        expect(page.get_by_role("heading", level=1)).to_have_text(hr["subscribe_title"])
        screenshot("subscribe")

        page.get_by_label(hr["subscribe_email"]).fill("ana@example")
        page.get_by_role("button", name=hr["subscribe_button"]).click()
        expect(page.locator(".error")).to_have_text(hr["subscribe_invalid"])
        screenshot("bad-address")

        page.get_by_label(hr["subscribe_email"]).fill("ana.kovac@example.org")
        page.get_by_label(hr["subscribe_language"]).select_option("sl")
        page.get_by_role("button", name=hr["subscribe_button"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(hr["subscribe_sent_title"])
        screenshot("check-your-mailbox")

        [message] = mta.messages()
        assert message["Content-Language"] == "sl"
        text = message.get_body(("plain",)).get_content()
        [link] = re.findall(rf"{re.escape(live_server.url)}/c/\S+/", text)
        page.goto(link)
        sl = strings("sl", list=LIST_NAME, city="Zagreb", email="ana.kovac@example.org")
        expect(page.locator("html")).to_have_attribute("lang", "sl")
        expect(page.get_by_role("heading", level=1)).to_have_text(sl["confirm_heading"])
        assert Subscription.objects.get().status == "pending"  # opening the link confirmed nothing
        screenshot("confirm")
        page.get_by_role("button", name=sl["confirm_button"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(sl["confirmed_title"])
        screenshot("confirmed")
        subscription = Subscription.objects.select_related("subscriber__language").get()
        assert subscription.status == "confirmed" and subscription.subscriber.language.code == "sl"

        page.goto(links.unsubscribe_url(subscription.subscriber_id, subscription.mailing_list_id))
        expect(page.get_by_text(sl["unsubscribe_question"])).to_be_visible()
        screenshot("unsubscribe")
        assert Subscription.objects.get().status == "confirmed"
        page.get_by_role("button", name=sl["unsubscribe"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(sl["unsubscribed_title"])
        screenshot("unsubscribed")
    assert Subscription.objects.get().status == "unsubscribed"
    assert len(mta.messages()) == 1
