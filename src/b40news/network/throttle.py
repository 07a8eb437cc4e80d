"""Limits on the public sign-up form: per client address, per target address.

Two budgets, each a set of rates in the relay's notation (``"5/m,30/h,100/d"``,
``delivery.ratelimit.parse_rates``):

- **per client** (``SUBSCRIBE_RATE_PER_CLIENT``): every POST to the form from
  one address (an IPv6 client by its /64) takes one. Over it, the form answers
  429 and does nothing else.
- **per target address** (``SUBSCRIBE_RATE_PER_ADDRESS``, default one a day):
  every confirmation mail to one mailbox (``addresses.mailbox_key``) takes
  one, whatever list, client or spelling asked for it. Over it, the form
  answers exactly as if it had sent the mail and stores nothing: the page
  must not tell a stranger that the address was asked for recently.

The arithmetic is ``delivery.ratelimit``'s sliding windows, the same for both
stores:

- with ``REDIS_URL``: its Lua script in Redis, atomic for every web process
  (keys under the installation's prefix, expiring by themselves);
- without: the same pure function over a ``RateWindow`` row, read and written
  under a row lock in one transaction (SQLite's IMMEDIATE transactions,
  PostgreSQL's ``SELECT … FOR UPDATE``), so several web processes on one
  database share one budget too. Rows past their windows are deleted by
  ``subscriptions.purge_unconfirmed``.

Keys are HMACs of the address (with ``SECRET_KEY``): neither store holds an
e-mail or IP address in clear.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from b40news.delivery.ratelimit import SLOTS, Rate, RateLimiter, parse_rates, window_acquire
from b40news.network.models import RateWindow

CLIENT, ADDRESS = "client", "address"


@functools.lru_cache(maxsize=8)
def _rates(spec: str) -> tuple[Rate, ...]:
    return parse_rates(spec)


def rates(kind: str) -> tuple[Rate, ...]:
    spec = settings.SUBSCRIBE_RATE_PER_CLIENT if kind == CLIENT else settings.SUBSCRIBE_RATE_PER_ADDRESS
    return _rates(spec)


def _key(kind: str, value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()
    return f"subscribe:{kind}:{digest[:40]}"


def take(kind: str, value: str) -> float:
    """Take one from ``value``'s budget: 0.0 when granted, else seconds until one would be (nothing taken)."""
    chosen = rates(kind)
    key = _key(kind, value)
    if settings.REDIS_URL:
        return _redis_limiter(settings.REDIS_URL, _prefix() + key, chosen).acquire()
    return _database_take(key, chosen)


# -- Redis ---------------------------------------------------------------------------------


def _prefix() -> str:
    return settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "b40news:")


@functools.lru_cache(maxsize=4)
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=5)


def _redis_limiter(url: str, key: str, chosen: Sequence[Rate]) -> RateLimiter:
    return RateLimiter(_redis_client(url), key, chosen)


# -- the database --------------------------------------------------------------------------


def _database_take(key: str, chosen: Sequence[Rate], now_us: int | None = None) -> float:
    now_us = int(time.time() * 1_000_000) if now_us is None else now_us
    longest = max(rate.per_seconds for rate in chosen)
    expires = timezone.now() + timedelta(seconds=longest * (SLOTS + 2) / SLOTS)
    with transaction.atomic():
        row = RateWindow.objects.select_for_update().filter(key=key).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = RateWindow.objects.create(key=key, slots={}, expires_at=expires)
            except IntegrityError:  # another process made it meanwhile
                row = RateWindow.objects.select_for_update().get(key=key)
        histories = [
            {int(slot): count for slot, count in row.slots.get(str(rate.per_seconds), {}).items()}
            for rate in chosen
        ]
        granted, wait_us, histories = window_acquire(histories, chosen, now_us, 1)
        if granted:
            row.slots = {
                str(rate.per_seconds): {str(slot): count for slot, count in history.items()}
                for rate, history in zip(chosen, histories)
            }
            row.expires_at = expires
            row.save(update_fields=["slots", "expires_at"])
    return 0.0 if granted else wait_us / 1_000_000


def purge_expired(now=None) -> int:
    """Forget database windows that count nothing any more; how many."""
    deleted, _ = RateWindow.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
