"""Releases: submit (JSON or a .txt/.docx upload), list, state, approve, send, pause, resume, cancel.

Each change is one call of `releases.workflow`, as in the office; a
`ReleaseError` it raises is the answer: 400 for what was submitted, 409 for
an action the release's state does not allow.
"""

from __future__ import annotations

import logging
from datetime import timezone as dt_timezone

from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Status
from ninja.files import UploadedFile

from b40news import languages
from b40news.api import access, schemas
from b40news.api.errors import bad_request, conflict, forbidden, responses
from b40news.api.schemas import Text
from b40news.delivery.status import release_status
from b40news.network.models import City, MailingList
from b40news.releases import workflow
from b40news.releases.intake import ReleaseError
from b40news.web.office import permissions
from b40news.web.office.documents import uploaded_text

log = logging.getLogger(__name__)
router = Router(tags=["releases"])
ReleaseId = Path(..., ge=1, le=access.MAX_ID)


def _out(release) -> dict:
    return {"id": release.pk, "title": release.title, "city": release.city.slug, "status": release.status,
            "scheduled_for": release.scheduled_for, "created_at": release.created_at,
            "lists": sorted(release.lists.values_list("slug", flat=True))}


@router.get("/releases", response={200: schemas.ReleasePage, **responses(401, 403)},
            summary="The releases the caller may see, newest first")
def list_releases(request, paging: Query[schemas.Paging]):
    access.office_user(request)
    releases = permissions.visible_releases(request.auth).order_by("-created_at", "-pk")
    found = access.page_of(releases, paging.page, paging.page_size)
    found["items"] = [_out(release) for release in found["items"]]
    return found


def _submit(request, raw: bytes, name: str, *, title, city, lists, translate: bool):
    user = access.office_user(request)
    if city:
        chosen = permissions.submit_cities(user).filter(slug=city).first()
        if chosen is None:
            if City.objects.filter(slug=city).exists():
                raise forbidden(_("This account may not submit releases for %(city)s.") % {"city": city})
            raise bad_request(_("There is no city %(city)s.") % {"city": city})
    else:
        officer = permissions.officer_of(user)
        if officer is None:
            raise bad_request(_("Name the city to submit for (city)."))
        chosen = officer.city
    lists = list(dict.fromkeys(lists))
    allowed = set(permissions.target_lists(user).filter(slug__in=lists).values_list("slug", flat=True))
    refused = [slug for slug in lists if slug not in allowed and MailingList.objects.filter(slug=slug).exists()]
    if refused:
        raise forbidden(_("This account may not send to: %(lists)s.") % {"lists": ", ".join(refused)})
    try:
        release = workflow.submit(raw, name=name, city=chosen.slug, title=title or None, lists=lists, user=user)
    except ReleaseError as exc:
        raise bad_request(str(exc)) from None
    translation = _translate(release) if translate else "not requested"
    release.refresh_from_db(fields=["status"])
    return Status(201, {**_out(release), "translation": translation})


def _translate(release) -> str:
    """Hand the release to the translate queue, as the office's submit does."""
    from worker.tasks import translate_release

    workflow.start_translating(release)
    try:
        translate_release.delay(release_id=release.pk, languages=list(languages.TARGETS))
    except Exception as exc:  # a broker or engine failure must not lose the stored release
        log.exception("translating release %s could not start", release.pk)
        return _("not started: %(error)s") % {"error": type(exc).__name__}
    return "started"


@router.post("/releases", response={201: schemas.ReleaseCreated, **responses(401, 403, body=True)},
             summary="Submit a release as JSON text")
def submit(request, payload: schemas.ReleaseIn):
    return _submit(request, payload.body.encode("utf-8", "surrogatepass"), _("the text"), title=payload.title,
                   city=payload.city, lists=payload.lists, translate=payload.translate)


@router.post("/releases/upload", response={201: schemas.ReleaseCreated, **responses(401, 403, body=True)},
             summary="Submit a release as a .txt or .docx file (multipart/form-data)")
