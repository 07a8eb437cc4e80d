"""Bounces and complaints back into the ledger: DSNs (RFC 3464) and ARF (RFC 5965).

``read_notice`` says what one message reports, without the database:

- ``multipart/report; report-type=delivery-status``: per recipient an
  ``Action`` and a ``Status``. ``failed`` with a 5.x.x status is a permanent
  failure (``bounce``); ``delayed``, or ``failed`` with a 4.x.x status (the
  relay gave up on this message, the address may be fine), is ``delayed``;
  ``delivered``/``relayed``/``expanded`` reports are ignored.
- ``multipart/report; report-type=feedback-report`` with ``Feedback-Type``
  ``abuse`` or ``fraud``: a ``complaint``.
- anything else (auto-replies, people answering the bounce address): ignored.

The delivery is named by the VERP envelope sender ``bounces+<id>@domain`` the
notice was sent to (``To``, ``Delivered-To``, ``X-Original-To``, the envelope
headers a local delivery agent adds), or the one it reports on (the original's
``Return-Path``, ARF's ``Original-Mail-From``); the original's ``Message-ID``
(in the attached ``message/rfc822`` or ``text/rfc822-headers``) is the
fallback, and a cross-check: a VERP address and a Message-ID that name
different deliveries make the notice ignored rather than trusted.

``process_message`` applies a notice (bounce: the row becomes ``bounced`` and
the address is suppressed as a hard bounce; complaint: suppressed as a
complaint and unsubscribed from every list; delayed: the row's ``last_error``
only). Every step is conditional on the state it changes, so processing the
same notice twice changes nothing more. The ``bounces`` command reads them
from a Maildir or an IMAP folder.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field, replace
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from b40news.delivery import ledger
from b40news.delivery.composer import NOTICE_VERP_PREFIX
from b40news.delivery.models import Delivery, Suppression
from b40news.delivery.models import Notice as NoticeRow
from b40news.network.models import Subscription

State = Delivery.State
COMPLAINT_TYPES = frozenset({"abuse", "fraud"})
# Headers a notice's own recipient may be in, as written by the MTA that delivered it.
RECIPIENT_HEADERS = ("To", "Delivered-To", "X-Original-To", "X-Envelope-To", "Envelope-To", "X-Delivered-To")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_REPLY_CODE = re.compile(r"^\s*([245]\d\d)\b")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Notice:
    """What one message reports, before looking anything up."""

    kind: str  # "bounce" | "delayed" | "complaint" | "ignored"
    delivery_ids: tuple[int, ...] = ()  # from VERP addresses, in the order found
    notice_ids: tuple[int, ...] = ()  # VERP addresses of notices (confirmations, tests): ``bounces+n7@``
    message_ids: tuple[str, ...] = ()  # the original's Message-ID(s)
    status: str = ""  # "5.1.1"; the Feedback-Type for a complaint
    code: int | None = None  # the SMTP reply code of the Diagnostic-Code
    detail: str = ""  # for the row's last_error and the suppression
    reason: str = ""  # why it is ignored
    label: str = ""  # the notice's own Message-ID or Subject, for the report


@dataclass(frozen=True)
class Result:
    kind: str  # "bounced" | "complaint" | "delayed" | "ignored"
    label: str
    delivery_id: int | None = None
    email: str = ""
    detail: str = ""
    changed: bool = False  # False: already recorded (or ignored)


@dataclass
class Tally:
    bounced: int = 0
    complaints: int = 0
    delayed: int = 0
    ignored: int = 0
    unchanged: int = 0  # recognised, but already recorded before
    results: list[Result] = field(default_factory=list)

    def add(self, result: Result) -> None:
        self.results.append(result)
        name = {"bounced": "bounced", "complaint": "complaints", "delayed": "delayed"}.get(result.kind, "ignored")
        setattr(self, name, getattr(self, name) + 1)
        if result.kind != "ignored" and not result.changed:
            self.unchanged += 1

    def summary(self) -> str:
        return (
            f"bounced {self.bounced}, complaints {self.complaints}, delayed {self.delayed}, "
            f"ignored {self.ignored} (already recorded: {self.unchanged})"
        )


# -- reading a notice (plain Python) ----------------------------------------------


def read_notice(raw: bytes, bounce_address: str) -> Notice:
    """What ``raw`` reports about mail sent from ``bounce_address`` (VERP-extended)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    label = _one_line(message.get("Message-ID") or message.get("Subject") or "(no Message-ID)")
    report = _report_part(message)
    if report is None:
        kind = message.get_content_type()
        return Notice("ignored", label=label, reason=f"not a delivery or feedback report ({kind})")
    report_type = (report.get_param("report-type") or "").lower()
    original = _original_headers(report)
    candidates = [value for name in RECIPIENT_HEADERS for value in message.get_all(name, [])]
    if original is not None:
        candidates += original.get_all("Return-Path", [])
    message_ids = _message_ids(original)
    if report_type == "delivery-status":
        fields = _fields(report, ("message/delivery-status", "message/global-delivery-status"))
        if len(fields) > 0:
            candidates += [value.partition(";")[2] for value in fields[0].get_all("X-Postfix-Sender", [])]
        notice = _delivery_status(fields[1:])
    elif report_type == "feedback-report":
        fields = _fields(report, ("message/feedback-report",))
        feedback = fields[0] if fields else Message()
        candidates += feedback.get_all("Original-Mail-From", [])
        notice = _feedback(feedback)
    else:
        notice = Notice("ignored", reason=f"a report of type {report_type or 'none'!r}")
    ids = _verp_ids(candidates, bounce_address)
    notice_ids = _verp_ids(candidates, bounce_address, prefix=NOTICE_VERP_PREFIX)
    return replace(notice, delivery_ids=ids, notice_ids=notice_ids, message_ids=message_ids, label=label)


