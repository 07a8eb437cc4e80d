"""A Croatian browser opens the front page and finds a city's sign-up page in Croatian.

Screenshots at 1280 px (desktop) and 390 px (a phone) go to the test's tmp
directory; at 390 px nothing may be wider than the screen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from b40news.network.models import City, MailingList
from b40news.network.sample import load_sample
from tests.web.test_public_fixtures import strings

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 390)


def shoot(page: Page, folder: Path, name: str) -> list[Path]:
    """Full-page screenshots of the current page at every width; none may scroll sideways."""
    paths = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        path = folder / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5_000, path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        paths.append(path)
    return paths


@pytest.mark.browser_context_args(locale="hr-HR", extra_http_headers={"Accept-Language": "hr"})
def test_a_croatian_browser_goes_from_the_front_page_to_a_sign_up_page_in_croatian(page, live_server, tmp_path):
    load_sample(0)
    athens = City.objects.get(slug="athens")
    mailing_list = MailingList.objects.get(city=athens)
    hr = strings("hr", city=athens.name("hr"), list=mailing_list.label("hr"))  # the list named in Croatian
    with override_settings(SITE_URL=live_server.url):
        page.goto(f"{live_server.url}/")
        expect(page.locator("html")).to_have_attribute("lang", "hr")
        expect(page.get_by_role("heading", level=1)).to_have_text(hr["home_title"])
        card = page.locator("li.card").filter(has=page.get_by_role("heading", name=athens.name("hr"), exact=True))
        expect(card).to_have_count(1)
        assert athens.name("hr") == "Atena"  # the glossary's Croatian name, not the English one
        shots = shoot(page, tmp_path, "front-page")

        card.get_by_role("link", name=hr["subscribe_button"]).click()
        expect(page).to_have_url(re.compile(rf"/s/{mailing_list.slug}/\?lang=hr$"))
        expect(page.locator("html")).to_have_attribute("lang", "hr")
        expect(page.get_by_role("heading", level=1)).to_have_text(hr["subscribe_title"])
        expect(page.get_by_label(hr["subscribe_language"])).to_have_value("hr")
        expect(page.get_by_role("button", name=hr["subscribe_button"])).to_be_visible()
        shots += shoot(page, tmp_path, "sign-up")

        # The language switch: the choice is remembered over the browser's language.
        page.get_by_role("navigation").get_by_role("link", name="slovenščina").click()
        expect(page.locator("html")).to_have_attribute("lang", "sl")
        sl = strings("sl", list=mailing_list.label("sl"))
        expect(page.get_by_role("heading", level=1)).to_have_text(sl["subscribe_title"])
        page.goto(f"{live_server.url}/")
        expect(page.locator("html")).to_have_attribute("lang", "sl")
    assert sorted(p.name for p in shots) == [
        "front-page-1280.png", "front-page-390.png", "sign-up-1280.png", "sign-up-390.png"]
    print("screenshots:", *shots, sep="\n  ")
