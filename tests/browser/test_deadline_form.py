"""The release page's deadline form in a real browser, for an officer of Stara Zagora: the
stored UTC deadline is shown in her time zone (her city's, Europe/Sofia) and a typed one is
read in it, with the planned fallbacks; no script, no CSP violation."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from django.contrib.auth import get_user_model

from b40news.network.models import City, Officer
from b40news.network.sample import load_sample
from b40news.releases import workflow
from b40news.releases.models import Release

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-browser-password-7"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": "Europe/Sofia"}


@pytest.fixture
def release():
    load_sample(0)
    user = get_user_model().objects.create_user("nadezhda", email="nadezhda@b40.test", password=PASSWORD)
    Officer.objects.create(user=user, city=City.objects.get(slug="stara-zagora"))
    release = workflow.submit("Среща в Загреб\nКметът откри срещата.".encode(), name="r.txt", city="stara-zagora",
                              user=user, deadline=datetime(2030, 1, 15, 7, 30, tzinfo=timezone.utc))
    return release


def test_the_officer_plans_the_deadline_in_her_own_time_zone(page, live_server, release):
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server.url}/office/login/")
    page.fill("#id_username", "nadezhda")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{live_server.url}/office/")
    page.goto(f"{live_server.url}/office/releases/{release.pk}/")
    deadline = page.locator("#deadline-form input[type=datetime-local]")
    assert deadline.input_value() == "2030-01-15T09:30"  # 07:30 UTC is 09:30 in Sofia in winter
    deadline.fill("2030-06-01T12:00")
    page.fill("#deadline-form input[name=fallbacks]", "sq=en, mk=wait")
    page.click("#deadline-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/office/releases/{release.pk}/")
    stored = Release.objects.get(pk=release.pk)
    assert stored.deadline == datetime(2030, 6, 1, 9, 0, tzinfo=timezone.utc)  # summer time: UTC+3
    assert stored.planned_fallbacks == {"sq": "en", "mk": "wait"}
    assert page.locator("#deadline-form input[type=datetime-local]").input_value() == "2030-06-01T12:00"
    assert violations == []
