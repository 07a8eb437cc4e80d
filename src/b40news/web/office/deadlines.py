"""A release's deadline and planned fallbacks, set by its officer (the small form on its page)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b40news.releases import workflow
from b40news.releases.deadlines import as_pairs
from b40news.releases.intake import ReleaseError
from b40news.web.office.forms import DeadlineForm
from b40news.web.office.permissions import office_view, release_for


def form_for(release) -> DeadlineForm:
    """The form as the release stands, the deadline in the user's own time zone
    (active through `zones.OfficeTimeZoneMiddleware`, which also reads a typed one)."""
    deadline = timezone.localtime(release.deadline) if release.deadline else None
    return DeadlineForm(initial={"deadline": deadline, "fallbacks": as_pairs(release.planned_fallbacks)})


@office_view
@require_POST
def plan(request, pk):
    release = release_for(request, pk)
    form = DeadlineForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}" if field in form.fields else error)
        return redirect("office:release", pk=release.pk)
    try:
        workflow.plan_deadline(release, deadline=form.cleaned_data["deadline"],
                               plan=form.cleaned_data["fallbacks"], replace=True)
    except ReleaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Deadline and fallbacks saved."))
    return redirect("office:release", pk=release.pk)
