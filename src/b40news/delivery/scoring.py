"""Which failures cost a subscriber their place, and which are ours to fix.

`classify` reads the enhanced status code (RFC 3463) first, the SMTP reply
code second:

- ``hard``: 5.1.x, the address itself is bad (no such user, no such domain,
  moved). Adds the whole BOUNCE_HARD_THRESHOLD: suppressed at once.
- ``permanent``: any other 5.x.x (5.2.1 disabled, 5.4.x routing, a 5xx with no
  enhanced code…). Adds 1: suppressed when it repeats up to the threshold
  (3 by default).
- ``soft``: 4.x.x, 5.2.2 (mailbox full), 5.2.3 and 5.3.4 (our message too
  large). Counts at most once a day; every BOUNCE_SOFT_THRESHOLD (5) such days
  add 1 to the hard score, so a mailbox full for weeks goes in the end, a full
  one on one day never does.
- ``policy``: 5.7.x, refused for policy (spam filtering, reputation, DMARC,
  relaying denied). The subscriber did nothing wrong: nothing is scored, the
  report is kept for the admin (admin → Mail reports, `status`, the command's
  output) as a deliverability problem.

Scores decay as Mailman's do: an address with no bounce for BOUNCE_DECAY_DAYS
starts from zero. The same rules hold for a report in the bounce mailbox and
for a refusal at RCPT while sending (`ledger.Outcome`, `notices.send`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from b40news.delivery import suppressions
from b40news.delivery.models import BounceScore, MailReport, Suppression

log = logging.getLogger(__name__)
Verdict = MailReport.Verdict
_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_REPLY = re.compile(r"(?<![\d.])([245]\d\d)(?![\d.])")
SOFT_STATUSES = frozenset({"5.2.2", "5.2.3", "5.3.4"})


def status_in(text: str) -> tuple[str, int | None]:
    """The first enhanced status code and SMTP reply code in a diagnostic: ("5.1.1", 550)."""
    enhanced = _ENHANCED.search(text or "")
    reply = _REPLY.search(text or "")
    return (enhanced.group(0) if enhanced else ""), (int(reply.group(1)) if reply else None)


def classify(status: str, code: int | None, *, permanent: bool = True) -> str:
    """``hard``, ``permanent``, ``soft`` or ``policy`` (see the module docstring)."""
    if status:
        klass, subject, _detail = status.split(".")
        if klass == "5":
            if subject == "1":
                return Verdict.HARD
            if subject == "7":
                return Verdict.POLICY
            return Verdict.SOFT if status in SOFT_STATUSES else Verdict.PERMANENT
        if klass == "4":
            return Verdict.SOFT
    if code is not None and 400 <= code < 600:
        if code >= 500:
            return Verdict.SOFT if code == 552 else Verdict.PERMANENT
        return Verdict.SOFT
    return Verdict.PERMANENT if permanent else Verdict.SOFT


def classify_reply(detail: str, code: int | None) -> tuple[str, str]:
    """(verdict, status) of a relay's refusal at RCPT: ``"RCPT 550 5.7.1 …"``."""
    status, found = status_in(detail)
    return classify(status, code or found), status


@dataclass(frozen=True)
class Scored:
    hard: float
    soft: float
    suppressed: bool  # suppressed by this bounce


def score(email: str, verdict: str, *, status: str = "", detail: str = "", now=None) -> Scored:
    """Add one bounce of ``verdict`` to the address's score; suppress it past the hard threshold."""
    now = now or timezone.now()
    hard_threshold = settings.BOUNCE_HARD_THRESHOLD
    with transaction.atomic():
        BounceScore.objects.get_or_create(email=email, defaults={"last_bounce_at": now})
        row = BounceScore.objects.select_for_update().get(email=email)
        if now - row.last_bounce_at > timedelta(days=settings.BOUNCE_DECAY_DAYS):
            row.hard, row.soft, row.last_soft_on = 0.0, 0.0, None
        if verdict == Verdict.HARD:
            row.hard += hard_threshold
        elif verdict == Verdict.PERMANENT:
            row.hard += 1
        elif verdict == Verdict.SOFT and row.last_soft_on != now.date():
            row.soft += 1
            row.last_soft_on = now.date()
            if row.soft >= settings.BOUNCE_SOFT_THRESHOLD:
                row.hard, row.soft = row.hard + 1, 0.0
        row.last_bounce_at, row.last_status = now, status[:16]
        row.save()
        suppressed = False
        if verdict in (Verdict.HARD, Verdict.PERMANENT, Verdict.SOFT) and row.hard >= hard_threshold:
            why = f"bounce score {row.hard:g} (threshold {hard_threshold:g}): {detail}"
            suppressed = suppressions.suppress([email], Suppression.Reason.HARD_BOUNCE, why) > 0
    return Scored(row.hard, row.soft, suppressed)


def report(source: str, verdict: str, *, email: str = "", delivery=None, notice=None, status: str = "",
           code: int | None = None, detail: str = "", label: str = "", acted: bool = False) -> MailReport:
    """Keep a report (and log the ones that were refused or need the admin)."""
    row = MailReport.objects.create(
        source=source, verdict=verdict, email=email, delivery=delivery, notice=notice, status=status[:16],
        code=code, detail=detail[:2000], label=label[:300], acted=acted,
    )
    if verdict in (Verdict.FORGED, Verdict.UNMATCHED):
        log.warning("mail report %s not acted on (%s): %s %s", row.pk, verdict, label, detail[:300])
    elif verdict == Verdict.POLICY:  # no address in the log: the admin page has it
        where = f"delivery {delivery.pk}" if delivery is not None else f"notice {notice.pk}" if notice else "a message"
        log.warning("deliverability: %s refused for policy (%s), report %s", where, status, row.pk)
    return row
