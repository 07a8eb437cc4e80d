"""Bounces and complaints back into the ledger: only those that prove where they come from.

`reports.read_report` says what a message reports (flufl.bounce for the
bounce formats, RFC 5965 for complaints); `process_message` decides whether
to believe it and what to do:

1. **A complaint** is heard only from a configured feedback loop: the
   report's ``From`` or ``Sender`` is an address or inside a domain listed
   in ``B40NEWS_FEEDBACK_LOOPS``. Anyone can write an ARF report.
2. **The ledger row**: a VERP token (``bounces+d42.<mac>@``) must verify for
   that row and its recipient (`composer.verp_verifies`); the unsigned form
   b40news used before (``bounces+42@``) and tokens that do not verify are
   forged. The original's Message-ID (secret-salted, so unguessable) finds a
   row too, when a relay bounced to the plain address; a token and a
   Message-ID that name different rows make the report untrusted.
3. **The recipient**: the report must name the row's own address (a DSN's
   ``Final-Recipient``/``Original-Recipient``, the address flufl.bounce found,
   ARF's ``Original-Rcpt-To``/``Removal-Recipient``). A report naming another
   address, or none (a feedback loop that redacts it), is unmatched.

Reports that fail any step change nothing: they are kept as ``MailReport``
rows (``forged``, ``unmatched``), logged and counted in the tally. Those that
pass:

- a permanent failure marks the row ``bounced`` and scores the address
  (`scoring`: 5.1.x suppresses, other failures when they repeat, 5.7.x never:
  it is kept as a ``policy`` report, the admin's deliverability problem);
- a complaint unsubscribes the recipient from the list of that delivery only
  (a complaint about a confirmation or test is kept, nothing to leave);
- a delay warning only notes the row's ``last_error``.

Every change is conditional on the row's state, so the same report twice
changes nothing more and scores once. The ``bounces`` command reads them from
a Maildir or an IMAP folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from b40news.delivery import composer, scoring
from b40news.delivery.models import Delivery, MailReport, Notice
from b40news.delivery.reports import Failure, Report, read_report, same_mailbox
from b40news.network.models import Subscription

State = Delivery.State
Verdict = MailReport.Verdict
Source = MailReport.Source


@dataclass(frozen=True)
class Result:
    kind: str  # "bounced" | "policy" | "complaint" | "delayed" | "forged" | "unmatched" | "ignored"
    label: str
    delivery_id: int | None = None
    email: str = ""
    detail: str = ""
    changed: bool = False  # False: already recorded, or nothing done
    notice_id: int | None = None
    verdict: str = ""  # hard, permanent, soft, policy… (see `scoring`)
    suppressed: bool = False


@dataclass
class Tally:
    bounced: int = 0
    policy: int = 0  # refused for policy (5.7.x): a deliverability problem, nobody suppressed
    complaints: int = 0
    delayed: int = 0
    forged: int = 0
    unmatched: int = 0
    ignored: int = 0
    unchanged: int = 0  # believed, but already recorded before
    results: list[Result] = field(default_factory=list)

    def add(self, result: Result) -> None:
        self.results.append(result)
        name = {"bounced": "bounced", "policy": "policy", "complaint": "complaints", "delayed": "delayed",
                "forged": "forged", "unmatched": "unmatched"}.get(result.kind, "ignored")
        setattr(self, name, getattr(self, name) + 1)
        if result.kind in ("bounced", "policy", "complaint", "delayed") and not result.changed:
            self.unchanged += 1

    def summary(self) -> str:
        return (
            f"bounced {self.bounced}, complaints {self.complaints}, delayed {self.delayed}, "
            f"policy {self.policy}, forged {self.forged}, unmatched {self.unmatched}, "
            f"ignored {self.ignored} (already recorded: {self.unchanged})"
        )


@dataclass(frozen=True)
class _Row:
    """The ledger row a report names: a delivery or a notice, and the address it went to."""

    kind: str  # composer.DELIVERY_VERP_PREFIX or NOTICE_VERP_PREFIX
    obj: Delivery | Notice
    email: str
    ascii_email: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return self.kind, self.obj.pk


def process_message(raw: bytes, *, where: str = "") -> Result:
    """Read one message and record what it reports, if it can be believed; safe to repeat.

    ``where`` (``"maildir KEY"``) starts the result's label, for the report.
    """
    try:
        report = read_report(raw, settings.BOUNCE_ADDRESS)
    except Exception as exc:  # a message no parser can read is reported, never fatal
        return Result("ignored", where or "(unreadable)", detail=f"unreadable: {type(exc).__name__}: {exc}")
    label = f"{where} {report.label}".strip()
    if report.kind == "ignored":
        return Result("ignored", label, detail=report.reason)
    source = Source.ARF if report.kind == "complaint" else Source.DSN
    if report.kind == "complaint" and not from_feedback_loop(report.senders):
        senders = ", ".join(report.senders) or "nobody"
        return _refused(source, Verdict.FORGED, label, None, f"a complaint from {senders}: not a configured "
                        "feedback loop (B40NEWS_FEEDBACK_LOOPS)")
    row, verdict, problem = _authenticate(report)
    if row is None:
        return _refused(source, verdict, label, None, problem)
    if not any(same_mailbox(named, mine) for named in report.reported for mine in (row.email, row.ascii_email)
               if mine):
        named = ", ".join(report.reported) or "no recipient"
        return _refused(source, Verdict.UNMATCHED, label, row,
                        f"the report names {named}, not the address this message was sent to")
    if report.kind == "complaint":
        return _complaint(row, report, label)
    failure = next(f for f in report.failures if same_mailbox(f.address, row.email)
                   or (row.ascii_email and same_mailbox(f.address, row.ascii_email)))
    if not failure.permanent:
        return _delayed(row, failure, label)
    return _bounce(row, failure, label)


def from_feedback_loop(senders: tuple[str, ...]) -> bool:
    """Whether one of the report's From/Sender addresses is a configured feedback loop."""
    for sender in senders:
        address = sender.strip().lower()
        domain = address.rpartition("@")[2].rstrip(".")
        for entry in settings.FEEDBACK_LOOPS:
            entry = entry.strip().lower().lstrip("@")
            if address == entry if "@" in entry else (domain == entry or domain.endswith("." + entry)):
                return True
    return False


