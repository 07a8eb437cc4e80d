"""/healthz: database, Redis (when configured) and the relay (connect, EHLO, QUIT),
against real servers and against ports where nothing listens."""

from __future__ import annotations

import json
import socket
import subprocess
import time

import pytest

from tests.ops.processes import BIN, clean_env, free_port

pytestmark = pytest.mark.django_db


def healthz(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def test_all_ok_with_a_real_relay(client, settings, mta):
    settings.REDIS_URL = ""
    settings.SMTP_URL = mta.url
    status, report = healthz(client)
    assert status == 200, report
    assert report["status"] == "ok"
    assert set(report["checks"]) == {"database", "relay"}
    assert all(check["ok"] and check["ms"] >= 0 for check in report["checks"].values())
    assert mta.connections == 1  # one connection, EHLO and QUIT
    assert mta.messages() == []  # and no message


def test_relay_with_nothing_listening(client, settings):
    settings.REDIS_URL = ""
    settings.SMTP_URL = f"smtp://127.0.0.1:{free_port()}"
    status, report = healthz(client)
    assert status == 503
    assert report["status"] == "fail"
    assert report["checks"]["database"]["ok"] is True
    assert report["checks"]["relay"] == {"ok": False, "ms": report["checks"]["relay"]["ms"],
                                         "error": "ConnectionRefusedError"}


def test_relay_refusing_at_the_greeting(client, settings, mta):
    settings.REDIS_URL = ""
    settings.SMTP_URL = mta.url
    mta.inject("connect", 421, "too busy")
    status, report = healthz(client)
    assert status == 503 and report["checks"]["relay"]["error"] == "SMTP 421"


def test_relay_that_never_greets_times_out_quickly(client, settings):
    settings.REDIS_URL = ""
    settings.HEALTH_TIMEOUT = 0.5
    with socket.socket() as silent:  # the kernel accepts; nobody ever says 220
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        settings.SMTP_URL = f"smtp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        status, report = healthz(client)
    assert time.monotonic() - started < 60  # a bound (it would hang without the timeout), not a measurement
    assert status == 503 and report["checks"]["relay"]["error"] == "timeout"


def test_redis_checked_when_configured(client, settings, mta, redis_url):
    settings.SMTP_URL = mta.url
    settings.REDIS_URL = redis_url
    status, report = healthz(client)
    assert status == 200, report
    assert report["checks"]["redis"]["ok"] is True


def test_redis_with_nothing_listening(client, settings, mta):
    settings.SMTP_URL = mta.url
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    status, report = healthz(client)
    assert status == 503
    assert report["checks"]["redis"]["ok"] is False
    assert report["checks"]["relay"]["ok"] is True


def test_no_secrets_in_the_output(client, settings):
    settings.SMTP_URL = f"smtp://mailer:smtp-pass-42@127.0.0.1:{free_port()}?starttls=1"
    settings.REDIS_URL = f"redis://broker:redis-pass-42@127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    text = response.content.decode()
    for secret in ("smtp-pass-42", "redis-pass-42", "mailer", "broker", "127.0.0.1", settings.SECRET_KEY):
        assert secret not in text


def test_a_malformed_relay_url_is_a_failed_check_not_an_error_page(client, settings):
    settings.REDIS_URL = ""
    settings.SMTP_URL = "smtp://user:pw-secret@host:notaport"
    status, report = healthz(client)
    assert status == 503 and report["checks"]["relay"]["error"] == "SMTP_URL is not valid"
    assert "pw-secret" not in json.dumps(report)


def test_only_get_and_head(client, settings, mta):
    settings.REDIS_URL = ""
    settings.SMTP_URL = mta.url
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_database_with_nothing_listening(tmp_path, mta):
    """A process whose PostgreSQL does not answer reports it (its own settings, so a subprocess)."""
    code = ("import django, json; django.setup(); from django.test import Client; "
            "r = Client().get('/healthz'); print(r.status_code); print(r.content.decode())")
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="b40news.settings", SECRET_KEY="s" * 50,
                    DATABASE_URL=f"postgres://b40news:db-pass-42@127.0.0.1:{free_port()}/b40news",
                    SMTP_URL=mta.url)
    result = subprocess.run([str(BIN / "python"), "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split("\n", 1)
    report = json.loads(body)
    assert status == "503"
    assert report["checks"]["database"] == {"ok": False, "ms": report["checks"]["database"]["ms"],
                                            "error": "OperationalError"}
    assert report["checks"]["relay"]["ok"] is True
    assert "db-pass-42" not in body
