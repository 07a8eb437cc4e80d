"""The segment editor in a real browser: a language without an engine typed with the keyboard,
saved without reloading the page, filtered to the flagged segments, with history and a comment."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model

from b40news.network.models import City, Officer
from b40news.network.sample import load_sample
from b40news.releases.models import SegmentComment, SegmentEdit, Translation
from b40news.releases.workflow import submit
from tests.conftest import SEED, SEED_TITLE
from tests.web.test_office_fixtures import review_everything

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-browser-password-9"


@pytest.fixture
def release():
    load_sample(0)
    user = get_user_model().objects.create_user("vesna", email="vesna@b40.test", password=PASSWORD)
    Officer.objects.create(user=user, city=City.objects.get(slug="stara-zagora"))
    review_everything(user)
    return submit(SEED.read_bytes(), name="seed.txt", city="stara-zagora", title=SEED_TITLE, user=user)


def saved(index: int, text: str, seconds: float = 120) -> Translation | None:
    """Polled from here (the CSP forbids the eval wait_for_function needs)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = Translation.objects.filter(language__code="sq").first()
        if found is not None and found.segments[index].get("target") == text:
            return found
        time.sleep(0.2)
    return None


def test_a_language_without_engine_is_typed_saved_without_reload_filtered_and_commented(
        page, live_server, screenshot, release):
    page.goto(f"{live_server.url}/office/login/")
    page.fill("#id_username", "vesna")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{live_server.url}/office/")
    url = f"{live_server.url}/office/releases/{release.pk}/review/sq/"
    page.goto(url)
    page.wait_for_selector('#editor[data-ready="1"]')  # editor.js ran (a static file: the CSP allows it)
    assert "Alt+F next flagged segment" in page.locator("#editor-keys").inner_text()
    assert page.locator('details[data-role="editor"][open]').count() == 0  # every segment closed
    navigations, loads = [], []  # any navigation of the page / a document loaded again
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    page.on("load", lambda loaded: loads.append(loaded.url))

    # Alt+Down opens the first segment (the title); Ctrl+Enter saves it and opens the next.
    page.keyboard.press("Alt+ArrowDown")
    assert page.locator("#segment-1").get_attribute("class").split().count("active") == 1
    page.keyboard.type("Qyteti i Stara Zagorës në samitin B40")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector('#segment-1[data-state="edited"]')
    assert saved(0, "Qyteti i Stara Zagorës në samitin B40") is not None
    assert "active" in page.locator("#segment-2").get_attribute("class").split()
    page.keyboard.type("Fjalia e parë e njoftimit.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector('#segment-2[data-state="edited"]')
    assert saved(1, "Fjalia e parë e njoftimit.") is not None
    assert navigations == [] and loads == []  # both saves without a page load
    flagged = Translation.objects.get(language__code="sq").flagged
    assert page.locator("#flagged-count").inner_text() == f"{flagged} flagged segments need a human decision."
    assert page.url == url
    assert page.locator('details[data-role="editor"][open]').count() == 1  # only the segment being edited
    screenshot("typed")

    # History shown in the row at once, with who saved it.
    history = page.locator('#segment-2 [data-role="history-list"] li.saved')
    assert history.count() == 1 and "vesna" in history.text_content()
    assert "Fjalia e parë e njoftimit." in history.text_content()
    assert SegmentEdit.objects.filter(user_name="vesna").count() == 2

    # Filter: flagged only (the segments still empty); the two written ones go.
    page.keyboard.press("Escape")
    page.click('a[data-filter="flagged"]')
    assert page.locator("#segment-1").is_hidden() and page.locator("#segment-2").is_hidden()
    assert page.locator("#segment-3").is_visible()
    page.keyboard.press("Alt+KeyF")  # the next flagged segment after the last one open (3)
    assert "active" in page.locator("#segment-4").get_attribute("class").split()
    assert page.locator('#segment-4 details[data-role="editor"]').get_attribute("open") is not None
    assert loads == []  # (the filter only rewrites the address: ?filter=flagged)
    assert page.url == url + "?filter=flagged"
    screenshot("flagged")

    # A comment on segment 3 (a form post: the page comes back on that segment).
    row = page.locator("#segment-3")
    row.locator("details.comment-form summary").click()
    row.locator("textarea[name=text]").fill("Si e shkruajmë emrin e samitit?")
    row.locator("button:has-text('Add comment')").click()
    page.wait_for_selector("text=Comment added to segment 3.")
    assert "Si e shkruajmë emrin e samitit?" in page.locator("#segment-3 li.comment").text_content()
    assert SegmentComment.objects.get().user_name == "vesna"
    screenshot("commented")
