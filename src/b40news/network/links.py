"""Signed links for subscribers: nobody can act on another subscriber's behalf.

Paths are short and free of the letter "e": SpamAssassin's MIXED_ES rule
counts Latin "e" next to Cyrillic "е", and long link paths in a Cyrillic
message were enough to cost a full point.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

_UNSUBSCRIBE = signing.Signer(salt="b40news.unsubscribe")
# Timestamped: a preferences link expires (settings.PREFERENCES_LINK_MAX_AGE); every newsletter
# carries a new one. (A salt of its own: links of the untimed kind are refused as forged.)
_PREFERENCES = signing.TimestampSigner(salt="b40news.preferences.timed")


def unsubscribe_token(subscriber_id: int, list_id: int) -> str:
    return _UNSUBSCRIBE.sign(f"{subscriber_id}-{list_id}")


def read_unsubscribe_token(token: str) -> tuple[int, int]:
    """(subscriber id, list id); ``signing.BadSignature`` for a forged token."""
    subscriber, _, mailing_list = _UNSUBSCRIBE.unsign(token).partition("-")
    return int(subscriber), int(mailing_list)


def preferences_token(subscriber_id: int) -> str:
    return _PREFERENCES.sign(str(subscriber_id))


def read_preferences_token(token: str, *, max_age=None) -> int:
    """The subscriber id; ``signing.SignatureExpired`` past ``max_age``, ``BadSignature`` when forged."""
    value = _PREFERENCES.unsign(token, max_age=max_age)
    try:
        return int(value)
    except ValueError:
        raise signing.BadSignature("malformed preferences token") from None


def unsubscribe_url(subscriber_id: int, list_id: int) -> str:
    return unsubscribe_links(subscriber_id, list_id)[0]


def unsubscribe_mailto(subscriber_id: int, list_id: int) -> str:
    return unsubscribe_links(subscriber_id, list_id)[1]


def unsubscribe_links(subscriber_id: int, list_id: int) -> tuple[str, str]:
    """(https URL, mailto: URL) of one subscriber's unsubscribe from one list (one token, signed once)."""
    token = unsubscribe_token(subscriber_id, list_id)
    return (f"{settings.SITE_URL}/u/{token}/",
            f"mailto:{settings.UNSUBSCRIBE_MAILTO}?subject=unsubscribe%20{token}")


def preferences_url(subscriber_id: int) -> str:
    return f"{settings.SITE_URL}/p/{preferences_token(subscriber_id)}/"


def original_url(release_id: int) -> str:
    return f"{settings.SITE_URL}/r/{release_id}/bg/"


def archive_url(release_id: int, language: str) -> str:
    return f"{settings.SITE_URL}/r/{release_id}/{language}/"

