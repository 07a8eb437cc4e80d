"""Where a release stands: per language and per list, as data for the CLI and web.

Progress and ETA
----------------
- ``remaining``: rows still to go (pending, queued, sending); ``waiting`` rows
  (no approved language yet) are counted apart: no estimate can include them.
- ``rate``: messages per second over the last ``RATE_WINDOW`` seconds, from
  the rows' ``sent_at``: (n - 1) / (now - first) for the n rows sent in the
  window, the first at ``first``. Measured up to *now*, so a send that has
  stalled shows a falling rate, and none at all once the window is empty.
- ``eta``: seconds until the last remaining row goes: remaining / rate; never
  less than the relay's limit allows (``B40NEWS_SMTP_RATE_LIMIT``, through
  `RateLimiter.eta`), nor less than the wait for the last retry already
  scheduled (``next_attempt_at``). Unknown (None) before two messages went,
  unless the rate limit gives a lower bound.
- Per list: rows go out in ledger order (batches are claimed by id), so a list
  is done when every remaining row up to its own last one has gone: its ETA
  counts those rows, not only its own.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from b40news.delivery.models import Delivery
from b40news.releases.models import Release
from b40news.translation import drafts

STATES = [state.value for state in Delivery.State]
OPEN = [Delivery.State.PENDING, Delivery.State.QUEUED, Delivery.State.SENDING]
RATE_WINDOW = 60  # seconds of recent sends the rate is measured over


def release_status(release: Release, *, now: datetime | None = None) -> dict:
    from b40news.releases import reviewers

    now = now or timezone.now()
    deadline = release.deadline.isoformat() if release.deadline else None
    translations = {
        t.language.code: {
            "status": t.status,
            "route": t.route,
            "tier": t.tier,
            **drafts.summary(t.segments),  # segments, reviewed, empty, prefilled by kind
            "flagged": t.flagged,
            "publishable": t.publishable,  # segments publishable as is by the checks' own estimate
            "glossary": t.glossary_report,
            "reason": t.reason,
            "approved_by": t.approved_by_name or None,
            "approved_at": t.approved_at.isoformat() if t.approved_at else None,
            "approval_override": t.approval_override,
        }
        for t in release.translations.select_related("language").order_by("language_id")
    }
    people = reviewers.by_language(release)
    by_language: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    by_list: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    rows = (
        Delivery.objects.filter(release=release)
        .values("language", "mailing_list__slug", "state")
        .annotate(n=Count("id"))
    )
    for row in rows:
        by_language[row["language"]][row["state"]] += row["n"]
        by_list[row["mailing_list__slug"]][row["state"]] += row["n"]
    languages = {}
    for code in dict.fromkeys([*translations, *by_language]):
        languages[code] = {**translations.get(code, {"status": "not requested"}),
                           "reviewers": people.get(code, []), "deadline": deadline,
                           # After the deadline: the language planned for its subscribers ("wait": none),
                           # and the fallback in force (`workflow.apply_deadlines`, `send --fallback`).
                           "planned_fallback": release.planned_fallbacks.get(code),
                           "fallback": release.fallbacks.get(code),
                           "deliveries": by_language.get(code, dict.fromkeys(STATES, 0))}
    progress = release_progress(release, dict(by_list), now=now)
    counts = dict.fromkeys(STATES, 0)
    for per_language in by_language.values():
        for state, n in per_language.items():
            counts[state] += n
    return {
        "release": release.pk,
        "title": release.title,
        "city": release.city.slug,
        "status": release.status,
        "scheduled_for": release.scheduled_for.isoformat() if release.scheduled_for else None,
        "deadline": deadline,
        "planned_fallbacks": release.planned_fallbacks,
        "fallbacks": release.fallbacks,
        "counts": counts,
        "languages": languages,
        "lists": dict(by_list),
        "progress": progress,
        "eta": progress["eta"],
        "deliverability": deliverability(release),
    }


def deliverability(release: Release) -> dict:
    """Refusals for policy (5.7.x) of this release's messages, at RCPT or by a later bounce:
    a problem of the sender's (reputation, authentication, content), not of the subscribers.
    One query; ``example`` is one refusal's text from the most frequent status."""
    from b40news.delivery.models import MailReport

    rows = list(MailReport.objects.filter(delivery__release=release, verdict=MailReport.Verdict.POLICY)
                .values("status").annotate(n=Count("id"), example=Max("detail")).order_by("-n", "status"))
    return {"policy_refusals": sum(row["n"] for row in rows),
            "statuses": {row["status"] or "5.7.x": row["n"] for row in rows},
            "example": rows[0]["example"] if rows else ""}


