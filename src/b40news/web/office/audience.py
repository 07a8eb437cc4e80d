"""A city's audience in the office: counts, search, CSV export and import, the sign-up snippet.

Officers see their own city's lists (another city's page answers 403), staff
every city's. Export and import are the CLI's (`network.subscribers_csv`,
`subscribers export` / `subscribers import`):

- **import** is two steps: the upload is read as a dry run (the import runs
  in a transaction that is rolled back: nothing stored, nothing sent) and its
  report shown — rows accepted, rows rejected with the reason, duplicates in
  the file; the file waits in the session until the officer confirms, then is
  imported for real. Each new pending subscriber gets the double opt-in
  e-mail once (`network.invitations`: one confirmation notice each, in the
  import's transaction, sent on the ``notify`` queue within the relay's rate
  limit); the import's page follows them (``progress.json``, polled by
  ``static/b40news/import-progress.js``).
- **the sign-up snippet** is a plain HTML form for the city's own web site,
  posting to ``/s/<list>/embed/`` (no JavaScript, no cookie of ours needed).
"""

from __future__ import annotations

import base64
import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext as _, gettext_lazy, ngettext, pgettext_lazy

from b40news import languages
from b40news.network import invitations
from b40news.network.models import City, MailingList, Subscription
from b40news.network.subscribers_csv import CsvImportError, export_subscribers, import_subscribers
from b40news.web.office import permissions
from b40news.web.office.permissions import office_view
from b40news.web.public import pages

Status = Subscription.Status
MAX_UPLOAD = 2 * 1024 * 1024  # bytes: kept in the session between the dry run and the import
SEARCH_LIMIT = 50
SESSION_KEY = "b40news.audience.import"
# A subscription's state (not a delivery's: "pending" there means "not sent yet").
STATUS_LABELS = {Status.PENDING: pgettext_lazy("subscription", "pending"),
                 Status.CONFIRMED: pgettext_lazy("subscription", "confirmed"),
                 Status.UNSUBSCRIBED: pgettext_lazy("subscription", "unsubscribed")}


def _may_manage(user) -> bool:
    return permissions.may_use_office(user) and permissions.managed_cities(user).exists()


audience_view = lambda view: office_view(view, allowed=_may_manage)  # noqa: E731


