"""Releases through the API: the same permissions as the office, every change through the workflow."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from b40news.delivery.models import Delivery
from b40news.network.models import Officer
from b40news.releases import workflow
from b40news.releases.models import Release, Translation
from tests.api.conftest import client_for
from tests.conftest import SEED, SEED_TITLE
from tests.web.test_office_fixtures import HOME, OTHER, make_user

pytestmark = pytest.mark.django_db

BODY = SEED.read_text(encoding="utf-8")


def actions(release) -> list[tuple[str, str, dict | None]]:
    base = f"/api/v1/releases/{release.pk}"
    return [
        ("get", base, None),
        ("post", f"{base}/approve", {"languages": ["mk"], "force": True}),
        ("post", f"{base}/send", {}),
        ("post", f"{base}/pause", {}),
        ("post", f"{base}/resume", {}),
        ("post", f"{base}/cancel", {}),
    ]


def call(client: Client, method: str, path: str, data: dict | None):
    if method == "get":
        return client.get(path)
    return client.post(path, data or {}, content_type="application/json")


def snapshot(release) -> tuple:
    release.refresh_from_db()
    return (release.status, release.scheduled_for,
            tuple(release.translations.order_by("pk").values_list("status", flat=True)),
            Delivery.objects.filter(release=release).count())


def test_permission_matrix_for_one_citys_release(release, officer, other_officer, staff, stranger, mta, settings):
    """Own city's officer and staff act; another city's officer gets 404, a stranger 403, no token 401."""
    settings.SMTP_URL = mta.url
    networker = make_user("vesna", city=OTHER, role=Officer.Role.NETWORK)
    refused = {None: 401, "stranger": 403, "other": 404, "networker": 404}
    users = {"stranger": stranger, "other": other_officer, "networker": networker}
    before = snapshot(release)
    for who, expected in refused.items():
        client = client_for(users.get(who)) if who else Client()
        for method, path, data in actions(release):
            response = call(client, method, path, data)
            assert response.status_code == expected, (who, path, response.content)
            assert response.json()["code"] in ("unauthorized", "forbidden", "not_found")
    assert snapshot(release) == before  # nobody refused changed anything
    for who, user in (("officer", officer), ("staff", staff)):
        client = client_for(user)
        for method, path, data in actions(release):
            response = call(client, method, path, data)
            assert response.status_code in (200, 409), (who, path, response.content)  # 409: the state says no
    assert Translation.objects.get(release=release, language__code="mk").status == "approved"


def test_the_list_shows_only_the_callers_releases(release, other_release, officer, other_officer, staff):
    mine = client_for(officer).get("/api/v1/releases").json()
    assert [item["id"] for item in mine["items"]] == [release.pk] and mine["count"] == 1
    assert mine["items"][0]["city"] == HOME and mine["items"][0]["lists"] == [f"{HOME}-news"]
    theirs = client_for(other_officer).get("/api/v1/releases").json()
    assert [item["id"] for item in theirs["items"]] == [other_release.pk]
    every = client_for(staff).get("/api/v1/releases?page_size=1").json()
    assert every["count"] == 2 and len(every["items"]) == 1 and every["items"][0]["id"] == other_release.pk
    assert client_for(staff).get("/api/v1/releases?page_size=0").status_code == 400


def test_state_is_the_status_document(release, officer):
    state = client_for(officer).get(f"/api/v1/releases/{release.pk}").json()
    assert state["release"] == release.pk and state["city"] == HOME and state["title"] == SEED_TITLE
    assert state["status"] == "review"
    assert state["languages"]["mk"]["status"] == "translated" and state["languages"]["mk"]["flagged"] > 0
    # segments publishable as they are, by the checks' own estimate: every segment with text and no flag
    mk = Translation.objects.get(release=release, language__code="mk")
    with_text = sum(1 for segment in mk.segments if any(c.isalpha() for c in segment["source"]))
    assert state["languages"]["mk"]["publishable"] == with_text - state["languages"]["mk"]["flagged"] > 0
    assert state["languages"]["hr"]["status"] == "no_engine"
    assert set(state["counts"]) >= {"waiting", "pending", "sent"} and "progress" in state


# -- submitting ---------------------------------------------------------------------------


def test_an_officer_submits_json_text_for_the_own_city(officer, monkeypatch):
    started = []
    monkeypatch.setattr("worker.tasks.translate_release.delay", lambda **kwargs: started.append(kwargs))
    response = client_for(officer).post("/api/v1/releases", {"body": BODY, "title": SEED_TITLE},
                                        content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["city"] == HOME and created["title"] == SEED_TITLE and created["lists"] == [f"{HOME}-news"]
    assert created["translation"] == "started" and created["status"] == "translating"
    release = Release.objects.get(pk=created["id"])
    assert release.submitted_by == officer and release.body == BODY.strip("\n")
    assert started == [{"release_id": release.pk, "languages": list(__import__("b40news.languages").languages
                                                                      .TARGETS)}]


def test_submitting_is_refused_for_other_cities_and_lists(officer, staff):
    client = client_for(officer)
    def submit(**data):
        return client.post("/api/v1/releases", {"body": BODY, "title": SEED_TITLE, "translate": False, **data},
                           content_type="application/json")
    assert submit(city=OTHER).status_code == 403
    assert submit(lists=[f"{OTHER}-news"]).status_code == 403
    assert submit(city="atlantis").json()["code"] == "invalid"
    assert submit(lists=["no-such-list"]).status_code == 400
    assert submit(body="one line only", title=None).status_code == 400  # the workflow's own message
    assert submit(title="x" * 301).status_code == 400
    assert submit(body="").status_code == 400
    assert client.post("/api/v1/releases", "{not json", content_type="application/json").status_code == 400
    assert not Release.objects.exists()
    # Staff name the city; without one they are told to.
    admin = client_for(staff)
    assert admin.post("/api/v1/releases", {"body": BODY, "title": SEED_TITLE, "translate": False},
                      content_type="application/json").status_code == 400
    created = admin.post("/api/v1/releases", {"body": BODY, "title": SEED_TITLE, "translate": False, "city": OTHER},
                         content_type="application/json")
    assert created.status_code == 201 and created.json()["translation"] == "not requested"


def test_a_network_officer_may_target_every_list(network):
    networker = make_user("vesna", city=HOME, role=Officer.Role.NETWORK)
    response = client_for(networker).post(
        "/api/v1/releases", {"body": BODY, "title": SEED_TITLE, "translate": False,
                             "lists": [f"{HOME}-news", f"{OTHER}-news"]},
        content_type="application/json")
    assert response.status_code == 201 and response.json()["lists"] == [f"{OTHER}-news", f"{HOME}-news"]


def docx(paragraphs: list[str]) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>')
    return buffer.getvalue()


def test_a_docx_or_txt_upload_is_read_like_the_offices(officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(officer)
    paragraphs = [SEED_TITLE] + [line for line in BODY.split("\n") if line.strip()]
    response = client.post("/api/v1/releases/upload", {
        "file": SimpleUploadedFile("release.docx", docx(paragraphs)), "translate": "false"})
    assert response.status_code == 201, response.content
    assert response.json()["title"] == SEED_TITLE
    response = client.post("/api/v1/releases/upload", {
        "file": SimpleUploadedFile("release.txt", BODY.encode()), "translate": "false", "title": "Заглавие",
        "lists": [f"{HOME}-news"]})
    assert response.status_code == 201 and response.json()["title"] == "Заглавие"
    refused = client.post("/api/v1/releases/upload", {"file": SimpleUploadedFile("release.pdf", b"%PDF-1.4")})
    assert refused.status_code == 400 and ".docx" in refused.json()["detail"]
    assert client.post("/api/v1/releases/upload", {"title": "no file"}).status_code == 400
    assert Release.objects.count() == 2


# -- review and sending ---------------------------------------------------------------------


def test_approving_follows_the_flagged_and_force_rules(release, officer):
    client = client_for(officer)
    url = f"/api/v1/releases/{release.pk}/approve"
    flagged = client.post(url, {"languages": ["mk"]}, content_type="application/json")
    assert flagged.status_code == 409 and "flagged" in flagged.json()["detail"]
    assert client.post(url, {"languages": ["hr"], "force": True}, content_type="application/json").status_code == 409
    assert client.post(url, {"languages": ["xx"]}, content_type="application/json").status_code == 400
    assert client.post(url, {"languages": ["bg"]}, content_type="application/json").status_code == 400
    assert client.post(url, {"languages": []}, content_type="application/json").status_code == 400
    assert Translation.objects.get(release=release, language__code="mk").status == "translated"
    done = client.post(url, {"languages": ["mk"], "force": True}, content_type="application/json")
    assert done.status_code == 200 and done.json() == {"approved": ["mk"], "status": "review"}
    mk = Translation.objects.get(release=release, language__code="mk")
    assert mk.status == "approved" and mk.approved_by == officer
    # Without languages: every translated one (English is left), with force for its flags.
    rest = client.post(url, {"force": True}, content_type="application/json")
    assert rest.status_code == 200 and rest.json()["approved"] == ["en"]
    assert client.post(url, {}, content_type="application/json").status_code == 409  # nothing left


@pytest.mark.django_db(transaction=True)
def test_send_now_through_the_api(release, officer, mta, settings):
    settings.SMTP_URL = mta.url
    workflow.approve(release, ["mk"], force=True, override=True)
    client = client_for(officer)
    response = client.post(f"/api/v1/releases/{release.pk}/send", {}, content_type="application/json")
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["added"] == 5 and report["waiting"] == {"hr": 1} and report["scheduled_for"] is None
    assert len(mta.messages()) == 4
    state = client.get(f"/api/v1/releases/{release.pk}").json()
    assert state["status"] == "sent_waiting" and state["counts"]["sent"] == 4
    # Nothing to pause or cancel any more.
    assert client.post(f"/api/v1/releases/{release.pk}/pause").status_code == 409
    assert client.post(f"/api/v1/releases/{release.pk}/cancel").status_code == 409


def test_a_set_time_needs_workers(release, officer):
    at = (timezone.now() + timedelta(hours=1)).isoformat()
    response = client_for(officer).post(f"/api/v1/releases/{release.pk}/send", {"at": at},
                                        content_type="application/json")
    assert response.status_code == 409 and "Celery" in response.json()["detail"]
    assert not Delivery.objects.exists()


def test_schedule_pause_resume_and_cancel(release, officer, monkeypatch):
    monkeypatch.setattr(workflow, "workers_available", lambda: True)
    client = client_for(officer)
    base = f"/api/v1/releases/{release.pk}"
    at = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    response = client.post(f"{base}/send", {"at": at.replace(tzinfo=None).isoformat()},
                           content_type="application/json")  # no offset: UTC
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "scheduled" and response.json()["scheduled_for"].startswith(
        at.isoformat()[:19])
    assert client.post(f"{base}/resume").status_code == 409
    assert client.post(f"{base}/pause").json() == {"status": "paused", "removed": None}
    assert client.post(f"{base}/send", {}, content_type="application/json").status_code == 409  # paused
    assert client.post(f"{base}/resume").json()["status"] == "scheduled"
    cancelled = client.post(f"{base}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["removed"] == 5
    assert not Delivery.objects.filter(release=release).exists()


def test_ids_out_of_range_or_not_numbers_are_400_or_404(officer):
    client = client_for(officer)
    assert client.get("/api/v1/releases/0").status_code == 400
    assert client.get(f"/api/v1/releases/{2**64}").status_code == 400
    assert client.get("/api/v1/releases/abc").status_code in (400, 404)
    assert client.get("/api/v1/releases/123456").status_code == 404


def test_an_unexpected_error_is_a_json_500_without_a_traceback(release, officer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("b40news.api.releases.release_status", broken)
    client = client_for(officer)
    client.raise_request_exception = False
    response = client.get(f"/api/v1/releases/{release.pk}")
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "server_error" and "secret" not in response.content.decode()


def test_docs_and_schema_are_served_at_stable_urls(settings):
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "b40news API"
    assert "/api/v1/subscribe/{list_slug}" in schema.json()["paths"]
    assert schema.json()["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    docs = Client().get("/api/v1/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui-bundle.js" in page and "cdn" not in page.lower()  # from the site (CSP: 'self')


def test_a_workflow_message_comes_in_bulgarian_when_asked(release, officer):
    """The workflow's own messages, in the office's language the caller asks for (where it has one)."""
    url = f"/api/v1/releases/{release.pk}/cancel"
    bulgarian = client_for(officer, **{"Accept-Language": "bg"}).post(url)
    english = client_for(officer, **{"Accept-Language": "en"}).post(url)
    assert bulgarian.status_code == english.status_code == 409
    assert english.json()["detail"] == "only a scheduled or paused send can be cancelled"
    assert bulgarian.json()["detail"] == "може да се отмени само насрочено или временно спряно изпращане"


def test_a_body_over_djangos_limit_is_413_json(officer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client_for(officer).post("/api/v1/releases", {"body": "x" * 2000, "title": "t"},
                                        content_type="application/json")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
