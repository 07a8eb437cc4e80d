"""Tokens: made by staff (admin, command), stored hashed, revoked; 401 and 403 as JSON."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from b40news.api import tokens
from b40news.api.models import ApiToken
from tests.api.conftest import client_for, token_for
from tests.web.test_office_fixtures import logged_in

pytestmark = pytest.mark.django_db


def test_no_token_or_a_wrong_one_is_401_json_with_a_bearer_challenge(officer):
    for client in (Client(), client_for(token="b40_not-a-token"), Client(headers={"Authorization": "Basic eDp5"})):
        response = client.get("/api/v1/me")
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["code"] == "unauthorized" and "Bearer" in response.json()["detail"]


def test_a_token_acts_as_its_user_and_only_its_digest_is_stored(officer):
    token = token_for(officer)
    response = client_for(token=token).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json() == {"username": "ana", "staff": False, "city": "stara-zagora", "role": "city"}
    row = ApiToken.objects.get()
    assert row.digest == hashlib.sha256(token.encode()).hexdigest() and row.prefix == token[:12]
    assert token not in {value for value in row.__dict__.values() if isinstance(value, str)}
    assert row.last_used_at is not None


def test_a_revoked_token_or_an_inactive_user_is_refused(officer):
    token = token_for(officer)
    assert tokens.revoke(prefix=token[:12]) == 1
    assert client_for(token=token).get("/api/v1/me").status_code == 401
    token = token_for(officer)
    officer.is_active = False
    officer.save()
    assert client_for(token=token).get("/api/v1/me").status_code == 401


def test_a_user_who_is_neither_officer_nor_staff_gets_403(stranger):
    client = client_for(stranger)
    assert client.get("/api/v1/me").status_code == 200  # the token is good ...
    for path in ("/api/v1/releases", "/api/v1/subscribers", "/api/v1/webhooks"):
        response = client.get(path)  # ... but the office is not theirs
        assert response.status_code == 403 and response.json()["code"] == "forbidden", path


def test_errors_speak_the_office_language_the_caller_asks_for(officer):
    english = client_for(token="b40_nope").get("/api/v1/me").json()["detail"]
    bulgarian = client_for(token="b40_nope", **{"Accept-Language": "bg"}).get("/api/v1/me").json()["detail"]
    assert english != bulgarian and "Bearer" in bulgarian
    missing = client_for(officer, **{"Accept-Language": "bg"}).get("/api/v1/releases/999999").json()
    assert missing["code"] == "not_found" and "999999" in missing["detail"] and "release" not in missing["detail"]


def test_the_command_creates_lists_and_revokes_tokens(officer):
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "create", "ana", "--name", "the city's site", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert token.startswith("b40_") and "copy it now" in err.getvalue()
    assert client_for(token=token).get("/api/v1/me").status_code == 200
    listed = io.StringIO()
    call_command("api_token", "list", stdout=listed)
    assert token[:12] in listed.getvalue() and "the city's site" in listed.getvalue() and token not in listed.getvalue()
    call_command("api_token", "revoke", token[:12], stdout=io.StringIO())
    assert client_for(token=token).get("/api/v1/me").status_code == 401
    with pytest.raises(CommandError):
        call_command("api_token", "revoke", token[:12], stdout=io.StringIO())
    with pytest.raises(CommandError, match="no user"):
        call_command("api_token", "create", "nobody", stdout=io.StringIO())
    other = token_for(officer)
    call_command("api_token", "revoke", "--user", "ana", stdout=io.StringIO())
    assert client_for(token=other).get("/api/v1/me").status_code == 401


def test_staff_create_a_token_in_the_admin_shown_once_and_revoke_it(officer, staff):
    staff.is_superuser = True
    staff.save()
    admin = logged_in(staff)
    admin.handler.enforce_csrf_checks = False
    response = admin.post("/admin/api/apitoken/add/", {"user": officer.pk, "name": "website"})
    assert response.status_code == 200
    body = response.content.decode()
    row = ApiToken.objects.get()
    [token] = [word for word in body.replace("<", " ").replace(">", " ").split() if word.startswith("b40_")
               and len(word) > 20]
    assert tokens.digest(token) == row.digest and row.created_by == staff
    assert token not in admin.get(f"/admin/api/apitoken/{row.pk}/change/").content.decode()
    assert client_for(token=token).get("/api/v1/me").json()["username"] == "ana"
    admin.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [row.pk]})
    assert client_for(token=token).get("/api/v1/me").status_code == 401