def send_rate(release: Release, now: datetime) -> float | None:
    """Messages per second over the last RATE_WINDOW seconds (see the module docstring)."""
    recent = Delivery.objects.filter(
        release=release, state=Delivery.State.SENT,
        sent_at__gt=now - timedelta(seconds=RATE_WINDOW), sent_at__lte=now,
    ).aggregate(n=Count("id"), first=Min("sent_at"))
    if not recent["n"]:
        return None
    span = (now - recent["first"]).total_seconds()
    return (recent["n"] - 1) / span if span > 0 else None


def _limiter():
    if not settings.SMTP_RATE_LIMIT:
        return None
    from b40news.delivery.sender import rate_limiter

    return rate_limiter()  # None without Redis: then nothing limits the send either


def estimate(count: int, rate: float | None, limiter, retry_wait: float = 0.0,
             all_retries: bool = False) -> tuple[float | None, str | None]:
    """(seconds until the last of `count` rows goes, what decided it), or (None, None).

    The slowest of: the measured rate, the relay's limit, the last retry
    already scheduled (`retry_wait` seconds away). A retry alone decides only
    when every row is waiting for its retry (`all_retries`).
    """
    if count <= 0:
        return None, None
    candidates = []
    if rate:
        candidates.append((count / rate, "measured rate"))
    if limiter is not None:
        candidates.append((limiter.eta(count), "rate limit"))
    if retry_wait > 0 and (candidates or all_retries):
        candidates.append((retry_wait, "retry"))
    if not candidates:
        return None, None
    seconds, basis = max(candidates, key=lambda candidate: candidate[0])
    return round(seconds, 1), basis


def release_progress(release: Release, by_list: dict[str, dict[str, int]], *, now: datetime) -> dict:
    """The ``progress`` part of `release_status`: a fixed handful of queries,
    however many lists and rows."""
    rate = send_rate(release, now)
    limiter = _limiter()
    open_rows = Delivery.objects.filter(release=release, state__in=OPEN)
    due_later = Q(next_attempt_at__gt=now)
    open_lists = {
        row["mailing_list__slug"]: row
        for row in open_rows.values("mailing_list__slug").annotate(
            last=Max("id"), later=Count("id", filter=due_later), last_retry=Max("next_attempt_at", filter=due_later)
        )
    }
    # Rows go out in ledger order: a list is done when every open row up to
    # its own last one has gone. All those counts in one pass.
    ahead = open_rows.aggregate(**{f"n{row['last']}": Count("id", filter=Q(id__lte=row["last"]))
                                   for row in open_lists.values()}) if open_lists else {}

    def retry_wait(rows) -> float:
        last = max((row["last_retry"] for row in rows if row["last_retry"]), default=None)
        return (last - now).total_seconds() if last else 0.0

    remaining = sum(counts[state] for counts in by_list.values() for state in OPEN)
    later = sum(row["later"] for row in open_lists.values())
    eta, basis = estimate(remaining, rate, limiter, retry_wait(open_lists.values()), all_retries=later == remaining)
    lists = {}
    for slug, counts in sorted(by_list.items()):
        pending = sum(counts[state] for state in OPEN)
        lists[slug] = {
            "pending": pending,
            "sent": counts[Delivery.State.SENT],
            "failed": counts[Delivery.State.FAILED],
            "bounced": counts[Delivery.State.BOUNCED],
            "waiting": counts[Delivery.State.WAITING],
            "eta": None,
        }
        mine = open_lists.get(slug)
        if pending and mine:
            lists[slug]["eta"] = estimate(ahead[f"n{mine['last']}"], rate, limiter, retry_wait([mine]),
                                          all_retries=mine["later"] == pending)[0]
    from b40news.delivery.service import stalled

    return {
        "remaining": remaining,
        # Rows to go and no progress for STALL_SECONDS: a lost broker or
        # worker; the periodic sweep dispatches them again.
        "stalled": bool(remaining) and stalled(release.pk, now),
        "waiting": sum(counts[Delivery.State.WAITING] for counts in by_list.values()),
        "rate": None if rate is None else round(rate, 2),
        "rate_window": RATE_WINDOW,
        "rate_limit": str(limiter) if limiter is not None else None,
        "eta": eta,
        "eta_basis": basis,
        "lists": lists,
    }


def format_seconds(seconds: float | None) -> str:
    """12 s, 3 min 20 s, 2 h 05 min; "-" for unknown."""
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
