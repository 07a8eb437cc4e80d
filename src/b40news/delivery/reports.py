"""Reading a bounce or a complaint: what one message reports, before any lookup.

Plain Python (the stdlib's email parser and flufl.bounce), no Django.

- **Complaints**: ``multipart/report; report-type=feedback-report`` (ARF, RFC
  5965) with ``Feedback-Type`` ``abuse`` or ``fraud``. The complained-of
  recipient is the report's ``Original-Rcpt-To`` or ``Removal-Recipient``;
  the report's own ``From``/``Sender`` say which feedback loop sent it.
- **Bounces**: flufl.bounce (Mailman's detectors: RFC 3464 DSNs and sixteen
  non-standard formats: qmail, Exim, Exchange, Yahoo, GroupWise…) says which
  recipients failed permanently and which only temporarily, exactly as it
  does for Mailman. RFC 6533 internationalised DSNs, which flufl does not
  read, are read here. For each failed recipient the enhanced status code
  (``5.1.1``) and the SMTP reply code are taken from its DSN block, else from
  the diagnostic text near the address: `scoring.classify` turns them into
  hard, permanent, soft or policy.
- Anything else (auto-replies, people answering the bounce address) is
  ignored.

Which ledger row a report is about: the VERP token of the address it was
sent to (``To``, ``Delivered-To``, ``X-Original-To`` and the like, or the
original's ``Return-Path``, Postfix's ``X-Postfix-Sender``, ARF's
``Original-Mail-From``): ``bounces+d42.<mac>@`` (``Token``), and the original
message's Message-ID. Both are checked against the database in `bounces.py`;
this module only finds them.
"""

from __future__ import annotations

import email
import email.policy
import re
import unicodedata
from dataclasses import dataclass, replace
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses

import flufl.bounce