class ImportForm(forms.Form):
    mailing_list = forms.ModelChoiceField(queryset=MailingList.objects.none(), label=gettext_lazy("List"),
                                          empty_label=None)
    file = forms.FileField(label=gettext_lazy("CSV file"))
    confirmed = forms.BooleanField(
        required=False,
        label=gettext_lazy("These people consented before: import them as confirmed, without invitation"))

    def __init__(self, *args, city: City, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mailing_list"].queryset = city.lists.all()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB: split it into several imports.")
                                        % {"mb": MAX_UPLOAD // (1024 * 1024)})
        return upload


@audience_view
def index(request):
    cities = permissions.managed_cities(request.user)
    if cities.count() == 1:
        return redirect("office:audience", city=cities.get().slug)
    code = get_language()
    return render(request, "web/office/audience_index.html",
                  {"cities": [(city.slug, city.name(code)) for city in cities]})


def _counts(city: City) -> tuple[list[dict], dict[str, int]]:
    """Per list and language: subscriptions by state; and the totals."""
    found = (Subscription.objects.filter(mailing_list__city=city)
             .values("mailing_list__slug", "subscriber__language__code", "status")
             .annotate(n=Count("id")).order_by())
    table: dict[tuple[str, str], dict[str, int]] = {}
    totals = dict.fromkeys(Status.values, 0)
    for item in found:
        key = (item["mailing_list__slug"], item["subscriber__language__code"])
        table.setdefault(key, dict.fromkeys(Status.values, 0))[item["status"]] += item["n"]
        totals[item["status"]] += item["n"]
    names = dict(city.lists.values_list("slug", "name"))
    rows = [{"list": slug, "list_name": names.get(slug, slug), "language": code,
             "language_name": languages.get(code).native, "counts": [counts[s] for s in Status.values]}
            for (slug, code), counts in sorted(table.items())]
    return rows, totals


def _search(city: City, query: str, status: str) -> list[Subscription]:
    found = Subscription.objects.filter(mailing_list__city=city).select_related("subscriber__language", "mailing_list")
    if query:
        found = found.filter(subscriber__email__icontains=query)
    if status in Status.values:
        found = found.filter(status=status)
    return list(found.order_by("subscriber__email", "mailing_list__slug")[:SEARCH_LIMIT])


def snippet(mailing_list: MailingList) -> str:
    """The sign-up form for the city's own site: plain HTML, in the city's languages."""
    city = mailing_list.city
    default = city.default_language.code
    codes = [code for code in languages.LANGUAGES if code in set(city.languages.values_list("code", flat=True))]
    codes = codes or [default]
    t = pages.strings(default, list=mailing_list.name, city=city.name(default))
    action = (f"{settings.SITE_URL}{reverse('public:subscribe_embed', args=[mailing_list.slug])}"
              f"?{urlencode({'lang': default})}")
    return render_to_string("web/office/embed_snippet.html", {
        "action": action, "slug": mailing_list.slug, "lang": default, "t": t, "default": default,
        "choices": [(code, languages.get(code).native) for code in codes],
    }).strip() + "\n"


@audience_view
def audience(request, city):
    city = permissions.audience_city(request, city)
    rows, totals = _counts(city)
    query, status = request.GET.get("q", "").strip()[:320], request.GET.get("status", "")
    searched = "q" in request.GET or "status" in request.GET
    code = get_language()
    return render(request, "web/office/audience.html", {
        "city": city, "city_name": city.name(code),
        "states": [(state, STATUS_LABELS[state]) for state in Status.values],
        "rows": rows, "totals": [totals[s] for s in Status.values],
        "lists": [{"list": item, "snippet": snippet(item)} for item in city.lists.select_related("city")],
        "query": query, "status": status, "searched": searched,
        "found": [{"subscription": s, "status": STATUS_LABELS[s.status]} for s in _search(city, query, status)]
        if searched else [],
        "limit": SEARCH_LIMIT,
        "form": ImportForm(city=city),
    })


@audience_view
def export(request, city, list_slug):
    city = permissions.audience_city(request, city)
    mailing_list = city.lists.filter(slug=list_slug).first()
    if mailing_list is None:
        raise Http404("no such list of this city")
    response = HttpResponse(export_subscribers(mailing_list.slug), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{mailing_list.slug}-subscribers.csv"'
    return response


def _run(raw: bytes, list_slug: str, *, confirmed: bool, name: str, dry_run: bool, batch: str = ""):
    """The import (as `subscribers import`): its report and the invitations made (none in a dry run)."""
    with transaction.atomic():
        report = import_subscribers(raw, list_slug, confirmed=confirmed, name=name)
        invited = [] if confirmed or dry_run else invitations.create(report.new_pending, batch=batch)
        if dry_run:
            transaction.set_rollback(True)
        else:
            from worker.tasks import send_invitations

            if invited:
                transaction.on_commit(lambda: send_invitations.delay(notice_ids=invited))
    return report, invited


def _report(report, *, confirmed: bool) -> dict:
    duplicates = [r for r in report.rejected if r.duplicate_of is not None]
    return {
        "accepted": report.created + report.updated + report.unchanged,
        "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
        "rejected": [{"row": r.row, "value": r.value, "reason": r.reason} for r in report.rejected
                     if r.duplicate_of is None],
        "duplicates": [{"row": r.row, "value": r.value, "first": r.duplicate_of} for r in duplicates],
        "notes": [*map(str, report.notes), *([ngettext(
            "%(n)d row marked confirmed was imported as pending: they must confirm (tick “These people consented "
            "before” only if they did)",
            "%(n)d rows marked confirmed were imported as pending: they must confirm (tick “These people consented "
            "before” only if they did)", report.kept_pending) % {"n": report.kept_pending}]
            if report.kept_pending else [])],
        "invitations": 0 if confirmed else len(report.new_pending),
    }


@audience_view
def import_csv(request, city):
    city = permissions.audience_city(request, city)
    if request.method != "POST":  # e.g. reloaded after the import: the upload form is on the audience page
        return redirect("office:audience", city=city.slug)
    stored = request.session.get(SESSION_KEY)
    if request.POST.get("step") == "import":
        if not stored or stored.get("token") != request.POST.get("token") or stored.get("city") != city.slug:
            messages.error(request, _("This import is no longer waiting: upload the file again."))
            return redirect("office:audience", city=city.slug)
        raw = base64.b64decode(stored["data"])
        batch = stored["token"]
        try:
            report, invited = _run(raw, stored["list"], confirmed=stored["confirmed"], name=stored["name"],
                                   dry_run=False, batch=batch)
        except CsvImportError as exc:  # the list went away meanwhile, say
            messages.error(request, _("Nothing was imported: %(error)s") % {"error": exc})
            return redirect("office:audience", city=city.slug)
        del request.session[SESSION_KEY]
        request.session[f"{SESSION_KEY}.{batch}"] = {"list": stored["list"], "name": stored["name"],
                                                    **_report(report, confirmed=stored["confirmed"])}
        messages.success(request, _("Imported into %(list)s: %(new)d new, %(updated)d updated, %(rejected)d rejected.")
                         % {"list": stored["list"], "new": report.created, "updated": report.updated,
                            "rejected": len(report.rejected)})
        return redirect("office:audience_import_progress", city=city.slug, batch=batch)
    form = ImportForm(request.POST, request.FILES, city=city)
    context = {"city": city, "city_name": city.name(get_language()), "form": form}
    if not form.is_valid():
        return render(request, "web/office/audience_import.html", context, status=400)
    data = form.cleaned_data
    raw, name = data["file"].read(), data["file"].name
    try:
        report, _invited = _run(raw, data["mailing_list"].slug, confirmed=data["confirmed"], name=name, dry_run=True)
    except CsvImportError as exc:
        context["error"] = str(exc)
        return render(request, "web/office/audience_import.html", context, status=400)
    token = secrets.token_urlsafe(12)
    request.session[SESSION_KEY] = {"token": token, "city": city.slug, "list": data["mailing_list"].slug,
                                    "confirmed": data["confirmed"], "name": name,
                                    "data": base64.b64encode(raw).decode("ascii")}
    context.update(report=_report(report, confirmed=data["confirmed"]), token=token, name=name,
                   mailing_list=data["mailing_list"], confirmed=data["confirmed"])
    return render(request, "web/office/audience_import.html", context)


def _import_batch(request, city: str, batch: str) -> tuple[City, dict]:
    city = permissions.audience_city(request, city)
    progress = invitations.progress(batch)
    done = request.session.get(f"{SESSION_KEY}.{batch}")
    if done is None and not progress["total"]:
        raise Http404("no such import")
    if progress["total"] and not invitations.batch_in_city(batch, city):
        raise Http404("no such import")
    return city, {"progress": progress, "report": done}


@audience_view
def import_progress(request, city, batch):
    city, found = _import_batch(request, city, batch)
    return render(request, "web/office/audience_progress.html", {
        "city": city, "city_name": city.name(get_language()), "batch": batch, **found,
    })


@audience_view
def import_progress_json(request, city, batch):
    _city, found = _import_batch(request, city, batch)
    return JsonResponse(found["progress"])
