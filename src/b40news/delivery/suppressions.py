"""Addresses no send may reach, by address or, once the person is erased, by salted hash.

A suppression is per mailbox (``addresses.mailbox_key``), for every list: a
hard bounce, a complaint on record, or an erased person (`network.privacy`).
Every row carries ``digest``, an HMAC of the mailbox key under a secret
derived from SECRET_KEY: an erased person's row keeps only that, so a CSV
import or a send finds the address still suppressed although nothing
readable is stored. Confirming a double opt-in lifts a suppression (the owner
proved the mailbox and the wish), by address and by digest alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.crypto import salted_hmac

from b40news.delivery.models import BounceScore, Suppression
from b40news.network.addresses import mailbox_key

ERASED_PREFIX = "erased:"


def digest(email: str) -> str:
    """The salted hash an address is known by once erased (64 hex digits)."""
    return salted_hmac("b40news.suppression", mailbox_key(email), algorithm="sha256").hexdigest()


def suppress(emails: Iterable[str], reason: str, detail: str = "") -> int:
    """Suppress addresses (an address already suppressed keeps its first reason); how many are new."""
    emails = list(dict.fromkeys(emails))
    before = set(Suppression.objects.filter(email__in=emails).values_list("email", flat=True))
    Suppression.objects.bulk_create(
        [Suppression(email=email, digest=digest(email), reason=reason, detail=detail[:2000]) for email in emails],
        ignore_conflicts=True,
    )
    return len(set(emails) - before)


def suppressed(emails: Iterable[str]) -> dict[str, Suppression]:
    """address -> its suppression, found by address or by digest (an erased person's row)."""
    emails = list(dict.fromkeys(emails))
    found = {s.email: s for s in Suppression.objects.filter(email__in=emails)}
    rest = {digest(email): email for email in emails if email not in found}
    if rest and Suppression.objects.filter(email__startswith=ERASED_PREFIX).exists():
        for row in Suppression.objects.filter(digest__in=list(rest)):
            found[rest[row.digest]] = row
    return found


def erased_digests() -> set[str]:
    """Digests of erased people's suppressions (few: only those are found by digest alone)."""
    return set(Suppression.objects.filter(email__startswith=ERASED_PREFIX).values_list("digest", flat=True))


def lift(email: str) -> int:
    """The owner confirmed: no suppression and no bounce score for this mailbox any more."""
    BounceScore.objects.filter(email=email).delete()
    return Suppression.objects.filter(email=email).delete()[0] + Suppression.objects.filter(
        email__startswith=ERASED_PREFIX, digest=digest(email)).delete()[0]


def keep_as_hash(email: str, reason_if_none: str = Suppression.Reason.ERASED) -> Suppression:
    """An erased person's suppression: the address replaced by its digest, the detail gone.

    Without a suppression on record one is made (``reason_if_none``): an erased
    person is not imported again by anybody's old spreadsheet.
    """
    key = digest(email)
    hashed = Suppression.objects.filter(email=ERASED_PREFIX + key).first()
    plain = Suppression.objects.filter(email=email).first()
    if plain is not None and hashed is not None:  # erased before, and suppressed again since
        Suppression.objects.filter(pk=hashed.pk).update(reason=plain.reason)
        plain.delete()
    elif plain is not None:
        Suppression.objects.filter(pk=plain.pk).update(email=ERASED_PREFIX + key, digest=key, detail="")
        hashed = plain
    elif hashed is None:
        return Suppression.objects.create(email=ERASED_PREFIX + key, digest=key, reason=reason_if_none)
    hashed.refresh_from_db()
    return hashed
