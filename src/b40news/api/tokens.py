"""Making, finding and revoking API tokens.

A token is ``b40_`` and 43 random URL-safe characters (256 bits). It is
looked up by its SHA-256 digest: with that much randomness a fast hash is
enough (there is nothing to guess a password from), and the database never
holds a usable token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from b40news.api.models import ApiToken

PREFIX = "b40_"
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token


class TokenError(ValueError):
    pass


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user, *, name: str = "", created_by=None) -> tuple[ApiToken, str]:
    """A new token for ``user``: (the row, the token itself, to show once)."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name[:100], prefix=token[:12], digest=digest(token),
                                  created_by=created_by)
    return row, token


def find_user(username: str):
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise TokenError(f"no user {username!r}") from None


def revoke(*, token_id: int | None = None, prefix: str | None = None, user=None) -> int:
    """Revoke by id, by prefix, or every token of a user; how many were revoked."""
    rows = ApiToken.objects.filter(revoked_at__isnull=True)
    if token_id is not None:
        rows = rows.filter(pk=token_id)
    elif prefix:
        rows = rows.filter(prefix=prefix[:12])
    elif user is not None:
        rows = rows.filter(user=user)
    else:
        raise TokenError("say which token to revoke")
    return rows.update(revoked_at=timezone.now())


def authenticate(token: str):
    """The active user a live token acts as, else None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = ApiToken.objects.select_related("user").filter(digest=digest(token), revoked_at__isnull=True).first()
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
