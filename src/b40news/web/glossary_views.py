"""The glossary review pages under /office/glossary/: staff review, officers propose."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
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


staff_required = _gate(lambda user: user.is_staff)
officer_required = _gate(_is_officer)


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


@staff_required
def queue(request):
    """Pending proposals, each with its diff and an approve / reject form."""
    try:
        proposals = review.pending()
        problems = lint(database.read())
    except (review.ReviewError, GlossaryError) as error:
        proposals, problems = [], []
        messages.error(request, str(error))
    return _page(request, "queue.html", {"proposals": proposals, "problems": problems})


@require_POST
@staff_required
def decide(request, entry_id: str):
    comment = request.POST.get("comment", "")
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            approval = review.approve(entry_id, admin=request.user, comment=comment)
            messages.success(request, f"Approved {entry_id}: glossary version {approval.version_before} → "
                                      f"{approval.version_after}.")
            for item in approval.stale:
                messages.warning(request, f"Stale: release {item.release_id} “{item.release_title}” "
                                          f"({item.language}) must be translated again.")
            for command in approval.retranslate_commands():
                messages.info(request, f"Translate again: {command}")
        elif decision == "reject":
            review.reject(entry_id, admin=request.user, comment=comment)
            messages.success(request, f"Rejected {entry_id}.")
        else:
            messages.error(request, "Choose approve or reject.")
    except review.ReviewError as error:
        messages.error(request, str(error))
    return redirect(f"{request.resolver_match.namespace}:queue")


@staff_required
def entries(request):
    glossary = database.read()
    by_kind = [(kind, sorted((e for e in glossary.entries if e.kind == kind), key=lambda e: e.id))
               for kind in KINDS]
    return _page(request, "entries.html", {"by_kind": by_kind, "version": glossary.version})


@staff_required
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
    if request.method == "POST":
        try:
            proposal = review.propose(
                _proposal_fields(request.POST), author=request.user, comment=request.POST.get("comment", ""),
                source=review.Source.ADMIN if request.user.is_staff else review.Source.OFFICER,
                fill_missing=bool(request.POST.get("fill_missing")),
            )
        except review.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Proposed {proposal.id}; a glossary admin will review it.")
            return redirect(f"{request.resolver_match.namespace}:propose")
    values = request.POST if request.method == "POST" else {}
    targets = [(code, languages.LANGUAGES[code].name,
                values.get(f"target_{code}", current.targets.get(code, "") if current else ""))
               for code in languages.TARGETS]
    return _page(request, "propose.html", {
        "kinds": list(KINDS), "current": current, "wanted": wanted, "targets": targets, "values": values,
    })