def _report_part(message: Message) -> Message | None:
    """The message itself, or a part of it a gateway wrapped it in (never one inside an attachment)."""
    if message.get_content_type() == "multipart/report":
        return message
    if message.get_content_maintype() != "multipart" or not message.is_multipart():
        return None
    return next((part for part in message.get_payload() if part.get_content_type() == "multipart/report"), None)


@dataclass(frozen=True)
class _Recipient:
    """One per-recipient block of a delivery status report."""

    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # "5.1.1", from Status (or, lacking it, the diagnostic text)
    code: int | None  # the SMTP reply code of an smtp Diagnostic-Code
    text: str  # the diagnostic text
    address: str  # Final-Recipient

    @classmethod
    def read(cls, block: Message) -> "_Recipient":
        diagnostic_type, text = _diagnostic(block)
        status = _STATUS.search(str(block.get("Status", ""))) or _STATUS.search(text)
        reply = _REPLY_CODE.match(text) if diagnostic_type in ("smtp", "") else None
        return cls(
            action=_one_line(block.get("Action", "")).lower(),
            status=status.group(0) if status else "",
            code=int(reply.group(1)) if reply else None,
            text=text,
            address=_one_line(block.get("Final-Recipient", "")).partition(";")[2].strip(),
        )

    @property
    def permanent(self) -> bool:
        return (self.status or str(self.code or ""))[:1] == "5"

    def detail(self) -> str:
        detail = ": ".join(part for part in (f"{self.action} {self.status}".strip(), self.text) if part)
        return f"{detail} (for {self.address})" if self.address else detail


def _diagnostic(block: Message) -> tuple[str, str]:
    """``smtp; 550 5.1.1 …`` -> ("smtp", "550 5.1.1 …")."""
    value = _one_line(block.get("Diagnostic-Code", ""))
    kind, _, text = value.partition(";") if ";" in value else ("", "", value)
    return kind.strip().lower(), text.strip()


def _delivery_status(blocks: list[Message]) -> Notice:
    recipients = [_Recipient.read(block) for block in blocks]
    if not recipients:
        return Notice("ignored", reason="a delivery status report without recipients")
    failed = [r for r in recipients if r.action == "failed"]
    permanent = [r for r in failed if r.permanent]
    # Failed with a 4.x.x status: the relay gave up on this message; the address may be fine.
    transient = failed + [r for r in recipients if r.action == "delayed"]
    if permanent or transient:
        chosen = (permanent or transient)[0]
        kind = "bounce" if permanent else "delayed"
        return Notice(kind, status=chosen.status, code=chosen.code, detail=chosen.detail())
    actions = ", ".join(sorted({r.action or "none" for r in recipients}))
    return Notice("ignored", reason=f"a delivery status report of action {actions}: not a failure")


def _feedback(fields: Message) -> Notice:
    kind = _one_line(fields.get("Feedback-Type", "")).lower()
    if kind not in COMPLAINT_TYPES:
        return Notice("ignored", reason=f"a feedback report of type {kind or 'none'!r}: not a complaint")
    source = _one_line(fields.get("Reporting-MTA", "") or fields.get("User-Agent", "")).partition(";")
    reporter = (source[2] or source[0]).strip()
    detail = f"{kind} report" + (f" from {reporter}" if reporter else "")
    return Notice("complaint", status=kind, detail=detail)


def _fields(report: Message, content_types: tuple[str, ...]) -> list[Message]:
    """The header blocks of a ``message/delivery-status`` (or feedback) part."""
    part = next((p for p in report.get_payload() if p.get_content_type() in content_types), None)
    if part is None:
        return []
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


def _original_headers(report: Message) -> Message | None:
    for part in report.get_payload():
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                return inner[0]
        elif content_type in ("text/rfc822-headers", "message/rfc822-headers", "message/global-headers"):
            text = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
            return HeaderParser(policy=email.policy.default).parsestr(text)
    return None


def _message_ids(original: Message | None) -> tuple[str, ...]:
    if original is None:
        return ()
    return tuple(dict.fromkeys(_MESSAGE_ID.findall(" ".join(original.get_all("Message-ID", [])))))


