"""E-mail addresses, normalised once with email-validator, stored in one form, compared by key.

Two spellings of one mailbox are one subscriber. ``mailbox_key`` is the form
addresses are compared in (unique per subscriber, ``Subscriber.email_key``):
the domain as email-validator normalises it (IDNA, lower case: ``Example.ORG``
and ``example.org`` are one domain, ``xn--e1afmkfd.xn--90ae`` and
``пример.бг`` too), and the local part case-folded, as mail systems look
mailboxes up (Postfix, Exim, Exchange and the large providers all treat
``Ana`` and ``ana`` as one mailbox; Postfix folds UTF-8 local parts with
Unicode case folding, like ``str.casefold``). Dots and ``+tags`` are left
alone: they are one provider's rule, not every mail system's. The address a
subscriber typed first is the one mail is sent to.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


class AddressError(ValueError):
    """An address that cannot receive mail; the message says why."""


@dataclass(frozen=True)
class Address:
    email: str  # the normalised form, unique per subscriber
    ascii_email: str  # punycode domain; "" when the local part needs SMTPUTF8
    smtputf8: bool

    @property
    def key(self) -> str:
        return mailbox_key(self.email)


def mailbox_key(email: str) -> str:
    """The form two addresses are compared in: ``Ana.P@Example.org`` -> ``ana.p@example.org``.

    For a normalised address (``Address.email``), the one place addresses are
    compared: subscribing, importing, looking a subscriber up.
    """
    local, at, domain = unicodedata.normalize("NFC", email.strip()).rpartition("@")
    if not at:
        return email.strip().casefold()
    return f"{local.casefold()}@{domain.lower()}"


def normalise(raw: str) -> Address:
    """``Petar@Пример.бг`` -> ``Petar@пример.бг`` (ascii ``Petar@xn--e1afmkfd.xn--90ae``).

    Syntax only: no DNS here, deliverability shows at sending time.
    """
    text = (raw or "").strip()
    if any(char in text for char in "\r\n\0"):
        raise AddressError("an address cannot contain line breaks")
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise AddressError(f"{text!r} is not a valid e-mail address: {exc}") from None
    return Address(email=checked.normalized, ascii_email=checked.ascii_email or "", smtputf8=checked.smtputf8)
