"""An officer's audience and reach, in a real browser (issue 16).

She imports a CSV from the office (a dry run first, then the import, whose
invitations she watches leave), copies the sign-up snippet, and a page served
from another local origin posts it; after a send with one bounce, the release
page shows reach figures that match the ledger. Screenshots at 1280 px and
390 px.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from b40news.delivery import reach
from b40news.delivery.models import Delivery, Notice
from b40news.network.models import City, Language, MailingList, Officer, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases.workflow import approve
from tests.web.test_office_fixtures import review_everything, seed_release

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-browser-password-8"
LIST = "stara-zagora-news"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
CSV = b"email,language\nimported.one@example.org,bg\nimported.two@example.org,mk\nnot-an-address,bg\n"


@pytest.fixture
def officer():
    load_sample(0)
    by_code = Language.objects.sync()
    mailing_list = MailingList.objects.get(slug=LIST)
    for index, code in enumerate(["bg", "bg", "mk", "mk"]):
        email = f"reader{index}.{code}@example.org"
        subscriber = Subscriber.objects.create(email=email, ascii_email=email, language=by_code[code])
        Subscription.objects.create(subscriber=subscriber, mailing_list=mailing_list, status="confirmed")
    user = get_user_model().objects.create_user("nadezhda", email="nadezhda@b40.test", password=PASSWORD)
    Officer.objects.create(user=user, city=City.objects.get(slug="stara-zagora"))
    review_everything(user)
    return user


class _CitySite:
    """A page of the city's own web site holding the snippet, on another origin (127.0.0.1, another port)."""

    def __init__(self, body: str):
        page = f"<!doctype html><html><head><meta charset='utf-8'><title>Stara Zagora</title></head>" \
               f"<body><h1>Stara Zagora</h1>{body}</body></html>".encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/news/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def wait_until(check, seconds: float = 120) -> None:
    """Poll from Python (the CSP forbids the eval wait_for_function needs)."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert check()


def test_an_officer_imports_embeds_and_reads_the_reach(page, live_server, screenshot, mta, officer):
    def shots(name: str) -> None:
        for label, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            screenshot(f"{name}-{label}")
        page.set_viewport_size({"width": 1280, "height": 900})

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    with override_settings(SMTP_URL=mta.url, SITE_URL=live_server.url):
        page.goto(f"{live_server.url}/office/login/")
        page.fill("#id_username", "nadezhda")
        page.fill("#id_password", PASSWORD)
        page.click("button:has-text('Log in')")
        page.wait_for_url(f"{live_server.url}/office/")

        # The audience page, from the menu.
        page.click("nav.office >> text=Subscribers")
        page.wait_for_url(f"{live_server.url}/office/audience/stara-zagora/")
        assert page.locator(f'#audience-counts tr[data-list="{LIST}"][data-language="bg"] td').all_inner_texts()[2:] \
            == ["0", "2", "0"]
        shots("audience")

        # Import: the dry run shows the report and stores nothing.
        page.set_input_files("#id_file", files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": CSV}])
        page.click("button:has-text('Check the file')")
        page.wait_for_selector("#import-report")
        assert page.locator("#report-accepted").inner_text().startswith("2 rows accepted")
        assert "not-an-address" in page.locator("#rejected-rows").inner_text()
        assert not Subscriber.objects.filter(email__startswith="imported.").exists()
        shots("import-dry-run")
        page.click("#confirm-import")
        page.wait_for_selector("#invitations")
        invitations = page.locator("#invitations")
        wait_until(lambda: invitations.get_attribute("data-pending") == "0")  # set by import-progress.js
        assert invitations.locator('[data-figure="sent"]').inner_text() == "2"
        assert sorted(m["To"] for m in mta.drain()) == ["imported.one@example.org", "imported.two@example.org"]
        assert set(Subscription.objects.filter(subscriber__email__startswith="imported.")
                   .values_list("status", flat=True)) == {"pending"}
        shots("import-progress")

        # The sign-up snippet: copy it, and put it on a page of the city's own site.
        page.goto(f"{live_server.url}/office/audience/stara-zagora/")
        snippet = page.locator(f"#snippet-{LIST}").input_value()
        copy = page.locator(f'button[data-copy="snippet-{LIST}"]')
        copy.click()
        wait_until(lambda: copy.inner_text() == "Copied")
        assert f'action="{live_server.url}/s/{LIST}/embed/?lang=bg"' in snippet
        with _CitySite(snippet) as site:
            visitor = page.context.new_page()
            visitor.goto(site.url)
            visitor.fill("input[name=email]", "from.the.city.site@example.org")
            visitor.select_option("select[name=language]", "bg")
            visitor.click("button[type=submit]")
            visitor.wait_for_url(f"{live_server.url}/s/{LIST}/embed/?lang=bg")
            subscription = Subscription.objects.select_related("subscriber").get(
                subscriber__email="from.the.city.site@example.org")
            assert subscription.status == "pending" and subscription.consent_form == "web:embed:127.0.0.1"
            assert Notice.objects.filter(kind="confirmation", payload__subscription=subscription.pk).count() == 1
            [message] = mta.drain()
            assert message["To"] == "from.the.city.site@example.org"
            visitor.close()

        # A send with one bounce; the release page shows the reach, as in the ledger.
        release = seed_release("stara-zagora", translate=("mk",), user=officer)
        approve(release, ["mk"], force=True, override=True)
        mta.inject("rcpt", 550, "5.1.1 <x>: Recipient address rejected: User unknown")
        page.goto(f"{live_server.url}/office/releases/{release.pk}/")
        page.click("#send-button")  # to the confirmation page, then send now
        page.wait_for_selector("#audience")
        page.click("#confirm-send")
        page.wait_for_url(f"{live_server.url}/office/releases/{release.pk}/progress/")
        wait_until(lambda: not Delivery.objects.filter(release=release, state__in=["pending", "queued", "sending"])
                   .exists())
        page.goto(f"{live_server.url}/office/releases/{release.pk}/")
        page.wait_for_selector("#reach-languages")
        totals = page.locator("#reach-languages tfoot th").all_inner_texts()[1:]
        figures = dict(zip(reach.FIGURES, map(int, totals)))
        rows = Delivery.objects.filter(release=release)
        assert figures["recipients"] == rows.count() == 4  # the imported and embedded ones are pending
        assert figures["delivered"] == rows.filter(state="sent").count() == 3
        assert figures["bounced"] == rows.filter(state="bounced").count() == 1
        assert figures == reach.reach(release.pk)["totals"]
        page.locator("#reach").scroll_into_view_if_needed()
        shots("release-reach")
