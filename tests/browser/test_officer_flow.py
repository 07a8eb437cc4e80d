"""An officer, in a real browser: log in, submit the seed release, review Macedonian and
correct one segment, approve, preview (and send a test to themselves), send, follow progress."""

from __future__ import annotations

import time

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from b40news.delivery.models import Delivery
from b40news.network.models import City, Language, MailingList, Officer, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases.models import Release, Translation
from tests.conftest import SEED, SEED_TITLE
from tests.web.test_office_fixtures import UNKNOWN_PARAGRAPH  # words no dictionary knows: flags to review
from tests.web.test_office_fixtures import review_everything

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-browser-password-7"
CORRECTED = "Ова е реченицата што ја поправи службеникот за Стара Загора."


@pytest.fixture
def officer():
    load_sample(0)
    by_code = Language.objects.sync()
    mailing_list = MailingList.objects.get(slug="stara-zagora-news")
    for index, code in enumerate(["bg", "bg", "mk", "mk", "hr"]):
        email = f"reader{index}.{code}@example.org"
        subscriber = Subscriber.objects.create(email=email, ascii_email=email, language=by_code[code])
        Subscription.objects.create(subscriber=subscriber, mailing_list=mailing_list, status="confirmed")
    user = get_user_model().objects.create_user("nadezhda", email="nadezhda@b40.test", password=PASSWORD)
    Officer.objects.create(user=user, city=City.objects.get(slug="stara-zagora"))
    review_everything(user)  # she reviews her city's releases herself: approving is no override
    return user


def test_an_officer_submits_reviews_approves_previews_and_sends(page, live_server, screenshot, mta, officer):
    with override_settings(SMTP_URL=mta.url):
        # Log in (anonymous visitors are sent to the login page first).
        page.goto(f"{live_server.url}/office/")
        assert "/office/login/" in page.url
        screenshot("login")
        page.fill("#id_username", "nadezhda")
        page.fill("#id_password", PASSWORD)
        page.click("button:has-text('Log in')")
        page.wait_for_url(f"{live_server.url}/office/")
        assert page.locator("h1").inner_text() == "Releases of Stara Zagora"
        screenshot("dashboard")

        # Submit the seed release by pasting it.
        page.click("text=New release")
        page.fill("#id_title", SEED_TITLE)
        # three flagged segments: one is corrected, the approve button names the two left
        page.fill("#id_body", SEED.read_text(encoding="utf-8").rstrip("\n") + UNKNOWN_PARAGRAPH
                  + "\n\nГостите посетиха и читалищата в областта.")
        assert page.is_checked("#id_lists_0")
        screenshot("submit")
        page.click("button:has-text('Submit and translate')")
        page.wait_for_selector("#language-mk")
        release = Release.objects.get(title=SEED_TITLE)
        assert page.locator("#language-mk").inner_text().count("to review") == 1
        screenshot("release")

        # Review Macedonian and correct the first flagged segment.
        page.locator("#language-mk").get_by_role("link", name="Review", exact=True).click()
        page.wait_for_selector("mark.term")
        mk = Translation.objects.get(release=release, language__code="mk")
        flagged_before = mk.flagged
        number = next(i for i, s in enumerate(mk.segments) if s["flags"] and i > 0) + 1
        screenshot("review-mk")
        row = page.locator(f"#segment-{number}")
        assert row.locator("ul.flags li").count() >= 1
        row.locator('[data-role="target"]').click()  # the editor opens on the translation
        row.locator('textarea[name$="-target"]').fill(CORRECTED)
        row.locator("button:has-text('Save')").click()
        page.wait_for_selector(f'#segment-{number}[data-state="edited"]')  # saved without a reload
        assert page.locator(f"#segment-{number} ul.flags").count() == 0
        assert CORRECTED in page.locator(f"#segment-{number}").inner_text()
        screenshot("corrected")
        page.reload()

        # Approve: the button says how many flagged segments remain.
        button = page.locator(f"button:has-text('Approve despite {flagged_before - 1} flagged segments')")
        button.click()
        page.wait_for_selector("text=Approved: mk.")
        assert Translation.objects.get(release=release, language__code="mk").status == "approved"
        screenshot("approved")

        # Preview the Macedonian e-mail for Stara Zagora, and send a test to myself.
        page.goto(f"{live_server.url}/office/releases/{release.pk}/")
        page.locator("#language-mk").get_by_role("link", name="Preview", exact=True).click()
        page.wait_for_selector("iframe.email")
        email = page.frame_locator("iframe.email").locator("body")
        assert CORRECTED in email.inner_text()
        assert CORRECTED in page.locator("pre.text-part").inner_text()
        screenshot("preview")
        page.click("button:has-text('Send a test to me')")
        page.wait_for_selector("text=A test message is on its way to nadezhda@b40.test.")
        [test_message] = mta.drain()
        assert test_message["To"] == "nadezhda@b40.test" and test_message["Subject"].startswith("[TEST]")

        # A second tab follows the progress page before anything is sent.
        watcher = page.context.new_page()
        watcher.goto(f"{live_server.url}/office/releases/{release.pk}/progress/")
        assert watcher.locator("#progress tbody").inner_text().strip() == "Nothing has been sent yet."

        # Send now: Send leads to the confirmation page first.
        page.goto(f"{live_server.url}/office/releases/{release.pk}/")
        page.click("#send-button")
        page.wait_for_selector("#audience")
        assert page.locator("#total-now").inner_text() == "4" and page.locator("#total-waiting").inner_text() == "1"
        assert page.is_checked("#id_when_0")
        page.click("#confirm-send")
        page.wait_for_url(f"{live_server.url}/office/releases/{release.pk}/progress/")
        total = page.locator("#progress tfoot tr")
        sent_cell = total.locator("th").nth(3)
        deadline = time.monotonic() + 120  # polled from here: the CSP forbids the eval wait_for_function needs
        while sent_cell.inner_text() != "4" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert [cell.inner_text() for cell in total.locator("th").all()][1:4] == ["1", "0", "4"]
        screenshot("progress")
        # The watching tab updates itself from the JSON endpoint, without a reload.
        watcher.wait_for_selector('#progress tr[data-list="stara-zagora-news"]', timeout=120_000)
        # (It may first see the send half-way: wait for the poll that sees it done, polled from here.)
        row = watcher.locator('#progress tr[data-list="stara-zagora-news"] td')
        deadline = time.monotonic() + 120
        while row.all_inner_texts()[3] != "4" and time.monotonic() < deadline:
            time.sleep(0.5)
        cells = row.all_inner_texts()
        assert cells[:4] == ["stara-zagora-news", "1", "0", "4"]
        status = watcher.locator("#release-status")
        deadline = time.monotonic() + 120
        while status.inner_text() != "sent, some subscribers waiting for a translation" and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status.inner_text() == "sent, some subscribers waiting for a translation"

    assert Counter(Delivery.objects.filter(release=release).values_list("language", "state")) == {
        ("bg", "sent"): 2, ("mk", "sent"): 2, ("hr", "waiting"): 1,
    }
    messages = mta.messages()
    assert Counter(m["Content-Language"] for m in messages) == {"bg": 2, "mk": 2}
    for message in messages:
        if message["Content-Language"] == "mk":
            assert CORRECTED in message.get_body(("plain",)).get_content()
