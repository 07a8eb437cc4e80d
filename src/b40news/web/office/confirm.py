"""The page before a send: who gets it now, who waits (for what, until when, with which
fallback), the subject per language, a test to any address, and send / schedule /
pause / cancel from one place.

Its audience comes from `ledger.audience_preview`, the ledger's own code, so the
numbers shown are the rows a send writes.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import get_language

from b40news import languages
from b40news.delivery import ledger
from b40news.network.models import MailingList
from b40news.releases.models import Release, Translation
from b40news.web.office import labels
from b40news.web.office.forms import SendForm, TestSendForm
from b40news.web.office.permissions import office_view, release_for

PENDING = "pending"  # (a row that goes with this send; the others wait)


def audience_table(release: Release) -> dict:
    """The preview as the page shows it: a row per list and subscriber language, with totals."""
    groups = ledger.audience_preview(release)
    shown = get_language()
    names = {item.pk: item.label(shown) for item in MailingList.objects.filter(pk__in={g.list_id for g in groups})}
    rows: dict[tuple[int, str], dict] = {}
    for group in groups:
        row = rows.setdefault((group.list_id, group.subscriber_language), {
            "list": names.get(group.list_id, ""), "code": group.subscriber_language,
            "language": languages.get(group.subscriber_language).native,
            "now": 0, "waiting": 0, "goes_in": "", "fallback": release.fallbacks.get(group.subscriber_language, ""),
        })
        if group.state == PENDING:
            row["now"] += group.count
            if group.language != group.subscriber_language:
                row["goes_in"] = group.language
        else:
            row["waiting"] += group.count
    ordered = sorted(rows.values(), key=lambda row: (row["list"], row["code"]))
    return {
        "rows": ordered,
        "now": sum(row["now"] for row in ordered),
        "waiting": sum(row["waiting"] for row in ordered),
        "waiting_languages": sorted({row["code"] for row in ordered if row["waiting"]}),
    }


def subjects(release: Release) -> list[dict]:
    """The subject line of each language a send would go out in (approved ones)."""
    approved = release.translations.filter(status=Translation.Status.APPROVED).select_related("language")
    return [{"code": t.language.code, "language": t.language.native_name,
             "subject": " ".join((t.title or release.title).split())}
            for t in approved.order_by("language_id")]


@office_view
def confirm_send(request, pk):
    release = release_for(request, pk)
    audience = audience_table(release)
    lines = subjects(release)
    cities = sorted({item.city for item in release.lists.select_related("city")}, key=lambda city: city.slug)
    return render(request, "web/office/confirm_send.html", {
        "release": release,
        "status": labels.RELEASE.get(release.status, release.status),
        "audience": audience,
        "subjects": lines,
        "approved": bool(lines),
        "cities": cities,
        "send_form": SendForm(),
        "test_form": TestSendForm(initial={"email": request.user.email}, release=release, cities=cities),
        "open": release.status not in (Release.Status.SENDING, Release.Status.PAUSED),
    })