def _verp_ids(values: list[str], bounce_address: str, prefix: str = "") -> tuple[int, ...]:
    local, _, domain = bounce_address.rpartition("@")
    pattern = re.compile(rf"{re.escape(local)}\+{re.escape(prefix)}(\d{{1,18}})", re.IGNORECASE)
    ids = []
    for _name, address in getaddresses([_one_line(value) for value in values]):
        address_local, _, address_domain = address.rpartition("@")
        match = pattern.fullmatch(address_local)
        if match and address_domain.lower().rstrip(".") == domain.lower():
            ids.append(int(match.group(1)))
    return tuple(dict.fromkeys(ids))


def _one_line(value) -> str:
    return " ".join(str(value).split())


# -- applying it --------------------------------------------------------------------


def process_message(raw: bytes, *, where: str = "") -> Result:
    """Read one message and record what it reports; safe to repeat.

    ``where`` (``"maildir KEY"``) starts the result's label, for the report.
    """
    try:
        notice = read_notice(raw, settings.BOUNCE_ADDRESS)
    except Exception as exc:  # a message no parser can read is reported, never fatal
        return Result("ignored", where or "(unreadable)", detail=f"unreadable: {type(exc).__name__}: {exc}")
    label = f"{where} {notice.label}".strip()
    if notice.kind == "ignored":
        return Result("ignored", label, detail=notice.reason)
    if notice.notice_ids and not notice.delivery_ids and notice.kind == "bounce":
        return _notice_bounce(notice, label)
    delivery, problem = _find_delivery(notice)
    if delivery is None:
        return Result("ignored", label, detail=problem)
    with transaction.atomic():
        if notice.kind == "bounce":
            changed = _bounce(delivery, notice)
        elif notice.kind == "complaint":
            changed = _complaint(delivery, notice)
        else:
            changed = bool(
                Delivery.objects.filter(pk=delivery.pk)
                .exclude(state=State.BOUNCED)
                .exclude(last_error=notice.detail[:2000])
                .update(last_error=notice.detail[:2000])
            )
    kind = {"bounce": "bounced"}.get(notice.kind, notice.kind)
    return Result(kind, label, delivery.pk, delivery.subscriber.email, notice.detail, changed)


def _notice_bounce(notice: Notice, label: str) -> Result:
    """A confirmation or test that bounced: the notice row records it, the address is suppressed."""
    rows = list(NoticeRow.objects.filter(pk__in=notice.notice_ids))
    if len(rows) != 1:
        return Result("ignored", label, detail=f"a bounce for no single known notice ({notice.notice_ids})")
    [row] = rows
    with transaction.atomic():
        changed = bool(NoticeRow.objects.filter(pk=row.pk).exclude(state=State.BOUNCED).update(
            state=State.BOUNCED, last_code=notice.code, last_error=notice.detail[:2000]))
        changed |= _suppress(row.email, Suppression.Reason.HARD_BOUNCE, notice.detail)
    return Result("bounced", label, None, row.email, notice.detail, changed)


def _find_delivery(notice: Notice) -> tuple[Delivery | None, str]:
    rows = Delivery.objects.select_related("subscriber")
    by_verp = list(rows.filter(pk__in=notice.delivery_ids))
    by_message_id = list(rows.filter(message_id__in=notice.message_ids)) if notice.message_ids else []
    found = {row.pk: row for row in by_verp + by_message_id}
    if len(found) > 1:
        return None, f"names several deliveries ({', '.join(map(str, sorted(found)))}): not trusted"
    if found:
        return next(iter(found.values())), ""
    named = [f"VERP id {', '.join(map(str, notice.delivery_ids))}"] if notice.delivery_ids else []
    named += [f"Message-ID {', '.join(notice.message_ids)}"] if notice.message_ids else []
    if named:
        return None, f"a {notice.kind} for no known delivery ({'; '.join(named)})"
    return None, f"a {notice.kind} that names no delivery (no VERP address, no original Message-ID)"


def _bounce(delivery: Delivery, notice: Notice) -> bool:
    updated = (
        Delivery.objects.filter(pk=delivery.pk)
        .exclude(state=State.BOUNCED)
        .update(
            state=State.BOUNCED, bounced_at=timezone.now(), last_code=notice.code, last_error=notice.detail[:2000]
        )
    )
    return bool(updated) | _suppress(delivery.subscriber.email, Suppression.Reason.HARD_BOUNCE, notice.detail)


def _complaint(delivery: Delivery, notice: Notice) -> bool:
    email_address = delivery.subscriber.email
    changed = _suppress(email_address, Suppression.Reason.COMPLAINT, notice.detail)
    # A complaint outranks an earlier hard bounce or unsubscription on record.
    changed |= bool(
        Suppression.objects.filter(email=email_address)
        .exclude(reason=Suppression.Reason.COMPLAINT)
        .update(reason=Suppression.Reason.COMPLAINT, detail=notice.detail[:2000])
    )
    changed |= bool(
        Subscription.objects.filter(subscriber_id=delivery.subscriber_id)
        .exclude(status=Subscription.Status.UNSUBSCRIBED)
        .update(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    )
    return changed


def _suppress(email_address: str, reason: str, detail: str) -> bool:
    """Suppress the address (the ledger's way); True if it was not suppressed before."""
    before = Suppression.objects.filter(email=email_address).exists()
    ledger.suppress([email_address], reason, detail)
    return not before
