"""Login with throttling, logout, and who gets into the office at all."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.test import Client, override_settings
from django.urls import reverse

from b40news.web.office.throttle import LoginThrottle
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    PASSWORD, fast_hashing, logged_in, make_user, network, officer, post, release,
)

pytestmark = pytest.mark.django_db
LOGIN = reverse("office:login")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def attempt(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return post(client, LOGIN, LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


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
    for _ in range(5):
        assert attempt(client, "ana", "wrong").status_code == 200
    locked = attempt(client, "ana", PASSWORD)
    assert locked.status_code == 429
    assert b"Too many failed attempts. Try again in 15 minutes." in locked.content
    assert client.get(reverse("office:dashboard")).status_code == 302
    # Another address, or another username from this address, is not locked.
    other = Client(enforce_csrf_checks=True)
    assert attempt(other, "ana", PASSWORD, address="10.0.0.2").status_code == 302
    assert attempt(Client(enforce_csrf_checks=True), "ANA ", "wrong").status_code == 429  # same user, normalised


def test_a_success_before_the_limit_clears_the_count(officer):
    client = Client(enforce_csrf_checks=True)
    for _ in range(4):
        attempt(client, "ana", "wrong")
    assert attempt(client, "ana", PASSWORD).status_code == 302
    client = Client(enforce_csrf_checks=True)
    for _ in range(4):
        assert attempt(client, "ana", "wrong").status_code == 200
    assert attempt(client, "ana", PASSWORD).status_code == 302


def test_the_lock_ends_with_its_window():
    throttle = LoginThrottle(cache, limit=2, window=1)
    throttle.failed("ana", "10.0.0.9")
    assert throttle.retry_after("ana", "10.0.0.9") == 0
    throttle.failed("ana", "10.0.0.9")
    assert throttle.retry_after("ana", "10.0.0.9") == 1
    import time

    time.sleep(1.2)
    assert throttle.retry_after("ana", "10.0.0.9") == 0


def test_many_usernames_from_one_address_are_throttled_too():
    throttle = LoginThrottle(cache, limit=5, address_limit=3)
    for name in ("a", "b", "c"):
        throttle.failed(name, "10.0.0.7")
    assert throttle.retry_after("d", "10.0.0.7") > 0
    assert throttle.retry_after("d", "10.0.0.8") == 0


def test_with_redis_the_counters_are_shared_by_every_process(redis_url):
    with override_settings(REDIS_URL=redis_url):
        first, second = LoginThrottle(), LoginThrottle(RedisCache(redis_url, {"KEY_PREFIX": "b40news:login"}))
        assert isinstance(first.cache, RedisCache)
        address = f"10.9.{id(first) % 250}.1"
        for _ in range(5):
            first.failed("redis-user", address)
        assert second.retry_after("redis-user", address) > 0
        second.succeeded("redis-user", address)
        assert first.retry_after("redis-user", address) == 0


def test_the_admin_login_is_throttled_as_well(network):
    make_user("root", staff=True)
    client = Client()
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "root", "password": "wrong"}, REMOTE_ADDR="10.0.0.3")
    response = client.post(url, {"username": "root", "password": PASSWORD}, REMOTE_ADDR="10.0.0.3")
    assert b"Too many failed attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_a_user_who_is_neither_officer_nor_staff_is_forbidden(network, release):
    nobody = make_user("nobody")
    client = logged_in(nobody)
    assert client.get(reverse("office:dashboard")).status_code == 403
    assert client.get(reverse("office:release", args=[release.pk])).status_code == 403
