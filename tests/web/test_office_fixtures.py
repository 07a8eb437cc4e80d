"""Shared set-up for the office tests (imported by the test_office_* modules; no tests here).

The sample network, officers of two cities, and the seed release translated
into Macedonian and English with the real Apertium engines. Ana, Stara
Zagora's officer, is also the reviewer of every language of her city's
releases (as in a small city, where the officer reviews herself), so she
approves without an override; `tests/web/test_reviewers_web.py` has officers
who are not.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from b40news import languages
from b40news.network.models import City, Language, MailingList, Officer, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases import reviewers
from b40news.releases.workflow import submit
from b40news.translation.service import translate_release
from tests.conftest import SEED, SEED_TITLE

PASSWORD = "a-long-test-password-42"
HOME = "stara-zagora"
OTHER = "skopje"


def make_user(username: str, *, city: str | None = None, role: str = Officer.Role.CITY, staff: bool = False,
              email: str | None = None):
    user = get_user_model().objects.create_user(
        username, email=email if email is not None else f"{username}@b40.test", password=PASSWORD, is_staff=staff
    )
    if city:
        Officer.objects.create(user=user, city=City.objects.get(slug=city), role=role)
    return user


def review_everything(user, city: str = HOME, role: str = reviewers.REVIEWER) -> None:
    """``user`` reviews (or translates) every language of ``city``'s releases."""
    for code in languages.TARGETS:
        reviewers.grant(user.get_username(), code, role=role, cities=[city])


def add_subscribers(list_slug: str, codes: list[str]) -> list[Subscriber]:
    by_code = Language.objects.sync()
    mailing_list = MailingList.objects.get(slug=list_slug)
    made = []
    for code in codes:
        email = f"{list_slug}.{code}.{Subscriber.objects.count()}@example.org"
        subscriber = Subscriber.objects.create(email=email, ascii_email=email, language=by_code[code])
        Subscription.objects.create(subscriber=subscriber, mailing_list=mailing_list, status="confirmed")
        made.append(subscriber)
    return made


# The seed release now translates into Macedonian with no flag (its vocabulary is in the
# lexicon): two more paragraphs with words no dictionary knows give the review flags to show.
UNKNOWN_PARAGRAPH = ("\n\nЧиталището в Стара Загора покани кукерите на празника на града."
                     "\n\nНа празника дойдоха кукери от цялата област.")


def seed_release(city: str = HOME, *, lists: tuple[str, ...] = (), translate: tuple[str, ...] = ("mk", "en", "hr"),
                 user=None):
    body = SEED.read_text(encoding="utf-8").rstrip("\n") + UNKNOWN_PARAGRAPH
    release = submit(body.encode(), name="seed.txt", city=city, title=SEED_TITLE, lists=list(lists), user=user)
    if translate:
        translate_release(release, list(translate))
    release.refresh_from_db()
    return release


def logged_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_token(client: Client, page: str) -> str:
    html = client.get(page).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def post(client: Client, page: str, url: str, data: dict | None = None, **extra):
    """POST as a browser does: with the CSRF token from the page that holds the form."""
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": csrf_token(client, page)}, **extra)


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """Real password checks, without PBKDF2's deliberate slowness (import it to use it)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def network():
    load_sample(0)
    add_subscribers(f"{HOME}-news", ["bg", "bg", "mk", "mk", "hr"])
    add_subscribers(f"{OTHER}-news", ["mk"])


@pytest.fixture
def officer(network):
    user = make_user("ana", city=HOME)
    review_everything(user)
    return user


@pytest.fixture
def other_officer(network):
    return make_user("boris", city=OTHER)


@pytest.fixture
def release(officer):
    return seed_release(user=officer)  # hers: she is not told of it as its reviewer


@pytest.fixture
def other_release(other_officer):
    return seed_release(OTHER, translate=("mk",), user=other_officer)
