"""CSRF on every form, security headers, and `check --deploy` clean in production."""

from __future__ import annotations

import importlib.util
import re
import secrets

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, override_settings
from django.urls import reverse

import b40news.settings
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    PASSWORD, fast_hashing, logged_in, network, officer, post, release,
)

SETTINGS_FILE = b40news.settings.__file__
# Settings the environment does not change, or that must not change under a running test
# (the database, the app registry, logging, the broker): the check does not read them.
KEEP = {"DATABASES", "DATA_DIR", "INSTALLED_APPS", "TEMPLATES", "LOGGING", "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_TRANSPORT_OPTIONS"}


def settings_from(monkeypatch, tmp_path, env: dict[str, str]) -> dict:
    """b40news/settings.py evaluated afresh under ``env``: every upper-case name."""
    for name in ("B40NEWS_HTTPS", "B40NEWS_HSTS_SECONDS", "B40NEWS_PROXY_SSL_HEADER", "REDIS_URL", "DATABASE_URL",
                 "DJANGO_ALLOW_ASYNC_UNSAFE"):  # the browser tests' live server sets the last one
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("B40NEWS_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("b40news_settings_under_test", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: getattr(module, name) for name in dir(module) if name.isupper() and name not in KEEP}


def deploy_check(values: dict) -> str:
    with override_settings(**values):
        call_command("check", "--deploy", "--fail-level", "WARNING")
    return "clean"


PRODUCTION = {"B40NEWS_DEBUG": "false", "SITE_URL": "https://news.b40network.eu"}


def test_check_deploy_is_clean_with_production_settings(monkeypatch, tmp_path):
    values = settings_from(monkeypatch, tmp_path, {**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(50)})
    assert values["SECURE_SSL_REDIRECT"] is True and values["SESSION_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert deploy_check(values) == "clean"


def test_check_deploy_names_what_is_missing_on_plain_http(monkeypatch, tmp_path):
    values = settings_from(monkeypatch, tmp_path, {
        "B40NEWS_DEBUG": "false", "SITE_URL": "http://news.b40network.eu", "SECRET_KEY": "short",
    })
    with pytest.raises(SystemCheckError) as failure:
        deploy_check(values)
    found = set(re.findall(r"security\.W\d+", str(failure.value)))
    assert {"security.W004", "security.W008", "security.W009", "security.W012", "security.W016"} <= found


def test_a_proxy_header_and_an_explicit_switch_are_read_from_the_environment(monkeypatch, tmp_path):
    values = settings_from(monkeypatch, tmp_path, {
        **PRODUCTION, "B40NEWS_PROXY_SSL_HEADER": "X-Forwarded-Proto", "B40NEWS_HTTPS": "false",
    })
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    # Reserved test names never get the HTTPS redirect (the test client and live server speak http).
    values = settings_from(monkeypatch, tmp_path, {"SITE_URL": "https://news.b40.test"})
    assert values["SECURE_SSL_REDIRECT"] is False


@pytest.mark.django_db
def test_every_post_needs_the_csrf_token(release, officer):
    client = logged_in(officer)
    urls = [
        reverse("office:submit"),
        reverse("office:approve", args=[release.pk]),
        reverse("office:send", args=[release.pk]),
        reverse("office:retry", args=[release.pk]),
        reverse("office:translate", args=[release.pk]),
        reverse("office:edit_segment", args=[release.pk, "mk", 1]),
        reverse("office:upload_translation", args=[release.pk, "mk"]),
        reverse("office:test_send", args=[release.pk, "mk", "stara-zagora"]),
        reverse("office:logout"),
        reverse("office:set_language"),
    ]
    for url in urls:
        assert client.post(url, {"language": "mk", "force": "1", "when": "now"}).status_code == 403, url
    assert release.translations.get(language__code="mk").status == "translated"
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(reverse("office:login"), {"username": "ana", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
def test_pages_carry_the_security_headers_and_a_script_nonce(release, officer):
    client = logged_in(officer)
    response = client.get(reverse("office:progress", args=[release.pk]))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in attributes for attributes in scripts)
    assert client.get(reverse("office:progress", args=[release.pk]))["Content-Security-Policy"] != policy


@pytest.mark.django_db
def test_the_session_cookie_is_http_only_and_same_site(officer):
    client = Client()
    page = client.get(reverse("office:login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    client.post(reverse("office:login"), {"username": "ana", "password": PASSWORD, "csrfmiddlewaretoken": token})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["httponly"] is True
