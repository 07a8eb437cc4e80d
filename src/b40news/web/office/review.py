"""Reviewing one language: the segment editor (source and translation side by side), approval.

The release's owner and the language's reviewers and translators open these
pages (`permissions.review_release`); who may approve is `workflow.approve`'s
decision (`releases.reviewers.approval`), the pages only offer what it allows.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from b40news import languages
from b40news.glossary.current import current_glossary
from b40news.network.models import Language
from b40news.releases import comments, reviewers, workflow
from b40news.releases.intake import ReleaseError
from b40news.releases.models import Release, SegmentEdit, Translation
from b40news.web.office import editor, labels
from b40news.web.office.documents import uploaded_text
from b40news.web.office.forms import HumanTranslationForm, SegmentForm
from b40news.web.office.permissions import office_view, release_for, review_release

Status = Translation.Status


def _code(lang: str) -> str:
    try:
        code = languages.get(lang).code
    except languages.UnknownLanguage:
        raise Http404("unknown language") from None
    if code == languages.SOURCE:
        raise Http404("the original is not reviewed")
    return code


def _translation(release: Release, code: str, *, or_pending: bool = False) -> Translation:
    """The release's translation into ``code``; before there is one, an unsaved
    pending one when ``or_pending`` (a reviewer told of the release may come early)."""
    translation = release.translations.select_related("language", "release").filter(language__code=code).first()
    if translation is None and or_pending:
        return Translation(release=release, language=Language.objects.for_code(code))
    if translation is None:
        raise Http404("not translated into this language")
    return translation


def _review_url(release: Release, code: str, anchor: str = "") -> str:
    from django.urls import reverse

    return reverse("office:review", args=[release.pk, code]) + (f"#{anchor}" if anchor else "")


def _editable(release: Release, translation: Translation, code: str) -> bool:
    """Every language may be typed into, engine or not, until it is sent; a stale
    one is translated again first, a failed machine translation too."""
    if workflow.language_locked(release, code):
        return False
    if translation.status == Status.STALE:
        return False
    return not (translation.status == Status.FAILED and translation.segments)


@office_view
def review(request, pk, lang):
    code = _code(lang)
    release = review_release(request, pk, code)
    translation = _translation(release, code, or_pending=True)
    glossary = current_glossary()
    editable = _editable(release, translation, code)
    wanted = request.GET.get("filter", "all")
    if wanted not in editor.FILTERS:
        wanted = "all"
    segments = editor.rows(release, translation, code, glossary, editable=editable, wanted=wanted)
    report = translation.glossary_report or {}
    owner, mine = reviewers.owns(request.user, release), reviewers.roles_for(request.user, release)
    role = mine.get(code, "")
    return render(request, "web/office/review.html", {
        "release": release,
        "translation": translation,
        "code": code,
        "status": labels.TRANSLATION.get(translation.status, translation.status),
        "reason": labels.reason(translation),
        "segments": segments,
        "editable": editable,
        "locked": workflow.language_locked(release, code),
        "report": report,
        "flagged": sum(1 for row in segments if row["flagged"]),  # also before a language has segments
        "filters": editor.FILTERS,
        "filter": wanted,
        "approvable": translation.status == Status.TRANSLATED and (role == reviewers.REVIEWER or owner),
        # Not yet translated, but the user may approve once it is: the form waits hidden, and the
        # editor shows it when a save completes the translation (`save_segment`'s "approvable").
        "approve_later": editable and translation.status != Status.TRANSLATED and translation.status != Status.APPROVED
        and (role == reviewers.REVIEWER or owner),
        "override": role != reviewers.REVIEWER,  # the owner approves only with an override
        "role": labels.ROLE.get(role, ""),
        "owner": owner,
        "people": labels.people(reviewers.by_language(release).get(code, [])),
        "upload_form": HumanTranslationForm(),
        "languages": [t.language for t in release.translations.select_related("language").order_by("language_id")
                      if t.language.code != languages.SOURCE and (owner or t.language.code in mine)],
    })


def _save(request, pk, lang, index) -> tuple[Release, str, Translation | None, str, bool]:
    """Store one segment through the workflow: (release, code, translation or None, error, was approved)."""
    code = _code(lang)
    release = review_release(request, pk, code)
    form = SegmentForm(request.POST, prefix=f"s{index}")
    if not form.is_valid():
        return release, code, None, _("The corrected segment is empty."), False
    current = release.translations.filter(language__code=code).first()
    was_approved = current is not None and current.status == Status.APPROVED
    try:
        translation = workflow.edit_language(release, code, {index: form.cleaned_data["target"]}, user=request.user)
    except ReleaseError as exc:
        return release, code, None, str(exc), False
    return release, code, translation, "", was_approved


@office_view
@require_POST
def edit_segment(request, pk, lang, index):
    """The form post (without JavaScript): store, then back to the segment."""
    release, code, translation, error, was_approved = _save(request, pk, lang, index)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Segment %(number)d corrected and remembered.") % {"number": index + 1})
        if was_approved:
            messages.warning(request, _("%(code)s changed, so it needs approving again.") % {"code": code})
    return redirect(_review_url(release, code, f"segment-{index + 1}"))


def _approve_text(flagged: int, code: str) -> str:
    """The approve button's label (as review.html words it) for the flagged segments now."""
    if flagged:
        return ngettext("Approve despite %(n)s flagged segment", "Approve despite %(n)s flagged segments",
                        flagged) % {"n": flagged}
    return _("Approve %(code)s") % {"code": code}