COMPLAINT_TYPES = frozenset({"abuse", "fraud"})
# Headers a report's own recipient may be in, as written by the MTA that delivered it.
RECIPIENT_HEADERS = ("To", "Delivered-To", "X-Original-To", "X-Envelope-To", "Envelope-To", "X-Delivered-To")
_ENHANCED = re.compile(r"(?<![\d.])([45])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
# An SMTP reply code where a diagnostic quotes one: "550 5.1.1", "said: 550-…", "(#5.1.1)" has none.
_REPLY = re.compile(r"(?:^|(?<=[\s:;\"'\[]))(4[25]\d|5[0-5]\d)(?=[\s:-]|$)", re.MULTILINE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")
_MESSAGE_ID_LINE = re.compile(r"(?im)^\s*Message-ID:\s*(<[^<>\s]+@[^<>\s]+>)")
_ORIGINAL_PARTS = ("message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers",
                   "message/global-headers")


def status_in(text: str) -> tuple[str, int | None]:
    """The first enhanced status code and SMTP reply code in a diagnostic: ``("5.1.1", 550)``."""
    enhanced = _ENHANCED.search(text or "")
    reply = _REPLY.search(text or "")
    return (enhanced.group(0) if enhanced else ""), (int(reply.group(1)) if reply else None)


def same_mailbox(a: str, b: str) -> bool:
    """Two spellings of one mailbox (case of the local part and domain, IDN or punycode)."""
    return _key(a) == _key(b) and bool(_key(a))


def _key(address: str) -> str:
    local, at, domain = unicodedata.normalize("NFC", address.strip().strip("<>")).rpartition("@")
    if not at:
        return ""
    try:
        domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        pass
    return f"{local.casefold()}@{domain.lower().rstrip('.')}"


@dataclass(frozen=True)
class Token:
    """A VERP token found in an address: ``d42.<mac>`` -> ("d", 42, "<mac>"); unsigned: mac ""."""

    kind: str  # "d" a delivery, "n" a notice
    row_id: int
    mac: str


@dataclass(frozen=True)
class Failure:
    """One recipient a bounce reports."""

    address: str
    permanent: bool  # as flufl.bounce decides (a DSN's failed action; a non-standard format's wording)
    status: str = ""  # "5.1.1"
    code: int | None = None  # the SMTP reply code
    text: str = ""  # the diagnostic

    def detail(self) -> str:
        what = f"{'failed' if self.permanent else 'delayed'} {self.status}".strip()
        return f"{what}: {self.text} (for {self.address})" if self.text else f"{what} (for {self.address})"


@dataclass(frozen=True)
class Report:
    kind: str  # "bounce" | "delayed" | "complaint" | "ignored"
    tokens: tuple[Token, ...] = ()
    message_ids: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()  # a bounce's recipients, permanent ones first
    recipients: tuple[str, ...] = ()  # a complaint's Original-Rcpt-To / Removal-Recipient
    senders: tuple[str, ...] = ()  # the report's own From and Sender
    feedback_type: str = ""
    detail: str = ""
    reason: str = ""  # why it is ignored
    label: str = ""  # the report's own Message-ID or Subject

    @property
    def reported(self) -> tuple[str, ...]:
        """Every recipient the report names."""
        return tuple(f.address for f in self.failures) + self.recipients


def read_report(raw: bytes, bounce_address: str) -> Report:
    """What ``raw`` reports about mail sent from ``bounce_address`` (VERP-extended)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    label = _one_line(message.get("Message-ID") or message.get("Subject") or "(no Message-ID)")
    senders = tuple(address for _name, address in getaddresses(
        [_one_line(v) for name in ("From", "Sender") for v in message.get_all(name, [])]) if address)
    candidates = [value for name in RECIPIENT_HEADERS for value in message.get_all(name, [])]
    # The report's own parts with their content types (each read once: the default policy parses
    # a header at every access), never those inside the returned original.
    parts = _parts(message)
    text = _diagnostic_text(parts)
    original = _original_headers(parts)
    if original is not None:
        candidates += original.get_all("Return-Path", [])
    message_ids = _message_ids(original, text)
    feedback_part = _first(parts, ("message/feedback-report",))
    if feedback_part is not None:
        fields = _fields(feedback_part)
        feedback = fields[0] if fields else Message()
        candidates += feedback.get_all("Original-Mail-From", [])
        found = _feedback(feedback)
    else:
        status_part = _first(parts, ("message/delivery-status", "message/global-delivery-status"))
        fields = _fields(status_part) if status_part is not None else []
        if fields:
            candidates += [value.partition(";")[2] for value in fields[0].get_all("X-Postfix-Sender", [])]
        found = _bounce(raw, parts[0][1], text, [_Block.read(block) for block in fields[1:]])
    return replace(found, tokens=verp_tokens(candidates, bounce_address), message_ids=message_ids,
                   senders=senders, label=label)


# -- bounces ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """One per-recipient block of a delivery status report."""

    action: str
    status: str
    code: int | None
    text: str
    addresses: tuple[str, ...]  # Final-Recipient, Original-Recipient, X-Actual-Recipient

    @classmethod
    def read(cls, block: Message) -> "_Block":
        value = _one_line(block.get("Diagnostic-Code", ""))
        kind, _sep, text = value.partition(";") if ";" in value else ("", "", value)
        kind, text = kind.strip().lower(), text.strip()
        status = _ENHANCED.search(str(block.get("Status", ""))) or _ENHANCED.search(text)
        specific = _ENHANCED.search(text)  # "Status: 5.0.0" over "550-5.7.1 …": the diagnostic says more
        if status and specific and status.group(2) == "0" and specific.group(1) == status.group(1):
            status = specific
        reply = re.match(r"\s*([245]\d\d)\b", text) if kind in ("smtp", "") else None
        addresses = tuple(
            _one_line(v).partition(";")[2].strip().strip("<>")
            for name in ("Final-Recipient", "Original-Recipient", "X-Actual-Recipient")
            for v in block.get_all(name, []))
        return cls(_one_line(block.get("Action", "")).lower(), status.group(0) if status else "",
                   int(reply.group(1)) if reply else None, text, tuple(a for a in addresses if a))


def _bounce(raw: bytes, content_type: str, text: str, blocks: list[_Block]) -> Report:
    compat = email.message_from_bytes(raw)  # flufl.bounce's detectors expect the compat32 API
    try:
        temporary, permanent = flufl.bounce.all_failures(compat)
    except Exception:  # a detector tripping over a malformed message: then only the DSN blocks count
        temporary, permanent = frozenset(), frozenset()
    failures = [_failure(a.decode("ascii", "replace"), True, blocks, text) for a in sorted(permanent)]
    failures += [_failure(a.decode("ascii", "replace"), False, blocks, text) for a in sorted(temporary)
                 if a not in permanent]
    # What flufl.bounce does not read: addresses that are not ASCII (it skips them), RFC 6533 (UTF-8)
    # delivery status, a DSN whose blocks only we found.
    for block in blocks:
        if block.action.startswith(("fail", "delayed")) and block.addresses:
            address = block.addresses[0]
            if (failures and address.isascii()) or any(same_mailbox(address, f.address) for f in failures):
                continue
            failures.append(Failure(address, block.action.startswith("fail"), block.status, block.code,
                                    block.text))
    if not failures:
        if blocks:
            actions = ", ".join(sorted({b.action or "none" for b in blocks}))
            return Report("ignored", reason=f"a delivery status report of action {actions}: not a failure")
        return Report("ignored",
                      reason=f"not a bounce flufl.bounce recognises, nor a feedback report ({content_type})")
    failures.sort(key=lambda f: not f.permanent)
    first = failures[0]
    return Report("bounce" if first.permanent else "delayed", failures=tuple(failures), detail=first.detail())


def _failure(address: str, permanent: bool, blocks: list[_Block], text: str) -> Failure:
    for block in blocks:
        if any(same_mailbox(address, other) for other in block.addresses):
            return Failure(address, permanent, block.status, block.code, block.text)
    # A non-standard bounce: the codes nearest after the address, else the first anywhere.
    at = text.lower().find(address.lower())
    near = text[at:at + 600] if at >= 0 else ""
    status, code = status_in(near)
    if not status and not code:
        status, code = status_in(text)
    snippet = _one_line(near or text)[:300]
    return Failure(address, permanent, status, code, snippet)


def _diagnostic_text(parts: list[tuple[Message, str]]) -> str:
    """The human-readable parts of a bounce, without the returned original."""
    texts = []
    for part, content_type in parts:
        if content_type.startswith("text/") and content_type != "text/rfc822-headers":
            try:
                payload = part.get_payload(decode=True) or b""
                texts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
            except (LookupError, ValueError):  # an unknown charset, a broken part
                continue
    return "\n".join(texts)


# -- complaints ---------------------------------------------------------------------


def _feedback(fields: Message) -> Report:
    kind = _one_line(fields.get("Feedback-Type", "")).lower()
    if kind not in COMPLAINT_TYPES:
        return Report("ignored", reason=f"a feedback report of type {kind or 'none'!r}: not a complaint")
    source = _one_line(fields.get("Reporting-MTA", "") or fields.get("User-Agent", "")).partition(";")
    reporter = (source[2] or source[0]).strip()
    recipients = tuple(address for _name, address in getaddresses(
        [_one_line(v) for name in ("Original-Rcpt-To", "Removal-Recipient") for v in fields.get_all(name, [])])
        if address)
    detail = f"{kind} report" + (f" from {reporter}" if reporter else "")
    return Report("complaint", recipients=recipients, feedback_type=kind, detail=detail)


# -- the parts of a report ------------------------------------------------------------


def _parts(message: Message) -> list[tuple[Message, str]]:
    """Every part of the report and its content type, in order, not descending into a returned message."""
    found = []

    def walk(part: Message) -> None:
        content_type = part.get_content_type()
        found.append((part, content_type))
        if content_type in _ORIGINAL_PARTS:
            return
        if part.is_multipart():
            for sub in part.get_payload():
                if isinstance(sub, Message):
                    walk(sub)

    walk(message)
    return found


def _first(parts: list[tuple[Message, str]], content_types: tuple[str, ...]) -> Message | None:
    return next((part for part, content_type in parts if content_type in content_types), None)


def _fields(part: Message) -> list[Message]:
    """The header blocks of a ``message/delivery-status`` (or feedback) part."""
    payload = part.get_payload()
    if isinstance(payload, list):  # message/delivery-status: the parser split the blocks
        blocks = [block for block in payload if isinstance(block, Message)]
        if len(blocks) == 1 and not blocks[0].is_multipart():  # other message/*: one block and a body
            blocks += _blocks(blocks[0].get_payload(decode=True) or b"")
        return blocks
    return _blocks(part.get_payload(decode=True) or b"")


def _blocks(data: bytes) -> list[Message]:
    parser = HeaderParser(policy=email.policy.default)
    text = data.decode("utf-8", "replace")
    return [parser.parsestr(block) for block in re.split(r"\r?\n[ \t]*\r?\n", text) if block.strip()]


def _original_headers(parts: list[tuple[Message, str]]) -> Message | None:
    for part, content_type in parts:
        if content_type in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                return inner[0]
        elif content_type in ("text/rfc822-headers", "message/rfc822-headers", "message/global-headers"):
            text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
            return HeaderParser(policy=email.policy.default).parsestr(text)
    return None


def _message_ids(original: Message | None, text: str) -> tuple[str, ...]:
    """The original's Message-ID: from its returned headers, else from a text that quotes it."""
    found = _MESSAGE_ID.findall(" ".join(original.get_all("Message-ID", []))) if original is not None else []
    if not found:
        found = _MESSAGE_ID_LINE.findall(text)
    return tuple(dict.fromkeys(found))


def verp_tokens(values: list[str], bounce_address: str) -> tuple[Token, ...]:
    """The VERP tokens of our bounce address among ``values`` (addresses, as headers hold them)."""
    local, _at, domain = bounce_address.rpartition("@")
    pattern = re.compile(rf"{re.escape(local)}\+(?:([dn])(\d{{1,18}})\.([a-z2-7]{{16}})|(n?)(\d{{1,18}}))",
                         re.IGNORECASE)
    tokens = []
    for _name, address in getaddresses([_one_line(value) for value in values]):
        address_local, _at, address_domain = address.rpartition("@")
        match = pattern.fullmatch(address_local)
        if match and address_domain.lower().rstrip(".") == domain.lower():
            if match.group(1):
                tokens.append(Token(match.group(1).lower(), int(match.group(2)), match.group(3).lower()))
            else:  # the unsigned form b40news used before: ``bounces+42@``, ``bounces+n7@``
                tokens.append(Token(match.group(4).lower() or "d", int(match.group(5)), ""))
    return tuple(dict.fromkeys(tokens))


def _one_line(value) -> str:
    return " ".join(str(value).split())
