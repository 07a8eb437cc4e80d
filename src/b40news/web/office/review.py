"""Reviewing one language: source and translation side by side, corrections, approval."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b40news import languages
from b40news.glossary.current import current_glossary
from b40news.releases import workflow
from b40news.releases.intake import ReleaseError
from b40news.releases.models import Release, Translation
from b40news.web.office import labels
from b40news.web.office.documents import uploaded_text
from b40news.web.office.forms import HumanTranslationForm, SegmentForm
from b40news.web.office.highlight import highlight
from b40news.web.office.permissions import office_view, release_for

Status = Translation.Status


def _code(lang: str) -> str:
    try:
        code = languages.get(lang).code
    except languages.UnknownLanguage:
        raise Http404("unknown language") from None
    if code == languages.SOURCE:
        raise Http404("the original is not reviewed")
    return code


def _translation(release: Release, code: str) -> Translation:
    translation = release.translations.select_related("language", "release").filter(language__code=code).first()
    if translation is None:
        raise Http404("not translated into this language")
    return translation


def _review_url(release: Release, code: str, anchor: str = "") -> str:
    from django.urls import reverse

    return reverse("office:review", args=[release.pk, code]) + (f"#{anchor}" if anchor else "")


@office_view
def review(request, pk, lang):
    release = release_for(request, pk)
    code = _code(lang)
    translation = _translation(release, code)
    glossary = current_glossary()
    editable = translation.status in (Status.TRANSLATED, Status.APPROVED) and not workflow.language_locked(release, code)
    segments = []
    for index, item in enumerate(translation.segments):
        source, target = highlight(item["source"], item["target"], code, glossary)
        segments.append({
            "index": index,
            "number": index + 1,
            "is_title": index == 0,
            "source": source,
            "target": target,
            "flags": item.get("flags", []),
            "edited": item.get("edited", False),
            "from_memory": item.get("from_memory", False),
            "form": SegmentForm(initial={"target": item["target"]}, prefix=f"s{index}") if editable else None,
        })
    report = translation.glossary_report or {}
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
        "flagged": translation.flagged,
        "approvable": translation.status == Status.TRANSLATED,
        "upload_form": HumanTranslationForm(),
        "languages": [t.language for t in release.translations.select_related("language").order_by("language_id")
                      if t.language.code != languages.SOURCE],
    })


@office_view
@require_POST
def edit_segment(request, pk, lang, index):
    release = release_for(request, pk)
    code = _code(lang)
    translation = _translation(release, code)
    form = SegmentForm(request.POST, prefix=f"s{index}")
    if not form.is_valid():
        messages.error(request, _("The corrected segment is empty."))
        return redirect(_review_url(release, code, f"segment-{index + 1}"))
    was_approved = translation.status == Status.APPROVED
    try:
        workflow.edit_segment(translation, index, form.cleaned_data["target"], user=request.user)
    except ReleaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Segment %(number)d corrected and remembered.") % {"number": index + 1})
        if was_approved:
            messages.warning(request, _("%(code)s changed, so it needs approving again.") % {"code": code})
    return redirect(_review_url(release, code, f"segment-{index + 1}"))


@office_view
@require_POST
def upload_translation(request, pk, lang):
    release = release_for(request, pk)
    code = _code(lang)
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
    """Approve one language (``language``) or every translated one (``all``).

    Flagged segments need a human decision: without ``force`` the officer is
    shown how many, and approves again with an explicit confirmation.
    """
    release = release_for(request, pk)
    translations = release.translations.select_related("language")
    if request.POST.get("language"):
        code = _code(request.POST["language"])
        chosen = [t for t in translations if t.language.code == code]
        back = _review_url(release, code)
    else:
        chosen = [t for t in translations if t.status == Status.TRANSLATED]
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
            "back": back,
        })
    codes = [t.language.code for t in chosen]
    try:
        workflow.approve(release, codes, user=request.user, force=force)
    except ReleaseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Approved: %(codes)s.") % {"codes": ", ".join(codes)})
    return redirect(back) if back else redirect("office:release", pk=release.pk)
