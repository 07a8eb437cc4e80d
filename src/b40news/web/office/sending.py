"""Sending a release now or at a set time, pausing, cancelling, retrying; its progress.

Every action is one call of `releases.workflow` (the same as the CLI's).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from b40news.delivery import ledger
from b40news.delivery.models import Delivery
from b40news.delivery.status import STATES, release_status
from b40news.releases.intake import ReleaseError
from b40news.releases import workflow
from b40news.releases.models import Release
from b40news.web.office import labels, reach, zones
from b40news.web.office.forms import SendForm
from b40news.web.office.permissions import office_view, release_for

State = Delivery.State
OPEN = (State.WAITING, State.PENDING, State.QUEUED, State.SENDING)
SHOWN = ("waiting", "pending", "sent", "failed", "bounced", "uncertain", "suppressed")


def _back(request, release: Release):
    """Where an action returns: the confirmation page it was pressed on, else the progress page."""
    if request.POST.get("back") == "confirm":
        return redirect("office:confirm_send", pk=release.pk)
    return redirect("office:progress", pk=release.pk)


@office_view
@require_POST
def send(request, pk):
    release = release_for(request, pk)
    form = SendForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors() or [_("Choose when to send.")]:
            messages.error(request, error)
        return redirect("office:confirm_send", pk=release.pk)
    eta = form.cleaned_data["eta"]
    try:
        report = workflow.send(release, eta=eta)
    except ReleaseError as exc:
        messages.error(request, str(exc))
        return redirect("office:confirm_send", pk=release.pk)
    going, waiting = report.due, sum(report.waiting.values())
    if report.scheduled_for is None:
        if going:
            messages.success(request, ngettext("Sending now to %(n)d recipient.", "Sending now to %(n)d recipients.",
                                               going) % {"n": going})
        else:
            messages.warning(request, _("Nothing was sent now."))
    else:
        messages.success(request, ngettext(
            "Scheduled for %(when)s: %(n)d recipient.", "Scheduled for %(when)s: %(n)d recipients.", going,
        ) % {"when": zones.when(report.scheduled_for), "n": going})
    if waiting:
        messages.warning(request, ngettext(
            "%(n)d recipient waits for their language to be approved: %(languages)s.",
            "%(n)d recipients wait for their language to be approved: %(languages)s.", waiting,
        ) % {"n": waiting, "languages": ", ".join(f"{code} ({n})" for code, n in sorted(report.waiting.items()))})
    return redirect("office:progress", pk=release.pk)


def _officer_action(action, done_message):
    @office_view
    @require_POST
    def view(request, pk):
        release = release_for(request, pk)
        try:
            result = action(release)
        except ReleaseError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, done_message % {"n": result or 0})
        return _back(request, release)
    return view


retry = _officer_action(workflow.retry_failed, gettext_lazy("%(n)d failed recipient(s) queued again."))
pause = _officer_action(workflow.pause, gettext_lazy("Sending is paused; resume it when you are ready."))
resume = _officer_action(workflow.resume, gettext_lazy("Sending resumed."))
cancel = _officer_action(workflow.cancel, gettext_lazy("The send is cancelled; %(n)d recipient(s) taken back."))


def _folded(counts: dict[str, int]) -> dict[str, int]:
    """The ledger's states as shown: queued and sending count as pending."""
    shown = {state: counts.get(state, 0) for state in SHOWN}
    shown["pending"] += counts.get("queued", 0) + counts.get("sending", 0)
    return shown


def duration(seconds: float | None) -> str:
    """12 s, 3 min, 2 h 05 min (translated units); empty when unknown."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    if seconds < 3600:
        return _("%(m)d min") % {"m": round(seconds / 60)}
    return _("%(h)d h %(m)02d min") % {"h": seconds // 3600, "m": seconds % 3600 // 60}


def progress_data(release: Release) -> dict:
    workflow.settle(release.pk)
    release.refresh_from_db(fields=["status"])
    status = release_status(release)
    lists = {slug: _folded(counts) for slug, counts in sorted(status["lists"].items())}
    totals = dict.fromkeys(SHOWN, 0)
    for counts in lists.values():
        for state, n in counts.items():
            totals[state] += n
    busy = Delivery.objects.filter(release=release, state__in=[State.PENDING, State.QUEUED, State.SENDING])
    next_at = ledger.next_retry_at(release.pk)
    # The status report's estimates where it makes them; else the rate sent so far.
    eta = status["eta"] if "eta" in status else _eta_seconds(release, totals["pending"])
    per_list = (status.get("progress") or {}).get("lists", {})
    return {
        "release": release.pk,
        "status": release.status,
        "status_label": str(labels.RELEASE.get(release.status, release.status)),
        "lists": lists,
        "totals": totals,
        "active": busy.exists(),
        "next_attempt_at": next_at.isoformat() if next_at else None,
        "eta_seconds": eta,
        "eta": duration(eta),
        "list_eta": {slug: duration(per_list.get(slug, {}).get("eta")) for slug in lists},
    }


def _eta_seconds(release: Release, remaining: int) -> int | None:
    """Remaining rows at the rate sent so far; None before anything went or when done."""
    if not remaining:
        return None
    sent = Delivery.objects.filter(release=release, state=State.SENT, sent_at__isnull=False)
    first = sent.order_by("sent_at").values_list("sent_at", flat=True).first()
    count = sent.count()
    if first is None or count < 2:
        return None
    elapsed = (timezone.now() - first).total_seconds()
    if elapsed <= 0:
        return None
    return int(remaining / (count / elapsed))


@office_view
def progress(request, pk):
    release = release_for(request, pk)
    data = progress_data(release)
    by_language = (
        Delivery.objects.filter(release=release).values("language", "state").annotate(n=Count("id"))
    )
    languages: dict[str, dict[str, int]] = {}
    for row in by_language:
        languages.setdefault(row["language"], dict.fromkeys(STATES, 0))[row["state"]] += row["n"]
    return render(request, "web/office/progress.html", {
        "release": release,
        "data": data,
        "states": [(state, labels.DELIVERY[state]) for state in SHOWN],
        "list_rows": [(slug, [counts[s] for s in SHOWN], data["list_eta"][slug]) for slug, counts in data["lists"].items()],
        "total_row": [data["totals"][s] for s in SHOWN],
        "language_rows": [(code, [_folded(counts)[s] for s in SHOWN]) for code, counts in sorted(languages.items())],
        "next_attempt_at": ledger.next_retry_at(release.pk),
        **reach.context(request.user, release, True),
    })


@office_view
def progress_json(request, pk):
    return JsonResponse(progress_data(release_for(request, pk)))
