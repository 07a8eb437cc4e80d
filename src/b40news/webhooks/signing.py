"""The webhook signature, as pure functions (no Django): what the receiver checks.

Each request carries

    B40news-Timestamp: 1767225600
    B40news-Signature: v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

where the hex digest is HMAC-SHA256, keyed with the endpoint's secret, over
the timestamp, a full stop and the exact bytes of the body:
``f"{timestamp}.".encode() + body``. Signing the timestamp with the body lets
a receiver refuse an old request replayed later (`verify`'s ``tolerance``).
A secret being rotated may be checked against both: the header may carry
several ``v1=`` values, separated by commas.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SCHEME = "v1"
SECRET_PREFIX = "whsec_"
TOLERANCE = 300  # seconds a receiver should accept between our clock and theirs


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def headers(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"B40news-Timestamp": str(timestamp), "B40news-Signature": f"{SCHEME}={signature(secret, timestamp, body)}"}


def verify(secret: str, body: bytes, timestamp_header: str, signature_header: str, *,
           tolerance: int = TOLERANCE, now: float | None = None) -> bool:
    """What a receiver does: a fresh timestamp and one matching ``v1=`` signature."""
    try:
        timestamp = int(timestamp_header)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    given = [part.strip()[len(SCHEME) + 1:] for part in (signature_header or "").split(",")
             if part.strip().startswith(f"{SCHEME}=")]
    return any(hmac.compare_digest(expected, candidate) for candidate in given)