def submit_file(request, file: File[UploadedFile], title: Form[Text | None] = None, city: Form[Text | None] = None,
                lists: Form[list[Text]] = None, translate: Form[bool] = True):
    access.office_user(request)
    try:
        raw, name = uploaded_text(file)
    except ReleaseError as exc:
        raise bad_request(str(exc)) from None
    return _submit(request, raw, name, title=title, city=city, lists=lists or [], translate=translate)


@router.get("/releases/{release_id}", response={200: schemas.ReleaseState, **responses(401, 403, 404)},
            summary="A release's state: per language (translation, review, deliveries) and per list")
def state(request, release_id: int = ReleaseId):
    release = access.release(request, release_id)
    workflow.settle(release.pk)  # as the office's progress page: a send whose rows are all done is settled
    release.refresh_from_db()
    return release_status(release)


@router.post("/releases/{release_id}/approve",
             response={200: schemas.Approved, **responses(401, 403, 404, 409, body=True)},
             summary="Approve languages; flagged segments need force (a human decision)")
def approve(request, payload: schemas.ApproveIn, release_id: int = ReleaseId):
    release = access.release(request, release_id)
    if payload.languages is None:
        clean, flagged = workflow.approvable(release)
        codes = clean + [code for code, _count in flagged]
        if not codes:
            raise conflict(_("There is nothing to approve."))
    else:
        try:
            codes = list(dict.fromkeys(languages.get(code).code for code in payload.languages))
        except languages.UnknownLanguage as exc:
            raise bad_request(str(exc)) from None
        if languages.SOURCE in codes:
            raise bad_request(_("The original (%(code)s) is not reviewed.") % {"code": languages.SOURCE})
    try:
        approved = workflow.approve(release, codes, user=request.auth, force=payload.force,
                                    override=payload.override, operator="api")
    except ReleaseError as exc:
        raise conflict(str(exc)) from None
    release.refresh_from_db(fields=["status"])
    return {"approved": [t.language.code for t in approved], "status": release.status}


@router.post("/releases/{release_id}/send",
             response={200: schemas.SendReport, **responses(401, 403, 404, 409, body=True)},
             summary="Send now, or schedule for `at`")
def send(request, payload: schemas.SendIn, release_id: int = ReleaseId):
    release = access.release(request, release_id)
    eta = payload.at
    if eta is not None:
        try:  # no offset: UTC; year 1 or 9999 with an offset is past what a datetime holds in UTC
            eta = eta.replace(tzinfo=dt_timezone.utc) if eta.tzinfo is None else eta.astimezone(dt_timezone.utc)
        except (OverflowError, ValueError):
            raise bad_request(_("The time to send at is out of range.")) from None
    try:
        report = workflow.send(release, eta=eta)
    except ReleaseError as exc:
        raise conflict(str(exc)) from None
    release.refresh_from_db(fields=["status"])
    return {"status": release.status, "added": report.added, "due": report.due, "waiting": report.waiting,
            "scheduled_for": report.scheduled_for}


def _action(change, summary: str, name: str):
    @router.post(f"/releases/{{release_id}}/{name}",
                 response={200: schemas.ReleaseAction, **responses(401, 403, 404, 409)}, summary=summary,
                 operation_id=f"{name}_release")
    def view(request, release_id: int = ReleaseId):
        release = access.release(request, release_id)
        try:
            result = change(release)
        except ReleaseError as exc:
            raise conflict(str(exc)) from None
        release.refresh_from_db(fields=["status"])
        return {"status": release.status, "removed": result if name == "cancel" else None}
    return view


pause = _action(workflow.pause, "Pause a send: no new batch starts until it is resumed", "pause")
resume = _action(workflow.resume, "Resume a paused send", "resume")
cancel = _action(workflow.cancel, "Cancel a scheduled or paused send: recipients not yet sent to are taken back",
                 "cancel")