@office_view
@require_POST
def save_segment(request, pk, lang, index):
    """The editor's save (`static/b40news/editor.js`): the same as `edit_segment`, answered in JSON."""
    release, code, translation, error, was_approved = _save(request, pk, lang, index)
    if error:
        return JsonResponse({"ok": False, "error": error}, status=400)
    item = translation.segments[index]
    current = editor.state(item, translation)
    last = SegmentEdit.objects.filter(translation=translation, index=index).last()
    notes = [_("Segment %(number)d corrected and remembered.") % {"number": index + 1}]
    if was_approved:
        notes.append(_("%(code)s changed, so it needs approving again.") % {"code": code})
    may_approve = (reviewers.roles_for(request.user, release).get(code) == reviewers.REVIEWER
                   or reviewers.owns(request.user, release))
    return JsonResponse({
        "ok": True,
        "approvable": translation.status == Status.TRANSLATED and may_approve,
        "index": index,
        "target": item["target"],
        "state": current,
        "state_label": str(editor.STATE[current]),
        "flagged": bool(item.get("flags")),
        "questions": item.get("questions", []),
        "status": translation.status,
        "status_label": str(labels.TRANSLATION.get(translation.status, translation.status)),
        "flagged_count": translation.flagged,
        "flagged_text": ngettext("%(n)s flagged segment needs a human decision.",
                                 "%(n)s flagged segments need a human decision.",
                                 translation.flagged) % {"n": translation.flagged},
        "approve_text": _approve_text(translation.flagged, code),
        "history": {"who": last.user_name or "-", "when": date_format(localtime(last.created_at), "DATETIME_FORMAT"),
                    "before": last.before, "after": last.after} if last else None,
        "message": " ".join(str(note) for note in notes),
    })


@office_view
@require_POST
def comment(request, pk, lang, index):
    """A comment on one segment, for the other reviewers and the officer."""
    code = _code(lang)
    release = review_release(request, pk, code)
    translation = _translation(release, code, or_pending=True)
    try:
        comments.add(release, code, index, request.POST.get("text", ""),
                     segments=len(editor.segments_of(release, translation)), user=request.user)
    except ReleaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Comment added to segment %(number)d.") % {"number": index + 1})
    return redirect(_review_url(release, code, f"segment-{index + 1}"))


@office_view
@require_POST
def upload_translation(request, pk, lang):
    code = _code(lang)
    release = review_release(request, pk, code)
    form = HumanTranslationForm(request.POST, request.FILES)
    if not form.is_valid():
        if "title" in form.errors:  # e.g. too long: Django's own message, in the officer's language
            messages.error(request, form.errors["title"][0])
        else:
            messages.error(request, _("Choose a .txt or .docx file to upload."))
        return redirect(_review_url(release, code))
    try:
        raw, name = uploaded_text(form.cleaned_data["upload"])
        workflow.store_human(release, code, raw, name=name, title=form.cleaned_data["title"], user=request.user)
    except ReleaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The human translation is stored; review and approve it."))
    return redirect(_review_url(release, code))


@office_view
@require_POST
def approve(request, pk):
    """Approve one language (``language``) or every translated one the user
    reviews (``all``; with ``override``, every translated one).

    Flagged segments need a human decision: without ``force`` the officer is
    shown how many, and approves again with an explicit confirmation. An
    owner who is not a language's reviewer approves it with ``override``.
    """
    override = request.POST.get("override") == "1"
    if request.POST.get("language"):
        code = _code(request.POST["language"])
        release = review_release(request, pk, code)
        chosen = [t for t in release.translations.select_related("language") if t.language.code == code]
        back = _review_url(release, code)
    else:
        release = release_for(request, pk)
        reviewed = reviewers.roles_for(request.user, release)
        chosen = [t for t in release.translations.select_related("language") if t.status == Status.TRANSLATED
                  and (override or reviewed.get(t.language.code) == reviewers.REVIEWER)]
        back = None
    if not chosen:
        messages.error(request, _("There is nothing to approve."))
        return redirect(back) if back else redirect("office:release", pk=release.pk)
    force = request.POST.get("force") == "1"
    flagged = [t for t in chosen if t.flagged]
    if flagged and not force:
        total = sum(t.flagged for t in flagged)
        return render(request, "web/office/approve_confirm.html", {
            "release": release,
            "flagged": [{"code": t.language.code, "name": t.language.native_name, "count": t.flagged} for t in flagged],
            "total": total,
            "language": request.POST.get("language", ""),
            "override": override,
            "back": back,
        })
    codes = [t.language.code for t in chosen]
    try:
        approved = workflow.approve(release, codes, user=request.user, override=override, force=force)
    except ReleaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Approved: %(codes)s.") % {"codes": ", ".join(codes)})
        if any(t.approval_override for t in approved):
            messages.warning(request, _("Approved by override of the reviewers: %(codes)s (recorded).") % {
                "codes": ", ".join(t.language.code for t in approved if t.approval_override)})
    return redirect(back) if back else redirect("office:release", pk=release.pk)
