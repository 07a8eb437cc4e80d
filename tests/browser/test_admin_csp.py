"""The Django admin under the site-wide Content-Security-Policy, in a real browser.

The admin's JavaScript (the two-box selector of ``filter_horizontal``, the
inlines' "Add another", the date shortcuts) must still work, and the browser
must report no CSP violation on the admin's pages or the public ones.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from b40news.network.models import City, Language, Subscriber
from b40news.network.sample import load_sample

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-admin-password-9"


@pytest.fixture
def admin_user():
    load_sample(0)
    Subscriber.objects.create(email="ana@example.org", ascii_email="ana@example.org",
                              language=Language.objects.for_code("bg"))
    return get_user_model().objects.create_superuser("root", "root@b40.test", PASSWORD)


def test_the_admin_works_under_the_csp_and_nothing_is_blocked(page, live_server, screenshot, admin_user):
    page.set_default_timeout(30_000)
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)

    response = page.goto(f"{live_server.url}/admin/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")

    city = City.objects.get(slug="sofia")
    page.goto(f"{live_server.url}/admin/network/city/{city.pk}/change/")
    page.wait_for_selector(".selector-available")  # built by SelectFilter2.js: the admin's scripts ran
    screenshot("city")

    subscriber = Subscriber.objects.get()
    page.goto(f"{live_server.url}/admin/network/subscriber/{subscriber.pk}/change/")
    page.wait_for_selector(".add-row a")  # the inline's "Add another", made by inlines.js
    page.click(".add-row a")
    assert page.locator("tr.dynamic-subscriptions").count() == 1
    screenshot("subscriber")

    page.goto(f"{live_server.url}/s/sofia-news/")
    page.wait_for_selector("#id_email")
    box = page.locator("#id_website").bounding_box()  # the honeypot stays out of sight (an inline style)
    assert box["x"] + box["width"] < 0
    screenshot("subscribe")
    assert violations == []
