"""Every office and public page, opened in Chromium at 1280 px and 390 px (issue 16).

An officer of Stara Zagora with a sent release (Macedonian approved, the rest
waiting), a Croatian reviewer, an admin and a subscriber: each page answers as
it should (200, or the branded 403/404 page for a dead end), carries the
page's own header or the office menu, and is saved as a screenshot in the test
artefacts for people to look at. The pages are listed here by name: a page
added to the office or the public side without being added to this tour is
found by `test_the_tour_covers_every_page`.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import Error as PlaywrightError

from b40news.delivery.models import Delivery
from b40news.network import links, subscriptions
from b40news.network.models import Subscription
from b40news.releases import reviewers, workflow
from tests.browser.conftest import ARTIFACTS
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, PASSWORD, add_subscribers, make_user, network, review_everything, seed_release,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}

# Views the tour does not open, and why.
NOT_PAGES = {
    "office:logout", "office:set_language", "public:language",  # POST or redirect only
    "office:translate", "office:approve", "office:edit_segment", "office:save_segment", "office:segment_comment",
    "office:upload_translation", "office:test_send", "office:test_send_any", "office:deadline", "office:send",
    "office:retry", "office:pause", "office:resume", "office:cancel", "office:remove_role",
    "office:audience_import",  # form posts (a GET of the import goes back to the audience page)
    "office:progress_json", "office:reach_json", "office:reach_csv", "office:audience_export",
    "office:audience_import_json", "public:feed",  # data, not pages
    "public:subscribe_embed",  # the target of a form on a city's own site (tests/web/test_public_embed.py)
    "office:audience_import_progress",  # needs an import batch: tests/browser/test_office_audience_flow.py
}


@pytest.fixture
def scene(network, mta):
    officer = make_user("nadezhda", city=HOME)
    review_everything(officer)
    reviewer = get_user_model().objects.create_user("ivana", email="ivana@b40.test", password=PASSWORD)
    reviewers.grant("ivana", "hr")
    admin = make_user("admin", staff=True)
    readers = add_subscribers(f"{HOME}-news", ["bg", "mk", "hr"])
    release = seed_release(lists=(f"{HOME}-news",), translate=("mk",), user=officer)
    workflow.approve(release, ["mk"], force=True, override=True)
    with override_settings(SMTP_URL=mta.url):
        workflow.send(release)
    assert Delivery.objects.filter(release=release, state="sent", language="mk").exists()
    assert Delivery.objects.filter(release=release, state="waiting", language="hr").exists()
    reader = readers[1]
    subscription = Subscription.objects.get(subscriber=reader, mailing_list__slug=f"{HOME}-news")
    pending = add_subscribers(f"{HOME}-news", ["hr"])[0]
    pending_subscription = Subscription.objects.get(subscriber=pending)
    Subscription.objects.filter(pk=pending_subscription.pk).update(status="pending")
    return {
        "release": release, "officer": officer, "reviewer": reviewer, "admin": admin,
        "unsubscribe": links.unsubscribe_url(reader.pk, subscription.mailing_list_id),
        "preferences": links.preferences_url(reader.pk),
        "confirm": subscriptions.confirm_url(subscriptions.confirm_token(pending_subscription.pk,
                                                                         pending.language_id)),
    }


def tour(scene) -> list[tuple[str, str, str, int]]:
    """(name, who, path, expected status) for every page."""
    r = scene["release"].pk
    site = lambda url: "/" + url.split("://", 1)[1].split("/", 1)[1]  # noqa: E731
    return [
        ("public:home", "", "/", 200),
        ("public:subscribe", "", f"/s/{HOME}-news/", 200),
        ("public:confirm", "", site(scene["confirm"]), 200),
        ("public:unsubscribe", "", site(scene["unsubscribe"]), 200),
        ("public:preferences", "", site(scene["preferences"]), 200),
        ("public:release", "", f"/r/{r}/mk/", 200),
        ("public:release (not sent in it)", "", f"/r/{r}/sq/", 404),
        ("public:archive", "", f"/a/{HOME}/bg/", 200),
        ("office:login", "", "/office/login/", 200),
        ("office:dashboard", "nadezhda", "/office/", 200),
        ("office:submit", "nadezhda", "/office/releases/new/", 200),
        ("office:release", "nadezhda", f"/office/releases/{r}/", 200),
        ("office:review", "nadezhda", f"/office/releases/{r}/review/mk/", 200),
        ("office:review (no engine)", "ivana", f"/office/releases/{r}/review/hr/", 200),
        ("office:preview", "nadezhda", f"/office/releases/{r}/preview/mk/{HOME}/", 200),
        ("office:confirm_send", "nadezhda", f"/office/releases/{r}/confirm/", 200),
        ("office:progress", "nadezhda", f"/office/releases/{r}/progress/", 200),
        ("office:audience_index", "nadezhda", "/office/audience/", 200),
        ("office:audience", "nadezhda", f"/office/audience/{HOME}/", 200),
        ("office:audience (another city)", "nadezhda", "/office/audience/sofia/", 403),
        ("office:reviewers", "admin", "/office/reviewers/", 200),
        ("office:notifications", "ivana", "/office/notifications/", 200),
        ("office:glossary:queue", "nadezhda", "/office/glossary/", 200),
        ("office:glossary:queue (admin)", "admin", "/office/glossary/", 200),
    ]


def _names(patterns, prefix: str = "") -> set[str]:
    found = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found |= _names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.add(prefix + pattern.name)
    return found


def test_the_tour_covers_every_page(scene):
    pages = {name.split(" (")[0] for name, *_ in tour(scene)}
    named = {name for name in _names(get_resolver().url_patterns) if name.startswith(("office:", "public:"))}
    glossary = {name for name in named if name.startswith("office:glossary:")}
    assert sorted(named - glossary - pages - NOT_PAGES) == []
    assert "office:glossary:queue" in pages


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/office/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{base}/office/")


def test_every_page_at_desktop_and_phone_width(browser, live_server, scene):
    folder = ARTIFACTS / "page-tour"
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for width_name, (width, height) in WIDTHS.items():
        contexts = {}
        for index, (name, who, path, status) in enumerate(tour(scene)):
            if who not in contexts:
                contexts[who] = browser.new_context(viewport={"width": width, "height": height},
                                                    locale="bg-BG", timezone_id="Europe/Sofia")
                if who:
                    login_page = contexts[who].new_page()
                    _log_in(login_page, live_server.url, who)
                    login_page.close()
            page = contexts[who].new_page()
            page.set_default_timeout(120_000)
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == status, (name, path, response and response.status)
            body = page.locator("body").inner_text()
            assert body.strip(), (name, "an empty page")
            assert "Traceback" not in body and "DEBUG = True" not in body, name
            if path.startswith("/office/") and who and status == 200:
                assert page.locator("nav a[href='/office/']").count() >= 1, (name, "no office menu")
            if status != 200:  # a branded error page, with a way on
                assert page.locator("a[href='/office/'], a[href='/']").count() >= 1, (name, "a dead end")
            shot = folder / f"{index + 1:02d}-{name.replace(':', '-').replace(' ', '_')}-{width_name}.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
            except PlaywrightError:  # taller than Chromium can capture in one image (a long release at 390 px)
                page.screenshot(path=str(shot))
            saved.append(shot)
            page.close()
        for context in contexts.values():
            context.close()
    assert len(saved) == 2 * len(tour(scene)) and all(shot.stat().st_size > 2000 for shot in saved)
