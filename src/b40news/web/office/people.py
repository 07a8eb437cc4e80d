"""Reviewers and translators: the staff's page of language roles, and every
user's own notification settings. Both only call `releases.reviewers`, as the
``b40news reviewers`` command does."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b40news import languages
from b40news.releases import reviewers
from b40news.web.office import labels, zones
from b40news.web.office.forms import NotificationsForm, RoleForm
from b40news.web.office.permissions import office_view, staff_view


@staff_view
def roles(request):
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reviewers.grant(data["user"].get_username(), data["language"], role=data["role"],
                            cities=[city.slug for city in data["cities"]])
        except reviewers.ReviewersError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(user)s is now %(role)s of %(code)s.") % {
                "user": data["user"].get_username(), "role": labels.ROLE[data["role"]], "code": data["language"]})
            return redirect("office:reviewers")
    rows = [{**row, "role_label": labels.ROLE.get(row["role"], row["role"])} for row in reviewers.listing()]
    return render(request, "web/office/reviewers.html", {"form": form, "rows": rows})


@staff_view
@require_POST
def remove_role(request, pk):
    try:
        role = reviewers.remove(pk)
    except reviewers.ReviewersError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(user)s no longer has this role for %(code)s.") % {
            "user": role.user.get_username(), "code": role.language.code})
    return redirect("office:reviewers")


@office_view
def notifications(request):
    user = request.user
    default = languages.get(reviewers.default_mail_language(user))
    prefs = reviewers.settings_of(user)
    initial = {"language": prefs.language.code if prefs.language else "", "daily_digest": prefs.daily_digest,
               "time_zone": prefs.time_zone}
    form = NotificationsForm(request.POST or None, initial=initial, default=f"{default.native} ({default.code})",
                             default_zone=zones.city_zone(user) or django_settings.TIME_ZONE)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reviewers.set_preferences(user.get_username(), language=data["language"] or None,
                                  default_language=not data["language"], daily_digest=data["daily_digest"],
                                  time_zone=data["time_zone"])
        messages.success(request, _("Your settings are saved."))
        return redirect("office:notifications")
    return render(request, "web/office/notifications.html", {
        "form": form, "roles": [{**row, "role_label": labels.ROLE.get(row["role"], row["role"])}
                  for row in reviewers.listing(user=user)],
    })
