"""Shared set-up for the public page tests (imported by the test_public_* modules; no tests here).

The sample network, subscribers made directly in the database, the
confirmation link read back out of a message the test MTA received, and a
client that enforces CSRF the way a browser meets it.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.test import Client

from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.newsletter.strings import load_strings

_CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]+/c/[^/\s\"<>]+/")


def network() -> dict[str, Language]:
    load_sample(0)
    return Language.objects.sync()


def strings(code: str, **fields: str) -> dict[str, str]:
    """The page strings of ``code`` as a page formats them."""
    raw = load_strings(Path(settings.EMAIL_TEMPLATES_DIR), code)
    return {key: text.format(**{"list": "", "city": "", "email": "", "language": "", **fields})
            for key, text in raw.items()}


def add(email: str, code: str, *lists: str, status: str = "confirmed") -> Subscriber:
    subscriber = Subscriber.objects.create(email=email, ascii_email=email, language=Language.objects.for_code(code))
    for slug in lists:
        Subscription.objects.create(
            subscriber=subscriber, mailing_list=MailingList.objects.get(slug=slug), status=status
        )
    return subscriber


def confirm_path(message) -> str:
    """The path of the confirmation link in a received message (text part)."""
    text = message.get_body(("plain",)).get_content()
    [link] = set(_CONFIRM_LINK.findall(text))
    assert link.startswith(settings.SITE_URL + "/c/")
    return link[len(settings.SITE_URL):]


def html(response) -> str:
    return response.content.decode("utf-8")


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def post_form(client: Client, path: str, data: dict | None = None, **extra):
    """GET the page (it sets the CSRF cookie), then POST its form with the token."""
    page = client.get(path, **extra)
    assert page.status_code == 200, page.status_code
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html(page)).group(1)
    return client.post(path, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)
