"""E-mail addresses, normalised once with email-validator, stored in one form."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email


class AddressError(ValueError):
    """An address that cannot receive mail; the message says why."""


@dataclass(frozen=True)
class Address:
    email: str  # the normalised form, unique per subscriber
    ascii_email: str  # punycode domain; "" when the local part needs SMTPUTF8
    smtputf8: bool


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
