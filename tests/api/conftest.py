"""The API tests' set-up: the sample network, officers of two cities, staff, tokens, a receiver."""

from __future__ import annotations

import pytest
from django.test import Client

from b40news.api import tokens
from tests.support.receiver import Receiver
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    fast_hashing, make_user, network, officer, other_officer, other_release, release,
)


def token_for(user, name: str = "test") -> str:
    return tokens.create(user, name=name)[1]


def client_for(user=None, *, token: str | None = None, **headers) -> Client:
    """A client that sends the user's (or the given) token, like a city's program would."""
    if token is None and user is not None:
        token = token_for(user)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return Client(headers=headers)


@pytest.fixture
def staff(network):
    return make_user("root", staff=True)


@pytest.fixture
def stranger(network):
    """A user who is neither an officer nor staff."""
    return make_user("zoran")


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_LOCAL = True
    server = Receiver().start()
    yield server
    server.stop()