def _authenticate(report: Report) -> tuple[_Row | None, str, str]:
    """(the row, "", "") or (None, verdict, why not)."""
    found: dict[tuple[str, int], _Row] = {}
    problems = []
    for token in report.tokens:
        if not token.mac:  # nothing to look up: no row is named by an unsigned address any more
            problems.append(f"an unsigned VERP address (+{token.kind}{token.row_id})")
            continue
        row = _load(token.kind, token.row_id)
        if row is None or not composer.verp_verifies(token.kind, token.row_id, token.mac, row.email):
            problems.append(f"a VERP token that does not verify (+{token.kind}{token.row_id}.{token.mac})")
        else:
            found[row.key] = row
    if report.message_ids:
        ids = list(report.message_ids)
        for delivery in Delivery.objects.select_related("subscriber").filter(message_id__in=ids):
            row = _delivery_row(delivery)
            found[row.key] = row
        for notice in Notice.objects.filter(message_id__in=ids):
            found[(composer.NOTICE_VERP_PREFIX, notice.pk)] = _Row(composer.NOTICE_VERP_PREFIX, notice, notice.email)
    if len(found) > 1:
        names = ", ".join(f"{kind}{pk}" for kind, pk in sorted(found))
        return None, Verdict.UNMATCHED, f"names several ledger rows ({names}): not trusted"
    if found:
        row = next(iter(found.values()))
        if not row.email:
            return None, Verdict.UNMATCHED, "the row's recipient was erased"
        return row, "", ""
    if problems:
        return None, Verdict.FORGED, "; ".join(problems)
    named = f"Message-ID {', '.join(report.message_ids)}" if report.message_ids else "no VERP address, no Message-ID"
    return None, Verdict.UNMATCHED, f"a {report.kind} for no known message ({named})"


