"""The glossary pages under /office/glossary/, in the office's layout and languages.

Staff review (approve, reject); officers and reviewers read the queue and the
entries, and see their own proposals; officers and staff propose. A proposal
that leaves languages empty is sent back listing them before anything is
stored (an approved entry needs every language), and a new entry's kind is
chosen explicitly.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b40news import languages
from b40news.glossary import database, review
from b40news.glossary.entries import KINDS, GlossaryError
from b40news.glossary.lint import lint
from b40news.glossary.merge import diff
from b40news.glossary.schema import entry_from_dict


def _gate(allowed):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _is_officer(user) -> bool:
    from b40news.network.models import Officer

    return user.is_staff or Officer.objects.filter(user=user).exists()


def _may_read(user) -> bool:
    from b40news.web.office.permissions import may_use_office

    return may_use_office(user)


staff_required = _gate(lambda user: user.is_staff)
officer_required = _gate(_is_officer)
reader_required = _gate(_may_read)  # officers, reviewers and translators, staff: read-only unless staff


def _own_proposals(user) -> list:
    """The user's own proposals, newest first, with what became of each."""
    from b40news.glossary.models import GlossaryChange

    mine = GlossaryChange.objects.filter(author=user, action=GlossaryChange.Action.PROPOSED).order_by("-created_at")[:50]
    glossary = database.read()
    return [{"change": change, "status": glossary.get(change.entry_id).status if change.entry_id in glossary else
             _("folded into its entry")} for change in mine]


def _page(request, template: str, context: dict):
    """Render with ``ns``, the namespace these pages are included under ("office:glossary")."""
    return render(request, f"web/glossary/{template}", {"ns": request.resolver_match.namespace, **context})


def _changes(entry_id: str) -> list[dict]:
    rows = []
    for change in review.history(entry_id):
        before = entry_from_dict(change.previous) if change.previous else None
        after = entry_from_dict(change.payload) if change.payload else None
        shown = change.action != review.Action.REJECTED and after is not None
        rows.append({"change": change, "diff": diff(before, after) if shown else []})
    return rows


@reader_required
def queue(request):
    """Pending proposals, each with its diff; staff get an approve / reject form, others read."""
    try:
        proposals = review.pending()
        problems = lint(database.read())
    except (review.ReviewError, GlossaryError) as error:
        proposals, problems = [], []
        messages.error(request, str(error))
    return _page(request, "queue.html", {"proposals": proposals, "problems": problems,
                                         "may_decide": request.user.is_staff,
                                         "mine": _own_proposals(request.user)})


@require_POST
@staff_required
def decide(request, entry_id: str):
    comment = request.POST.get("comment", "")
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            approval = review.approve(entry_id, admin=request.user, comment=comment)
            messages.success(request, _("Approved %(id)s: glossary version %(before)s → %(after)s.") % {
                "id": entry_id, "before": approval.version_before, "after": approval.version_after})
            for item in approval.stale:
                messages.warning(request, _("Stale: release %(id)s “%(title)s” (%(language)s) must be translated "
                                            "again.") % {"id": item.release_id, "title": item.release_title,
                                                         "language": item.language})
        elif decision == "reject":
            review.reject(entry_id, admin=request.user, comment=comment)
            messages.success(request, _("Rejected %(id)s.") % {"id": entry_id})
        else:
            messages.error(request, _("Choose approve or reject."))
    except review.ReviewError as error:
        messages.error(request, str(error))
    return redirect(f"{request.resolver_match.namespace}:queue")


@reader_required
def entries(request):
    glossary = database.read()
    by_kind = [(kind, sorted((e for e in glossary.entries if e.kind == kind), key=lambda e: e.id))
               for kind in KINDS]
    return _page(request, "entries.html", {"by_kind": by_kind, "version": glossary.version})


@reader_required
def entry(request, entry_id: str):
    """An entry as it stands, its open revisions, and every recorded change."""
    glossary = database.read()
    current = glossary.get(entry_id) if entry_id in glossary else None
    changes = _changes(entry_id)
    if current is None and not changes:
        raise Http404(f"no glossary entry {entry_id}")
    revisions = [e for e in glossary.entries if e.replaces == entry_id]
    targets = [(code, current.targets.get(code, "")) for code in languages.TARGETS] if current else []
    return _page(request, "entry.html", {
        "entry_id": entry_id, "entry": current, "targets": targets, "revisions": revisions,
        "changes": changes,
    })


def _proposal_fields(post) -> dict:
    targets = {code: post.get(f"target_{code}", "").strip() for code in languages.TARGETS}
    variants = [v.strip() for v in post.get("variants", "").splitlines() if v.strip()]
    return {
        "id": post.get("id", "").strip() or None,
        "kind": post.get("kind", "").strip() or None,
        "bg": post.get("bg", "").strip() or None,
        "variants": variants or None,
        "note": post.get("note", "").strip() or None,
        "targets": {code: value for code, value in targets.items() if value},
    }


@officer_required
def propose(request):
    """Officers and staff propose a new entry, or a change to one (``?id=``)."""
    glossary = database.read()
    wanted = request.POST.get("id") or request.GET.get("id") or ""
    current = glossary.get(wanted) if wanted in glossary else None
    missing: list[str] = []
    if request.method == "POST" and (missing := _lacking(request.POST, current)):
        messages.error(request, _("Not proposed: fill in %(languages)s, or tick the transliteration box for a "
                                  "name. An entry is approved only with every language.") % {
            "languages": ", ".join(f"{languages.LANGUAGES[code].name} ({code})" for code in missing)})
    elif request.method == "POST" and not current and request.POST.get("kind", "") not in KINDS:
        messages.error(request, _("Not proposed: choose the kind of entry."))
    elif request.method == "POST":
        try:
            proposal = review.propose(
                _proposal_fields(request.POST), author=request.user, comment=request.POST.get("comment", ""),
                source=review.Source.ADMIN if request.user.is_staff else review.Source.OFFICER,
                fill_missing=bool(request.POST.get("fill_missing")),
            )
        except review.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Proposed %(id)s; a glossary admin will review it.") % {"id": proposal.id})
            return redirect(f"{request.resolver_match.namespace}:propose")
    values = request.POST if request.method == "POST" else {}
    targets = [(code, languages.LANGUAGES[code].name,
                values.get(f"target_{code}", current.targets.get(code, "") if current else ""), code in missing)
               for code in languages.TARGETS]
    return _page(request, "propose.html", {
        "kinds": list(KINDS), "current": current, "wanted": wanted, "targets": targets, "values": values,
        "missing": missing, "kind_missing": request.method == "POST" and not current and not values.get("kind"),
    })


def _lacking(post, current) -> list[str]:
    """The languages a proposal would still lack (every one is needed before approval);
    none when names are to be transliterated or the entry is not translated at all."""
    if post.get("do_not_translate") or (post.get("fill_missing") and current is None):
        return []
    have = current.targets if current else {}
    return [code for code in languages.TARGETS if not (post.get(f"target_{code}", "").strip() or have.get(code))]
