"""Reach of a release, per language and list, read from the ledger only.

One figure set per (language, list) pair, summed per language, per list and in
total:

- ``recipients``: ledger rows (one per subscriber the release was frozen for);
- ``delivered``: rows the relay accepted (``sent``) and no bounce came back for;
- ``deferred``: rows not sent yet that were refused for now (a 4xx, a lost
  connection): tried at least once and due again;
- ``bounced``: refused at RCPT or bounced later (a verified DSN);
- ``failed``: given up (retries used up, a 5.7.x policy refusal);
- ``complained``: rows a verified complaint (ARF from a configured feedback
  loop) was acted on for;
- ``unsubscribed_7d``: rows whose subscriber left that list within 7 days of
  the message leaving (the unsubscribe link, one-click, the preferences page,
  a complaint): ``Subscription.unsubscribed_at`` against ``Delivery.sent_at``;
- ``archive_views``: how often the public page of the release in that
  language was opened (``ArchiveView``: counted on the server, one counter per
  release, language and day; nobody is tracked, no pixel). Per language and in
  total only: a page view belongs to no list.

Rows of an erased person keep their state (counts stay right) but no longer
name a subscriber, so they cannot count as unsubscribed.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.db.models import (
    Case, Count, DateTimeField, Exists, ExpressionWrapper, IntegerField, OuterRef, Q, Sum, When,
)
from django.utils import timezone

from b40news.delivery.models import ArchiveView, Delivery, MailReport
from b40news.network.models import Subscription

State = Delivery.State
UNSUBSCRIBE_WINDOW = timedelta(days=7)
LEDGER_FIGURES = ("recipients", "delivered", "deferred", "bounced", "failed", "complained", "unsubscribed_7d")
FIGURES = (*LEDGER_FIGURES, "archive_views")
ALL = "*"  # the CSV's name for "every language" or "every list"


def _flag(condition) -> Sum:
    return Sum(Case(When(condition, then=1), default=0, output_field=IntegerField()))


def _ledger_rows(release_id: int, lists=None) -> list[dict]:
    complained = MailReport.objects.filter(
        delivery=OuterRef("pk"), verdict=MailReport.Verdict.COMPLAINT, acted=True)
    left = Subscription.objects.filter(
        subscriber=OuterRef("subscriber"), mailing_list=OuterRef("mailing_list"),
        unsubscribed_at__gte=OuterRef("sent_at"),
        unsubscribed_at__lt=ExpressionWrapper(OuterRef("sent_at") + UNSUBSCRIBE_WINDOW, output_field=DateTimeField()),
    )
    rows = Delivery.objects.filter(release_id=release_id)
    if lists is not None:
        rows = rows.filter(mailing_list__in=lists)
    return list(
        rows
        .annotate(complained_flag=Exists(complained), left_flag=Exists(left))
        .values("language", "mailing_list__slug")
        .annotate(
            recipients=Count("id"),
            delivered=Count("id", filter=Q(state=State.SENT)),
            deferred=Count("id", filter=Q(state__in=[State.PENDING, State.QUEUED, State.SENDING], attempts__gt=0)),
            bounced=Count("id", filter=Q(state=State.BOUNCED)),
            failed=Count("id", filter=Q(state=State.FAILED)),
            complained=_flag(Q(complained_flag=True)),
            unsubscribed_7d=_flag(Q(left_flag=True, sent_at__isnull=False)),
        )
        .order_by("language", "mailing_list__slug")
    )


def archive_views(release_id: int) -> dict[str, dict[str, int]]:
    """language -> {ISO day -> views}."""
    days: dict[str, dict[str, int]] = {}
    for language, day, count in (ArchiveView.objects.filter(release_id=release_id)
                                 .order_by("language", "day").values_list("language", "day", "count")):
        days.setdefault(language, {})[day.isoformat()] = count
    return days


def _zero() -> dict[str, int]:
    return dict.fromkeys(LEDGER_FIGURES, 0)


def _add(into: dict, row: dict) -> None:
    for name in LEDGER_FIGURES:
        into[name] += row[name] or 0


def reach(release_id: int, lists=None) -> dict:
    """The release's reach: ``rows`` per (language, list), ``languages``, ``lists`` and ``totals``.

    ``lists`` (a queryset or ids) keeps the ledger figures to those lists; the
    archive views, which belong to no list, are the release's in any case."""
    views = archive_views(release_id)
    rows, by_language, by_list, totals = [], {}, {}, _zero()
    for found in _ledger_rows(release_id, lists):
        row = {"language": found["language"], "list": found["mailing_list__slug"],
               **{name: found[name] or 0 for name in LEDGER_FIGURES}}
        rows.append(row)
        _add(by_language.setdefault(row["language"], _zero()), row)
        _add(by_list.setdefault(row["list"], _zero()), row)
        _add(totals, row)
    for language in views:
        by_language.setdefault(language, _zero())
    for language, figures in by_language.items():
        figures["archive_views"] = sum(views.get(language, {}).values())
    totals["archive_views"] = sum(sum(days.values()) for days in views.values())
    return {
        "release": release_id,
        "computed_at": timezone.now().isoformat(timespec="seconds"),
        "unsubscribe_window_days": UNSUBSCRIBE_WINDOW.days,
        "rows": rows,
        "languages": dict(sorted(by_language.items())),
        "lists": dict(sorted(by_list.items())),
        "totals": totals,
        "archive_views_by_day": views,
    }


def reach_csv(data: dict) -> str:
    """The figures as CSV: a line per (language, list), per language and list (``*``), and the total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["language", "list", *FIGURES])
    for row in data["rows"]:
        writer.writerow([row["language"], row["list"], *(row[name] for name in LEDGER_FIGURES), ""])
    for language, figures in data["languages"].items():
        writer.writerow([language, ALL, *(figures[name] for name in FIGURES)])
    for slug, figures in data["lists"].items():
        writer.writerow([ALL, slug, *(figures[name] for name in LEDGER_FIGURES), ""])
    writer.writerow([ALL, ALL, *(data["totals"][name] for name in FIGURES)])
    return out.getvalue()


def count_view(release_id: int, language: str) -> None:
    """One more view of the release's public page in ``language`` today (UTC)."""
    from django.db import IntegrityError, transaction
    from django.db.models import F

    day = timezone.now().date()
    counter = ArchiveView.objects.filter(release_id=release_id, language=language, day=day)
    if counter.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            ArchiveView.objects.create(release_id=release_id, language=language, day=day, count=1)
    except IntegrityError:  # another request made today's counter meanwhile
        counter.update(count=F("count") + 1)