def _load(kind: str, row_id: int) -> _Row | None:
    if kind == composer.NOTICE_VERP_PREFIX:
        notice = Notice.objects.filter(pk=row_id).first()
        return _Row(kind, notice, notice.email) if notice is not None else None
    delivery = Delivery.objects.select_related("subscriber").filter(pk=row_id).first()
    return _delivery_row(delivery) if delivery is not None else None


def _delivery_row(delivery: Delivery) -> _Row:
    subscriber = delivery.subscriber
    return _Row(composer.DELIVERY_VERP_PREFIX, delivery, subscriber.email if subscriber else "",
                subscriber.ascii_email if subscriber else "")


def _links(row: _Row) -> dict:
    is_delivery = row.kind == composer.DELIVERY_VERP_PREFIX
    return {"delivery": row.obj if is_delivery else None, "notice": None if is_delivery else row.obj}


def _result(kind: str, label: str, row: _Row, detail: str, changed: bool, **extra) -> Result:
    is_delivery = row.kind == composer.DELIVERY_VERP_PREFIX
    return Result(kind, label, row.obj.pk if is_delivery else None, row.email, detail, changed,
                  None if is_delivery else row.obj.pk, **extra)


def _refused(source: str, verdict: str, label: str, row: _Row | None, problem: str) -> Result:
    scoring.report(source, verdict, email=row.email if row else "", detail=problem, label=label,
                   **(_links(row) if row else {}))
    kind = "forged" if verdict == Verdict.FORGED else "unmatched"
    return Result(kind, label, detail=problem, verdict=verdict)


def _bounce(row: _Row, failure: Failure, label: str) -> Result:
    verdict = scoring.classify(failure.status, failure.code, permanent=True)
    detail = failure.detail()
    with transaction.atomic():
        model = type(row.obj)
        fields = {"state": State.BOUNCED, "last_code": failure.code, "last_error": detail[:2000]}
        if model is Delivery:
            fields["bounced_at"] = timezone.now()
        changed = bool(model.objects.filter(pk=row.obj.pk).exclude(state=State.BOUNCED).update(**fields))
        scored = None
        if changed and verdict != Verdict.POLICY:
            scored = scoring.score(row.email, verdict, status=failure.status, detail=detail)
        if changed:
            scoring.report(Source.DSN, verdict, email=row.email, status=failure.status, code=failure.code,
                           detail=detail, label=label, acted=True, **_links(row))
    kind = "policy" if verdict == Verdict.POLICY else "bounced"
    return _result(kind, label, row, detail, changed, verdict=verdict,
                   suppressed=bool(scored and scored.suppressed))


def _delayed(row: _Row, failure: Failure, label: str) -> Result:
    detail = failure.detail()[:2000]
    changed = bool(type(row.obj).objects.filter(pk=row.obj.pk).exclude(state=State.BOUNCED)
                   .exclude(last_error=detail).update(last_error=detail))
    return _result("delayed", label, row, detail, changed, verdict=Verdict.DELAYED)


def _complaint(row: _Row, report: Report, label: str) -> Result:
    from b40news.network import subscriptions

    changed = False
    detail = report.detail
    with transaction.atomic():
        if row.kind == composer.DELIVERY_VERP_PREFIX:
            delivery = row.obj
            subscription = Subscription.objects.filter(
                subscriber_id=delivery.subscriber_id, mailing_list_id=delivery.mailing_list_id).first()
            if subscription is not None:
                changed = subscriptions.unsubscribe(subscription)
            detail = f"{detail}: unsubscribed from {delivery.mailing_list.slug}"
        else:
            detail = f"{detail} about a {row.obj.kind} (not list mail: nothing to leave)"
            changed = not MailReport.objects.filter(notice=row.obj, verdict=Verdict.COMPLAINT).exists()
        if changed:
            scoring.report(Source.ARF, Verdict.COMPLAINT, email=row.email, detail=detail, label=label,
                           acted=row.kind == composer.DELIVERY_VERP_PREFIX, **_links(row))
    return _result("complaint", label, row, detail, changed, verdict=Verdict.COMPLAINT)
