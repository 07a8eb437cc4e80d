"""``/healthz``: can this process reach its database, its broker and its relay?

200 when every check passes, 503 otherwise, as JSON:

    {"status": "ok", "checks": {"database": {"ok": true, "ms": 1.4},
                                "redis": {"ok": true, "ms": 0.6},
                                "relay": {"ok": false, "ms": 3001.2, "error": "timeout"}}}

Redis is checked only when ``REDIS_URL`` is set. The relay check is an SMTP
connection, EHLO and QUIT (no AUTH, no message). Errors name only the kind of
failure (an exception class, an SMTP reply code): no host, user or password
reaches the page, which needs no login. The details go to the log.
"""

from __future__ import annotations

import functools
import logging
import smtplib
import socket
import ssl
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from b40news.delivery.relay import SmtpSettings

log = logging.getLogger(__name__)


class CheckFailed(Exception):
    """A check's own verdict; its message is safe to show."""


def _safe_error(exc: BaseException) -> str:
    if isinstance(exc, CheckFailed):
        return str(exc)
    cause: BaseException | None = exc
    while cause is not None:  # smtplib reports a timed-out read as "disconnected"
        if isinstance(cause, (TimeoutError, socket.timeout, redis.TimeoutError)):
            return "timeout"
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}"
    return type(exc).__name__


def _timed(name: str, check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a health check reports every failure, it never raises
        log.warning("health check %s failed: %r", name, exc, extra={"check": name})
        return {"ok": False, "ms": _ms(started), "error": _safe_error(exc)}
    return {"ok": True, "ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise CheckFailed("unexpected reply")


def check_redis(url: str, timeout: float) -> None:
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        if not client.ping():
            raise CheckFailed("no PONG")
    finally:
        client.close()


@functools.cache
def _local_hostname() -> str:
    return socket.getfqdn()


def check_relay(url: str, timeout: float) -> None:
    try:
        relay = SmtpSettings.from_url(url)
    except ValueError:
        raise CheckFailed("SMTP_URL is not valid") from None
    timeout = min(timeout, relay.timeout)
    if relay.tls == "ssl":
        smtp = smtplib.SMTP_SSL(relay.host, relay.port, local_hostname=_local_hostname(), timeout=timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(relay.host, relay.port, local_hostname=_local_hostname(), timeout=timeout)
    try:
        code, _ = smtp.ehlo()
        if code != 250:
            raise CheckFailed(f"EHLO {code}")
        smtp.quit()
    finally:
        smtp.close()


def run_checks() -> dict[str, dict]:
    timeout = settings.HEALTH_TIMEOUT
    checks = {"database": _timed("database", check_database)}
    if settings.REDIS_URL:
        checks["redis"] = _timed("redis", lambda: check_redis(settings.REDIS_URL, timeout))
    checks["relay"] = _timed("relay", lambda: check_relay(settings.SMTP_URL, timeout))
    return checks


@never_cache
@require_safe
def healthz(request):
    checks = run_checks()
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503)
