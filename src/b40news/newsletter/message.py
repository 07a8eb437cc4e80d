"""The one place that builds an e-mail message: bytes on the wire plus envelope.

Built by hand rather than through ``email.message.EmailMessage``: it runs once
per recipient, and the stdlib's pure-Python quoted-printable encoder and header
folder cost milliseconds for a 30 KB HTML part, while ``binascii`` does the
same in microseconds. The stdlib parser reads the result back in the tests.

- CRLF line endings throughout, lines under 78 characters where the standard
  allows folding (bodies are quoted-printable or base64, whichever is shorter).
- Subject, display names and the List-Id phrase are RFC 2047 encoded words
  when not ASCII. Only the To address itself is ever raw UTF-8, and only when
  its local part is not ASCII: that message needs SMTPUTF8 (RFC 6531/6532),
  which ``Envelope.smtputf8`` tells the sender. IDN domains go as punycode.
- Any header value holding CR, LF or NUL raises ``HeaderInjection``.
- The envelope sender is VERP-style, ``bounces+<token>@domain``: a bounce
  names the delivery it belongs to without parsing the bounce's body.

Plain Python, no Django.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.charset import SHORTEST, Charset
from email.header import Header
from email.utils import format_datetime
from functools import lru_cache

import email_validator
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES, EMAIL_MAX_LENGTH

from b40news import languages

CRLF = "\r\n"
ONE_CLICK = "List-Unsubscribe=One-Click"
_UTF8 = Charset("utf-8")
_UTF8.header_encoding = SHORTEST
_MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[A-Za-z0-9.-]+>")  # no spaces, one @ side each
_LIST_ID = re.compile(r"(?:(?P<phrase>.*?)\s*)?<(?P<id>[A-Za-z0-9][A-Za-z0-9.-]*)>")
_HEADER_NAME = re.compile(r"[!-9;-~]+")
_VERP_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=-]*")
_SPECIALS = set('()<>[]:;@\\,."')
# Syntax and normalisation only: whether a domain takes mail is the MTA's business
# (and sign-up's), and test domains such as b40.test must build in tests.
_SYNTAX_ONLY = dict(check_deliverability=False, globally_deliverable=False, test_environment=True)
# Headers build_message writes itself; extra_headers may not repeat them.
OWN_HEADERS = frozenset(
    name.lower()
    for name in (
        "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
        "Content-Transfer-Encoding", "Content-Language", "List-Id", "List-Unsubscribe",
        "List-Unsubscribe-Post", "Return-Path", "DKIM-Signature", "Cc", "Bcc", "Sender",
    )
)


class HeaderInjection(ValueError):
    """A header value holds a line break (or NUL): refused, never folded away."""


@dataclass(frozen=True)
class Envelope:
    mail_from: str  # VERP bounce address, ASCII
    rcpt_to: str  # ASCII unless smtputf8
    smtputf8: bool  # send with MAIL FROM ... SMTPUTF8


def make_message_id(delivery_key: str, domain: str) -> str:
    """``<b40.<32 base32 chars>@domain>``, the same for the same delivery key.

    A retried delivery keeps its Message-ID, so duplicates can be counted (and
    are collapsed by receivers that de-duplicate on it).
    """
    _no_breaks("Message-ID", delivery_key)
    digest = hashlib.sha256(delivery_key.encode("utf-8")).digest()[:20]
    token = base64.b32encode(digest).decode("ascii").lower()
    return f"<b40.{token}@{_ascii_domain(domain)}>"


def verp_address(bounce_address: str, token: str) -> str:
    """``bounces@d`` + ``k7`` -> ``bounces+k7@d``; the token must be local-part safe."""
    _no_breaks("verp_token", token)
    if not _VERP_TOKEN.fullmatch(token):
        raise ValueError(f"verp_token must be letters, digits and ._=- only: {token!r}")
    sender = _ascii_address(bounce_address, "bounce_address")
    local, domain = sender.rsplit("@", 1)
    address = f"{local}+{token}@{domain}"
    if len(local) + 1 + len(token) > 64:
        raise ValueError(f"VERP local part over 64 octets: {address!r}")
    return address


def build_message(
    *,
    subject: str,
    html: str | Shared,
    text: str | Shared,
    language: str,
    from_addr: str,
    from_name: str,
    to_addr: str,
    message_id: str,
    list_id: str | None,
    unsubscribe_https: str | None,
    unsubscribe_mailto: str | None,
    date: datetime,
    bounce_address: str,
    verp_token: str,
    extra_headers: Mapping[str, str] = {},
) -> tuple[Wire, Envelope]:
    """One message (in wire form): multipart/alternative, text/plain first, then text/html.

    ``list_id`` is ``"List name <slug.list.b40.example.org>"`` (phrase
    optional); ``None`` with both unsubscribe targets ``None`` suits mail that
    is not list mail (the opt-in confirmation). ``unsubscribe_https`` is the
    RFC 8058 one-click URL: it also adds ``List-Unsubscribe-Post`` — only
    when it is https (an http URL on a dev server is listed, not one-click).
    ``date`` must be timezone-aware. Raises ``HeaderInjection`` for a line
    break in any header value and ``ValueError`` for any other bad argument.
    """
    for name, value in (
        ("Subject", subject), ("From", from_addr), ("From", from_name), ("To", to_addr),
        ("Message-ID", message_id), ("List-Id", list_id), ("List-Unsubscribe", unsubscribe_https),
        ("List-Unsubscribe", unsubscribe_mailto), ("Content-Language", language),
        ("Return-Path", bounce_address), ("Return-Path", verp_token),
        *extra_headers.items(),
    ):
        _no_breaks(name, value)
    for name in extra_headers:
        _no_breaks("header name", name)
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("date must be timezone-aware")
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"not a Message-ID: {message_id!r}")

    recipient = _recipient(to_addr)
    envelope = Envelope(
        mail_from=verp_address(bounce_address, verp_token),
        rcpt_to=recipient.envelope,
        smtputf8=recipient.smtputf8,
    )
    sender = _ascii_address(from_addr, "from_addr")
    boundary = "=_b40_" + hashlib.sha256(message_id.encode("ascii")).hexdigest()[:28]

    lines = [
        _fold("From", f"{_phrase('From', from_name)} <{sender}>" if from_name.strip() else sender),
        f"To: {recipient.header}",
        _fold("Subject", _unstructured("Subject", " ".join(subject.split()))),
        f"Date: {format_datetime(date)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        f"Content-Language: {languages.get(language).code}",
    ]
    if list_id is not None:
        lines.append(_fold("List-Id", _list_id(list_id)))
    targets = []
    if unsubscribe_https is not None:
        if not unsubscribe_https.startswith(("https://", "http://")):
            raise ValueError(f"unsubscribe_https must be an http(s) URL: {unsubscribe_https!r}")
        targets.append(f"<{_uri('unsubscribe_https', unsubscribe_https)}>")
    if unsubscribe_mailto is not None:
        mailto = unsubscribe_mailto if unsubscribe_mailto.startswith("mailto:") else (
            "mailto:" + unsubscribe_mailto
        )
        targets.append(f"<{_uri('unsubscribe_mailto', mailto)}>")
    if targets:
        lines.append("List-Unsubscribe: " + ("," + CRLF + " ").join(targets))
    if unsubscribe_https is not None and unsubscribe_https.startswith("https://"):
        lines.append(f"List-Unsubscribe-Post: {ONE_CLICK}")  # RFC 8058: https only
    for name, value in extra_headers.items():
        if not _HEADER_NAME.fullmatch(name) or name.lower() in OWN_HEADERS:
            raise ValueError(f"extra header not allowed: {name!r}")
        lines.append(_fold(name, _unstructured(name, value)))
    lines.append(f'Content-Type: multipart/alternative;{CRLF} boundary="{boundary}"')

    head = CRLF.join(lines) + CRLF + CRLF
    delimiter = f"--{boundary}{CRLF}".encode("ascii")
    encoding = "utf-8" if recipient.smtputf8 else "ascii"
    return Wire(b"".join((
        head.encode(encoding),
        delimiter, _part("plain", text),
        delimiter, _part("html", html),
        f"--{boundary}--{CRLF}".encode("ascii"),
    ))), envelope


# -- line ends ------------------------------------------------------------------

_LINE_END = re.compile(rb"\r\n|\r|\n")


class Wire(bytes):
    """Bytes known to be in wire form: every line end CRLF, the last one
    included. ``build_message`` writes them so by construction and the DKIM
    signer keeps them so; `crlf` then skips its scan (three counts over tens of
    kilobytes, about 0.1 ms a message, before signing and again before sending)."""


def is_crlf(data: bytes) -> bool:
    """Every line end is CRLF: as many CRs, LFs and CRLFs. Three counts in C (runs on
    every message before signing and before sending), no regular expression."""
    return data.count(b"\r") == data.count(b"\n") == data.count(b"\r\n")


def crlf(data: bytes) -> bytes:
    """``data`` with every line end (CRLF, CR or LF) made CRLF."""
    return data if isinstance(data, Wire) or is_crlf(data) else _LINE_END.sub(b"\r\n", data)


# -- addresses ------------------------------------------------------------------


@dataclass(frozen=True)
class _Recipient:
    envelope: str
    header: str
    smtputf8: bool


# Addresses that validate_email would accept and return unchanged, proved in
# about a microsecond (it takes tens, once per message, in a CPU-bound sender):
# a dot-atom local part of ASCII atext, at most 64 characters; a domain of
# lower-case LDH labels of 1-63 characters, no hyphen first or last, at least
# two labels, the last alphabetic. Anything else, upper-case domains included
# (validate_email lower-cases them), takes the full check.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_PLAIN_ADDRESS = re.compile(
    rf"(?=[^@]{{1,64}}@){_ATEXT}+(?:\.{_ATEXT}+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)
# Special-use names (test, local, onion, ...) and their subdomains are refused
# or allowed by validate_email depending on its options: leave them to it.
_SPECIAL_USE_SUFFIXES = tuple("." + name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES)
# RFC 2142's role names (Postmaster, INFO, ...), which validate_email lower-cases.
_CASE_INSENSITIVE = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def _is_plain_address(address: str) -> bool:
    """True when ``_validated_recipient(address)`` is certainly ``address`` itself, ASCII."""
    if len(address) > EMAIL_MAX_LENGTH or not _PLAIN_ADDRESS.fullmatch(address):
        return False  # 254 in all also keeps the domain under its limit of 253
    local, _, domain = address.partition("@")
    return not (
        "--" in domain  # "xn--" labels (IDNA round trip) and RFC 5890's R-LDH ones
        or ("." + domain).endswith(_SPECIAL_USE_SUFFIXES)
        or (local not in _CASE_INSENSITIVE and local.lower() in _CASE_INSENSITIVE)
    )


def _recipient(address: str) -> _Recipient:
    if _is_plain_address(address):
        return _Recipient(address, address, False)
    return _validated_recipient(address)


def _validated_recipient(address: str) -> _Recipient:
    try:
        valid = validate_email(address, allow_smtputf8=True, **_SYNTAX_ONLY)
    except EmailNotValidError as exc:
        raise ValueError(f"to_addr: {exc}") from exc
    if valid.smtputf8:  # non-ASCII local part: UTF-8 headers, punycode domain
        return _Recipient(f"{valid.local_part}@{valid.ascii_domain}", valid.normalized, True)
    return _Recipient(valid.ascii_email, valid.ascii_email, False)


@lru_cache(maxsize=256)  # our own few sender and bounce addresses, once each
def _ascii_address(address: str, what: str) -> str:
    try:
        valid = validate_email(address, allow_smtputf8=False, **_SYNTAX_ONLY)
    except EmailNotValidError as exc:
        raise ValueError(f"{what}: {exc}") from exc
    return valid.ascii_email


def _ascii_domain(domain: str) -> str:
    _no_breaks("domain", domain)
    return _ascii_address(f"postmaster@{domain}", "domain").split("@", 1)[1]


# -- header text ------------------------------------------------------------------


BREAK_OR_NUL = re.compile("[\r\n\0]")  # a search in C: every header value of every message is checked


def _no_breaks(name: str, value: str | None) -> None:
    if value is not None and BREAK_OR_NUL.search(value):
        raise HeaderInjection(f"{name}: line break or NUL in header value {value!r}")


def _needs_encoding(value: str) -> bool:
    return not value.isascii() or "=?" in value


# The subject, the sender's name and the list name are the same for every
# recipient of a rendition, and the stdlib's encoded-word writer costs about a
# millisecond for a long Cyrillic subject: encode each once.
@lru_cache(maxsize=1024)
def _unstructured(name: str, value: str) -> str:
    """Subject-like text: as it is when plain ASCII, else RFC 2047 encoded words."""
    if not _needs_encoding(value):
        return value
    return Header(value, _UTF8, header_name=name).encode(linesep=CRLF)


@lru_cache(maxsize=1024)
def _phrase(name: str, value: str) -> str:
    """A display name: atoms, a quoted string, or encoded words."""
    value = " ".join(value.split())
    if _needs_encoding(value):
        return Header(value, _UTF8, header_name=name).encode(linesep=CRLF)
    if any(char in _SPECIALS for char in value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def _list_id(value: str) -> str:
    match = _LIST_ID.fullmatch(value.strip())
    if not match:
        raise ValueError(f"List-Id must be 'Name <id.domain>' or '<id.domain>': {value!r}")
    phrase = (match.group("phrase") or "").strip()
    list_id = f"<{match.group('id')}>"
    return f"{_phrase('List-Id', phrase)} {list_id}" if phrase else list_id


def _uri(what: str, uri: str) -> str:
    if not uri.isascii() or any(char in uri for char in " <>\"\t"):
        raise ValueError(f"{what} must be an ASCII URI without spaces or <>: {uri!r}")
    return uri


def _fold(name: str, value: str) -> str:
    """``Name: value``, ASCII text folded at spaces near 78 columns (never inside a word)."""
    line = f"{name}: {value}"
    if len(line) <= 78 or CRLF in value:
        return line
    out, current = [], ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > 78:
            out.append(current)
            current = " " + word
        else:
            current = f"{current} {word}" if current else word
    out.append(current)
    return CRLF.join(out)


# -- bodies ---------------------------------------------------------------------


_NON_ASCII = bytes(range(128, 256))
_B64_LINES = re.compile(rb".{1,76}", re.S)  # base64.encodebytes' lines


@dataclass(frozen=True)
class Shared:
    """A body part's text in two pieces: ``start``, the same for every recipient
    of a rendition (`render.personaliser` hands out one string object), and
    ``rest``, this recipient's. ``build_message`` encodes the start once and
    only the rest per message: the same bytes as encoding the whole text,
    when the start alone picks the same transfer encoding."""

    start: str
    rest: str

    def __str__(self) -> str:
        return self.start + self.rest


def _part(subtype: str, content: str | Shared) -> bytes:
    """A body part: quoted-printable unless that is longer than base64.

    Runs once per part and recipient, so it avoids the work it can prove
    useless: QP writes every non-ASCII byte as three, so when those alone make
    it longer than base64 (Cyrillic or Greek text), QP is not tried; base64 is
    written in one C call and cut into encodebytes' 76-character lines. Of a
    `Shared` text, the start is encoded once (`_encoded_start`).
    """
    if isinstance(content, Shared) and (not content.rest or content.start.endswith("\r")):
        content = str(content)  # nothing of its own, or a CR LF cut in two: as a whole
    if isinstance(content, Shared):
        cte, encoded, left = _encoded_start(content.start)
        data = left + _utf8_crlf(content.rest)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        encoded += _b64_lines(data) if cte == b"base64" else _qp(data)
    else:
        cte, encoded = _encode(_utf8_crlf(content))
    return (
        b'Content-Type: text/' + subtype.encode("ascii") + b'; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: " + cte + b"\r\n\r\n" + encoded
    )


def _utf8_crlf(content: str) -> bytes:
    if "\r" in content:
        content = content.replace("\r\n", "\n").replace("\r", "\n")
    return content.replace("\n", CRLF).encode("utf-8")


def _encode(data: bytes) -> tuple[bytes, bytes]:
    """(transfer encoding, encoded text) of a whole part."""
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    limit = len(data) * 4 // 3 + len(data) // 38  # about base64's length
    non_ascii = 0 if data.isascii() else len(data) - len(data.translate(None, _NON_ASCII))
    qp = None
    if len(data) + 2 * non_ascii <= limit:
        qp = _qp(data)
    if qp is not None and len(qp) <= limit:  # not longer than base64
        return b"quoted-printable", qp
    return b"base64", _b64_lines(data)


def _b64_lines(data: bytes) -> bytes:
    b64 = binascii.b2a_base64(data, newline=False)
    return b"\r\n".join(_B64_LINES.findall(b64)) + b"\r\n" if b64 else b""


@lru_cache(maxsize=64)
def _encoded_start(start: str) -> tuple[bytes, bytes, bytes]:
    """(transfer encoding, encoded text, bytes left over) of a shared start: as much
    of it as encodes the same whatever follows, and the rest of it raw. Base64
    turns each 57 bytes into one 76-character line; quoted-printable encodes
    each line on its own (its soft breaks start again after a hard one)."""
    data = _utf8_crlf(start)
    cte, _ = _encode(data)
    if cte == b"base64":
        cut = len(data) // 57 * 57
        return cte, _b64_lines(data[:cut]), data[cut:]
    cut = data.rfind(b"\r\n") + 2 if b"\r\n" in data else 0  # after the last line end
    # Rendered HTML is mostly one long line: better, the last soft line break,
    # where the encoder starts a new output line in the middle of an input one.
    # It looks one byte ahead and treats the last byte apart, so the cut is
    # taken only where encoding with any ending gives the same bytes.
    encoded = _qp(data)
    soft = len(encoded)
    for _ in range(3):  # the last soft breaks, latest first
        soft = encoded.rfind(b"=\r\n", 0, soft)
        if soft <= 0:
            break
        before = encoded[:soft]
        breaks, escapes = before.count(b"=\r\n"), before.count(b"=")
        at = len(before) - 2 * (escapes - breaks) - 3 * breaks  # input bytes behind it ("=XX" is one)
        if at <= cut:
            break
        head = _qp(data[:at]) + b"=\r\n"
        if at < len(data) - 1 and all(head + _qp(data[at:] + end) == _qp(data + end) for end in _ENDINGS):
            return cte, head, data[at:]
    return cte, _qp(data[:cut]), data[cut:]


# What may follow a shared start, to check a cut against (`_encoded_start`).
_ENDINGS = (b"\r\n", b" \r\n", b".\r\n", b"=\r\n", b"\xd0\xb6\r\n", b"x" * 80 + b"\r\n", b"\t \r\n")


def _qp(data: bytes) -> bytes:
    return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
