"""Dashboard, submitting a release, and the release's own page."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext as _
from django.views.decorators.http import require_POST

from b40news import languages
from b40news.delivery.models import Delivery
from b40news.releases import reviewers, workflow
from b40news.releases.intake import ReleaseError
from b40news.releases.models import Release, Translation
from b40news.web.office import labels, permissions, reach
from b40news.web.office.deadlines import form_for as deadline_form
from b40news.web.office.documents import uploaded_text
from b40news.web.office.forms import SubmitForm
from b40news.web.office.permissions import office_view, release_for

log = logging.getLogger(__name__)
Status = Translation.Status


@office_view
def dashboard(request):
    releases = (
        permissions.visible_releases(request.user)
        .annotate(
            approved=Count("translations", filter=Q(translations__status=Status.APPROVED), distinct=True),
            to_review=Count("translations", filter=Q(translations__status=Status.TRANSLATED), distinct=True),
        )
        .order_by("-created_at", "-pk")
    )
    page = Paginator(releases, 50).get_page(request.GET.get("page"))
    code = languages.from_django(get_language()).code
    rows = [{"release": r, "status": labels.RELEASE.get(r.status, r.status), "city_name": r.city.name(code)}
            for r in page]
    officer = permissions.officer_of(request.user)
    waiting: dict[int, dict] = {}  # release -> its languages waiting for this user
    for item in reviewers.waiting_for(request.user):
        release = item["release"]
        waiting.setdefault(release.pk, {"release": release, "city_name": release.city.name(code), "languages": []})
        waiting[release.pk]["languages"].append({
            "code": item["code"], "role": labels.ROLE.get(item["role"], item["role"]),
            "status": labels.TRANSLATION.get(item["status"], item["status"])})
    return render(request, "web/office/dashboard.html", {
        "page": page, "rows": rows, "officer": officer, "city_name": officer.city.name(code) if officer else "",
        "waiting": list(waiting.values()), "owns_releases": officer is not None or request.user.is_staff,
        "received": [{"release": r, "city_name": r.city.name(code)} for r in received_releases(request.user)],
    })


def received_releases(user, limit: int = 20) -> list[Release]:
    """Other cities' releases sent to the officer's own lists, newest first (read-only for them)."""
    officer = permissions.officer_of(user)
    if officer is None or user.is_staff:
        return []
    return list(permissions.readable_releases(user).exclude(city_id=officer.city_id)
                .filter(deliveries__isnull=False).distinct().order_by("-created_at", "-pk")[:limit])


def start_translation(request, release: Release, codes: list[str], *, force: bool = False) -> bool:
    """Hand the release to the translate queue (in-process without REDIS_URL)."""
    from worker.tasks import translate_release

    workflow.start_translating(release)
    try:
        translate_release.delay(release_id=release.pk, languages=codes, force=force)
    except Exception as exc:  # an engine or broker failure must not lose the stored release
        log.exception("translating release %s failed", release.pk)
        messages.error(request, _("Translation could not start: %(error)s") % {"error": exc})
        return False
    return True


@office_view
def submit(request):
    if not permissions.submit_cities(request.user).exists():  # a reviewer or translator only
        raise PermissionDenied("only officers and admins submit releases")
    form = SubmitForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["upload"]:
                raw, name = uploaded_text(data["upload"])
            else:
                raw, name = data["body"].encode("utf-8"), _("the pasted text")
            release = workflow.submit(
                raw, name=name, city=data["city"].slug, title=data["title"] or None,
                lists=[item.slug for item in data["lists"]], user=request.user, deadline=data["deadline"],
            )
        except ReleaseError as exc:
            form.add_error(None, str(exc))
        else:
            if start_translation(request, release, list(languages.TARGETS)):
                messages.success(request, _("Release submitted; translation has started."))
            return redirect("office:release", pk=release.pk)
    return render(request, "web/office/submit.html", {"form": form})


def translation_rows(release: Release) -> list[dict]:
    rows, people = [], reviewers.by_language(release)
    for translation in release.translations.select_related("language").order_by("language_id"):
        code = translation.language.code
        report = translation.glossary_report or {}
        rows.append({
            "people": labels.people(people.get(code, [])),
            "code": code,
            "name": translation.language.native_name,
            "translation": translation,
            "status": labels.TRANSLATION.get(translation.status, translation.status),
            "route": " → ".join(translation.route),
            "flagged": translation.flagged,
            "glossary": f"{report.get('satisfied', 0)}/{report.get('required', 0)}" if report else "",
            "source": code == languages.SOURCE,
            "previewable": bool(translation.text),
            "locked": workflow.language_locked(release, code),
            "reason": labels.reason(translation),
            "fallback": (release.fallbacks or {}).get(code, ""),
        })
    return rows


@office_view
def release_page(request, pk):
    release, owner = permissions.release_to_read(request, pk)
    if not owner:  # sent to this officer's city by another city: read-only, its reach on these lists
        return render(request, "web/office/release_read.html", {
            "release": release,
            "status": labels.RELEASE.get(release.status, release.status),
            "city_name": release.city.name(get_language()),
            "lists": release.lists.filter(city_id=permissions.officer_of(request.user).city_id),
            **reach.context(request.user, release, owner),
        })
    rows = translation_rows(release)
    counts = dict.fromkeys(Delivery.State.values, 0)
    for state, n in Delivery.objects.filter(release=release).values_list("state").annotate(n=Count("id")):
        counts[state] = n
    cities = sorted({item.city for item in release.lists.select_related("city")}, key=lambda city: city.slug)
    reviewed = reviewers.roles_for(request.user, release)
    to_approve = [row for row in rows if row["translation"].status == Status.TRANSLATED]
    return render(request, "web/office/release.html", {
        "release": release,
        "status": labels.RELEASE.get(release.status, release.status),
        "city_name": release.city.name(languages.from_django(get_language()).code),
        "rows": rows,
        "lists": release.lists.select_related("city"),
        "cities": cities,
        "to_approve": to_approve,
        "mine": [row for row in to_approve if reviewed.get(row["code"]) == reviewers.REVIEWER],
        "deliveries": sum(counts.values()),
        "failed": counts[Delivery.State.FAILED],
        "deadline_form": deadline_form(release),
        **reach.context(request.user, release, owner),
    })


@office_view
@require_POST
def translate_again(request, pk):
    release = release_for(request, pk)
    code = request.POST.get("language", "")
    try:
        codes = [languages.get(code).code] if code else list(languages.TARGETS)
    except languages.UnknownLanguage as exc:
        messages.error(request, str(exc))
        return redirect("office:release", pk=release.pk)
    codes = [c for c in codes if c != languages.SOURCE and not workflow.language_locked(release, c)]
    if codes and start_translation(request, release, codes):
        messages.success(request, _("Translation has started again."))
    return redirect("office:release", pk=release.pk)
