"""A release's reach in the office: on its page, and as CSV and JSON downloads.

The figures are `delivery.reach`'s. Whoever may open the release sees them:
its city's officers and staff for every list, an officer of a city that
received it on its own lists for those lists only.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _

from b40news.delivery import reach as figures
from b40news.network.models import MailingList
from b40news.web.office import permissions
from b40news.web.office.permissions import office_view

LABELS = {
    "recipients": _("Recipients"),
    "delivered": _("Delivered"),
    "deferred": _("Deferred"),
    "bounced": _("Bounced"),
    "failed": _("Failed"),
    "complained": _("Complained"),
    "unsubscribed_7d": _("Unsubscribed within 7 days"),
    "archive_views": _("Archive views"),
}


def reach_for(user, release, owner: bool) -> dict:
    """The figures the user may see (`reach`)."""
    if owner:
        return figures.reach(release.pk)
    officer = permissions.officer_of(user)
    return figures.reach(release.pk, lists=MailingList.objects.filter(city_id=officer.city_id))


def context(user, release, owner: bool) -> dict:
    """What `web/office/_reach.html` shows."""
    data = reach_for(user, release, owner)
    names = figures.FIGURES
    return {
        "reach_labels": [(name, LABELS[name]) for name in names],
        "reach_languages": [(code, [row[name] for name in names]) for code, row in data["languages"].items()],
        "reach_lists": [(slug, [row[name] for name in figures.LEDGER_FIGURES]) for slug, row in data["lists"].items()],
        "reach_total": [data["totals"][name] for name in names],
        "reach_release": release,
    }


@office_view
def reach_json(request, pk):
    release, owner = permissions.release_to_read(request, pk)
    return JsonResponse(reach_for(request.user, release, owner), json_dumps_params={"ensure_ascii": False})


@office_view
def reach_csv(request, pk):
    release, owner = permissions.release_to_read(request, pk)
    response = HttpResponse(figures.reach_csv(reach_for(request.user, release, owner)),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="release-{release.pk}-reach.csv"'
    return response
