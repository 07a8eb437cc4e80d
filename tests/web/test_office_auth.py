"""Login locked per (username, client address) by django-axes, logout, and who gets into the office.

The client's address is the one behind the trusted proxies (``b40news.web.client``):
tests "behind a proxy" send every request from the proxy's address with the
client in ``X-Forwarded-For``, as a TLS proxy in front of the site does.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    PASSWORD, fast_hashing, logged_in, make_user, network, officer, post, release,
)

pytestmark = pytest.mark.django_db
LOGIN = reverse("office:login")
PROXY = "10.0.0.1"  # the TLS proxy: every request reaches the site from here


def attempt(client: Client, username: str, password: str, address: str = "10.0.0.1", **extra):
    return post(client, LOGIN, LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def through_proxy(client: Client, username: str, password: str, client_address: str, claimed: str = ""):
    """A login through the proxy: it appends the address it saw to whatever the client sent."""
    forwarded = f"{claimed}, {client_address}" if claimed else client_address
    return attempt(client, username, password, PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def logged_in_now(client: Client) -> bool:
    return client.get(reverse("office:dashboard")).status_code == 200


def test_anonymous_users_are_redirected_to_login_from_every_page(release):
    client = Client()
    pages = [
        reverse("office:dashboard"),
        reverse("office:submit"),
        reverse("office:release", args=[release.pk]),
        reverse("office:review", args=[release.pk, "mk"]),
        reverse("office:preview", args=[release.pk, "mk", "stara-zagora"]),
        reverse("office:progress", args=[release.pk]),
        reverse("office:progress_json", args=[release.pk]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == f"{LOGIN}?next={page}"
    for action in ("approve", "send", "retry", "translate"):
        response = client.post(reverse(f"office:{action}", args=[release.pk]))
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_an_officer_logs_in_and_out(officer):
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    assert page.status_code == 200 and b'name="csrfmiddlewaretoken"' in page.content
    response = attempt(client, "ana", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("office:dashboard")
    assert client.get(reverse("office:dashboard")).status_code == 200
    assert client.get(LOGIN).status_code == 302  # already logged in
    response = post(client, reverse("office:dashboard"), reverse("office:logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert client.get(reverse("office:dashboard")).status_code == 302


def test_a_wrong_password_is_refused(officer):
    client = Client(enforce_csrf_checks=True)
    response = attempt(client, "ana", "wrong")
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert client.get(reverse("office:dashboard")).status_code == 302


def test_five_failures_lock_the_username_and_address_even_for_the_right_password(officer):
    client = Client(enforce_csrf_checks=True)
    for _ in range(4):
        assert attempt(client, "ana", "wrong").status_code == 200
    fifth = attempt(client, "ana", "wrong")  # the fifth failure locks, and says so at once
    assert fifth.status_code == 429 and b"Too many failed attempts" in fifth.content
    locked = attempt(client, "ana", PASSWORD)
    assert locked.status_code == 429
    assert b"Too many failed attempts. Try again in 15 minutes." in locked.content
    assert not logged_in_now(client)
    # Another address, or another username from this address, is not locked.
    other = Client(enforce_csrf_checks=True)
    assert attempt(other, "ana", PASSWORD, address="10.0.0.2").status_code == 302
    assert attempt(Client(enforce_csrf_checks=True), "ANA ", "wrong").status_code == 429  # same user, normalised


def test_the_lockout_speaks_the_officers_language(officer):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="bg")
    for _ in range(5):
        attempt(client, "ana", "wrong")
    locked = attempt(client, "ana", PASSWORD)
    assert locked.status_code == 429
    assert "Твърде много неуспешни опита. Опитайте отново след 15 минути." in locked.content.decode()


def test_a_success_before_the_limit_clears_the_count(officer):
    client = Client(enforce_csrf_checks=True)
    for _ in range(4):
        attempt(client, "ana", "wrong")
    assert attempt(client, "ana", PASSWORD).status_code == 302
    client = Client(enforce_csrf_checks=True)
    for _ in range(4):
        assert attempt(client, "ana", "wrong").status_code == 200
    assert attempt(client, "ana", PASSWORD).status_code == 302


def test_the_lock_ends_with_its_cool_off(officer):
    client = Client(enforce_csrf_checks=True)
    for _ in range(5):
        attempt(client, "ana", "wrong")
    assert attempt(client, "ana", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, "ana", PASSWORD).status_code == 302


def test_behind_a_proxy_an_attacker_locks_out_only_themselves(network, settings):
    """46 failures under random names and 5 under a real one, all through the proxy: only the attacker waits."""
    settings.TRUSTED_PROXIES = 1
    ana, boris = make_user("ana", city="stara-zagora"), make_user("boris", city="skopje")
    attacker = Client(enforce_csrf_checks=True)
    for _ in range(46):
        assert through_proxy(attacker, f"x{uuid.uuid4().hex[:10]}", "guess", "203.0.113.66").status_code == 200
    for _ in range(4):
        assert through_proxy(attacker, "ana", "guess", "203.0.113.66").status_code == 200
    assert through_proxy(attacker, "ana", "guess", "203.0.113.66").status_code == 429
    assert through_proxy(attacker, "ana", PASSWORD, "203.0.113.66").status_code == 429
    # Claiming another address in X-Forwarded-For does not help: the proxy appends the real one.
    assert through_proxy(attacker, "ana", PASSWORD, "203.0.113.66", claimed="198.51.100.7").status_code == 429
    assert not logged_in_now(attacker)
    # Every officer behind the same proxy still logs in, ana herself included, from her own address.
    for user, address in ((ana, "198.51.100.7"), (boris, "198.51.100.8"), (ana, "2001:db8::7")):
        client = Client(enforce_csrf_checks=True)
        assert through_proxy(client, user.username, PASSWORD, address).status_code == 302, (user, address)
        assert logged_in_now(client)
    recorded = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert recorded == {"203.0.113.66"}  # the client's address, never the proxy's


def test_changing_the_user_agent_does_not_reset_the_count(officer):
    client = Client(enforce_csrf_checks=True)
    for number in range(5):
        attempt(client, "ana", "wrong", HTTP_USER_AGENT=f"bot/{number}")
    assert attempt(client, "ana", PASSWORD, HTTP_USER_AGENT="bot/new").status_code == 429


def test_without_trusted_proxies_a_forwarded_header_is_ignored(officer, settings):
    settings.TRUSTED_PROXIES = 0
    client = Client(enforce_csrf_checks=True)
    for number in range(5):  # a client inventing a new X-Forwarded-For each time
        attempt(client, "ana", "wrong", "203.0.113.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    assert attempt(client, "ana", PASSWORD, "203.0.113.66", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_the_admin_login_is_locked_as_well(network):
    make_user("root", staff=True)
    client = Client()
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "root", "password": "wrong"}, REMOTE_ADDR="10.0.0.3")
    response = client.post(url, {"username": "root", "password": PASSWORD}, REMOTE_ADDR="10.0.0.3")
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    assert "_auth_user_id" not in client.session
    other = Client()
    assert other.post(url, {"username": "root", "password": PASSWORD}, REMOTE_ADDR="10.0.0.4").status_code == 302


def test_a_user_who_is_neither_officer_nor_staff_is_forbidden(network, release):
    nobody = make_user("nobody")
    client = logged_in(nobody)
    assert client.get(reverse("office:dashboard")).status_code == 403
    assert client.get(reverse("office:release", args=[release.pk])).status_code == 403
