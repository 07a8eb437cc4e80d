"""Browser tests: Playwright driving Debian's Chromium against a live server.

No browser download: the executable is /usr/bin/chromium (scripts/bootstrap
installs it). Screenshots go to B40NEWS_TEST_ARTIFACTS (default: a folder in the
system's temporary directory, never the checkout) for people to look at.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("B40NEWS_TEST_ARTIFACTS") or Path(tempfile.gettempdir()) / "b40news-test-artifacts")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

# Playwright's sync API leaves an event loop running in the test thread for the
# rest of the session, so Django's ORM must accept calls from it (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    assert Path(CHROMIUM).exists(), "Chromium is missing: ./scripts/bootstrap installs it (apt-get install chromium)"
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": FLAGS}


@pytest.fixture(autouse=True)
def _patient_pages_and_quick_passwords(settings, request):
    """A loaded 2-core machine is slow: Playwright waits up to two minutes for a
    page rather than 30 s (a bound, not a measurement), and password checks
    skip PBKDF2's deliberate slowness."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if "page" in request.fixturenames:
        request.getfixturevalue("page").set_default_timeout(120_000)


@pytest.fixture
def screenshot(page, request):
    """``screenshot("submitted")`` saves ARTIFACTS/<test>/<n>-submitted.png."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    shots = []

    def take(name: str) -> Path:
        path = folder / f"{len(shots) + 1:02d}-{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except PlaywrightError:  # taller than Chromium can capture in one image
            page.screenshot(path=str(path))
        shots.append(path)
        return path

    return take


@pytest.fixture(autouse=True)
def forget_in_memory_broker_pools():
    """The live server runs tasks in-process, which leaves the Celery app holding pools on
    the in-memory broker; a later `celery_workers` test would ping through them. Forget them."""
    yield
    from worker import app

    app._pool = None
    app.amqp._producer_pool = None
