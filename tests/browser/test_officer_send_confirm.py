"""Sending as a deliberate act, in a real browser: a Bulgarian officer schedules a release
from its confirmation page, cancels, then sends now; the audience the page shows is the
ledger's each time, and times are in Europe/Sofia. A Croatian reviewer sees the review
deadline in Europe/Zagreb. Screenshots of each page at 1280 and 390 px."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from b40news.delivery import ledger
from b40news.delivery.models import Delivery
from b40news.network.models import City, Language, MailingList, Officer, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases import reviewers, workflow
from b40news.releases.models import Release
from b40news.translation.service import translate_release
from b40news.web.office import zones
from tests.browser.conftest import ARTIFACTS
from tests.conftest import SEED, SEED_TITLE
from tests.web.test_office_fixtures import review_everything

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PASSWORD = "a-long-browser-password-7"
SOFIA, ZAGREB = ZoneInfo("Europe/Sofia"), ZoneInfo("Europe/Zagreb")
WIDTHS = (1280, 390)


@pytest.fixture
def scene():
    """Stara Zagora's list (2 bg, 2 mk, 1 hr readers), its officer, a Croatian reviewer of
    every city, and the seed release translated into Macedonian and approved."""
    load_sample(0)
    by_code = Language.objects.sync()
    mailing_list = MailingList.objects.get(slug="stara-zagora-news")
    for index, code in enumerate(["bg", "bg", "mk", "mk", "hr"]):
        email = f"reader{index}.{code}@example.org"
        subscriber = Subscriber.objects.create(email=email, ascii_email=email, language=by_code[code])
        Subscription.objects.create(subscriber=subscriber, mailing_list=mailing_list, status="confirmed")
    users = get_user_model().objects
    officer = users.create_user("nadezhda", email="nadezhda@b40.test", password=PASSWORD)
    Officer.objects.create(user=officer, city=City.objects.get(slug="stara-zagora"))
    review_everything(officer)
    users.create_user("ivana", email="ivana@b40.test", password=PASSWORD)
    reviewers.grant("ivana", "hr")  # Croatian, for every city's releases
    deadline = (timezone.now() + timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)
    release = workflow.submit(SEED.read_bytes(), name="seed.txt", city="stara-zagora", title=SEED_TITLE,
                              user=officer, deadline=deadline)
    translate_release(release, ["mk"])
    workflow.approve(release, ["mk"], force=True, override=True)
    release.refresh_from_db()
    return release


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/office/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base}/office/")


def shots(page, screenshot, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(f"{name}-{width}")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def shown(page) -> tuple[int, int]:
    return int(page.locator("#total-now").inner_text()), int(page.locator("#total-waiting").inner_text())


def in_ledger(release) -> tuple[int, int]:
    rows = Delivery.objects.filter(release=release)
    return rows.exclude(state="waiting").count(), rows.filter(state="waiting").count()


def newsletters(mta) -> list:
    return [message for message in mta.messages() if message["List-Id"]]


def wait_until(check, seconds: float = 120) -> None:
    """Polled from here: the CSP forbids the eval wait_for_function needs."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert check()


def at(moment, zone, language: str) -> str:
    with timezone.override(zone), translation.override(language):
        return zones.when(moment, relative=False)


def test_schedule_confirm_cancel_send_with_times_in_each_users_zone(
        page, browser, live_server, screenshot, mta, celery_workers, scene, request):
    release, base = scene, live_server.url
    celery_workers.start(concurrency=1)
    log_in(page, base, "nadezhda")
    # The officer works in Bulgarian.
    page.select_option("#language-select", "bg")
    page.click(".language-switcher button[type=submit]")
    page.wait_for_selector('html[lang="bg"]')

    # The release page: the reviewers' deadline in Sofia's time, with its zone.
    page.goto(f"{base}/office/releases/{release.pk}/")
    assert at(release.deadline, SOFIA, "bg") in page.locator("#deadline").inner_text()
    assert "EET" in page.locator("#deadline").inner_text()
    shots(page, screenshot, "release")

    # Send leads to the confirmation page; what it shows is what the ledger would freeze.
    page.click("#send-button")
    page.wait_for_selector("#audience")
    preview = ledger.audience_preview(release)
    expected = (sum(g.count for g in preview if g.state == "pending"), sum(g.count for g in preview if g.state == "waiting"))
    assert shown(page) == expected == (4, 1)
    assert not Delivery.objects.filter(release=release).exists()  # looking sends nothing
    assert "Europe/Sofia" in page.locator("#send-form").inner_text()
    shots(page, screenshot, "confirm")

    # Schedule for 08:00 Sofia time two days ahead: typed in the officer's zone.
    wall = (timezone.localtime(timezone.now(), SOFIA) + timedelta(days=2)).replace(
        hour=8, minute=0, second=0, microsecond=0)
    page.check("#id_when_1")
    page.fill("#id_send_at", wall.strftime("%Y-%m-%dT%H:%M"))
    page.click("#confirm-send")
    page.wait_for_url(f"{base}/office/releases/{release.pk}/progress/")
    release.refresh_from_db()
    assert release.status == Release.Status.SCHEDULED and release.scheduled_for == wall
    assert in_ledger(release) == expected  # the audience shown is the ledger's
    shots(page, screenshot, "scheduled")

    # Back on the confirmation page: when, in Sofia's time; then cancel from there.
    page.goto(f"{base}/office/releases/{release.pk}/confirm/")
    assert at(wall, SOFIA, "bg") in page.locator("#scheduled-for").inner_text()
    shots(page, screenshot, "confirm-scheduled")
    page.click("#cancel-send")
    page.wait_for_selector("#audience")
    release.refresh_from_db()
    assert release.status == Release.Status.CANCELLED and not Delivery.objects.filter(release=release).exists()
    assert shown(page) == expected
    assert newsletters(mta) == []  # (the reviewers' notices are not list mail)

    # Send now.
    assert page.is_checked("#id_when_0")
    page.click("#confirm-send")
    page.wait_for_url(f"{base}/office/releases/{release.pk}/progress/")
    assert in_ledger(release) == expected
    wait_until(lambda: Delivery.objects.filter(release=release, state="sent").count() == 4)
    assert len(newsletters(mta)) == 4
    messages = page.locator("ul.messages").inner_text()
    # Going and waiting, both said (in Bulgarian once the catalogue has these strings: numbers only here).
    assert re.search(r"\b4\b", messages.splitlines()[0]) and "hr (1)" in messages.splitlines()[1]
    page.reload()
    shots(page, screenshot, "sent")

    # A Croatian reviewer, in a session of her own: the deadline in Zagreb's time.
    reviewer = browser.new_context().new_page()
    log_in(reviewer, base, "ivana")
    reviewer.goto(f"{base}/office/releases/{release.pk}/review/hr/")
    deadline_text = reviewer.locator("#reviewers").inner_text()
    assert at(release.deadline, ZAGREB, "en") in deadline_text and "CET" in deadline_text
    assert at(release.deadline, SOFIA, "en") not in deadline_text
    folder = ARTIFACTS / request.node.name  # where `screenshot` puts the officer's
    for width in WIDTHS:
        reviewer.set_viewport_size({"width": width, "height": 900})
        reviewer.screenshot(path=str(folder / f"review-hr-zagreb-{width}.png"), full_page=True)
