"""Login throttling: after too many failed attempts, refuse for a while.

Two fixed windows, both counted only on failures: one per (username, address)
— ``LIMIT`` failures in ``WINDOW`` seconds lock that pair until the window
ends — and one per address alone, wider, against trying many usernames. A
locked pair is refused without checking the password at all, so a correct
guess inside the lock tells an attacker nothing. A successful login clears
its pair.

The counters live in Redis when ``REDIS_URL`` is set (shared by every web
process), else in Django's default cache (one process: the embedded default).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

LIMIT = 5  # failures per username and address
ADDRESS_LIMIT = 50  # failures per address, whatever the username
WINDOW = 15 * 60  # seconds


def _cache():
    if settings.REDIS_URL:
        return _redis_cache(settings.REDIS_URL)
    return caches["default"]


_redis_caches: dict = {}


def _redis_cache(url: str):
    if url not in _redis_caches:
        from django.core.cache.backends.redis import RedisCache

        prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "b40news:")
        _redis_caches[url] = RedisCache(url, {"KEY_PREFIX": prefix + "login"})
    return _redis_caches[url]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class _Counter:
    key: str
    limit: int


class LoginThrottle:
    def __init__(self, cache=None, *, limit: int = LIMIT, address_limit: int = ADDRESS_LIMIT, window: int = WINDOW):
        self.cache = cache if cache is not None else _cache()
        self.limit, self.address_limit, self.window = limit, address_limit, window

    def _counters(self, username: str, address: str) -> list[_Counter]:
        user = " ".join(username.split()).casefold()
        return [
            _Counter(f"b40news:login:pair:{_digest(user, address)}", self.limit),
            _Counter(f"b40news:login:addr:{_digest(address)}", self.address_limit),
        ]

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until this pair may try again; 0 when it may now."""
        wait = 0
        for counter in self._counters(username, address):
            found = self.cache.get_many([counter.key, counter.key + ":until"])
            failures, until = found.get(counter.key, 0), found.get(counter.key + ":until", 0)
            if failures >= counter.limit:
                wait = max(wait, max(1, int(until - time.time())))
        return wait

    def failed(self, username: str, address: str) -> None:
        for counter in self._counters(username, address):
            if self.cache.add(counter.key, 0, self.window):
                self.cache.set(counter.key + ":until", time.time() + self.window, self.window)
            try:
                self.cache.incr(counter.key)
            except ValueError:  # expired between add and incr: a new window
                self.cache.set(counter.key, 1, self.window)
                self.cache.set(counter.key + ":until", time.time() + self.window, self.window)

    def succeeded(self, username: str, address: str) -> None:
        pair = self._counters(username, address)[0]
        self.cache.delete_many([pair.key, pair.key + ":until"])


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"
