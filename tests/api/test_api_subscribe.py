"""Signing up from a city's own site: double opt-in, the form's limits, CORS; a city's subscriber list."""

from __future__ import annotations

import pytest
from django.test import Client

from b40news.api.models import AllowedOrigin
from b40news.network.models import City, MailingList, Subscriber, Subscription
from tests.api.conftest import client_for
from tests.web.test_office_fixtures import HOME, OTHER, add_subscribers
from tests.web.test_public_fixtures import confirm_path, strings
from tests.web.test_public_fixtures import network as sample_network

pytestmark = pytest.mark.django_db(transaction=True)  # confirmations are enqueued on commit

SKOPJE = f"/api/v1/subscribe/{OTHER}-news"
SITE = "https://www.skopje.gov.mk"


@pytest.fixture
def sample():
    """The sample network without subscribers."""
    sample_network()


@pytest.fixture
def limits(settings, mta):
    settings.SMTP_URL = mta.url
    settings.SUBSCRIBE_RATE_PER_CLIENT = "5/m,30/h,100/d"
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "1/d"


def sign_up(email: str, *, address: str = "192.0.2.10", origin: str | None = None, **data):
    headers = {"Origin": origin} if origin else {}
    return Client(headers=headers).post(SKOPJE, {"email": email, **data}, content_type="application/json",
                                        REMOTE_ADDR=address)


def test_a_sign_up_is_a_double_opt_in_with_a_consent_record(sample, limits, mta):
    response = sign_up("Ana@Example.org", language="sq")
    assert response.status_code == 202, response.content
    name = MailingList.objects.get(slug=f"{OTHER}-news").name
    assert response.json() == {"status": "confirmation_sent", "detail": strings(
        "sq", list=name, email="Ana@example.org")["subscribe_sent_body"]}
    subscription = Subscription.objects.select_related("subscriber__language").get()
    assert subscription.status == "pending" and subscription.subscriber.email == "Ana@example.org"
    assert subscription.consent_form == "api:direct" and str(subscription.consent_ip) == "192.0.2.10"
    assert subscription.subscriber.language.code == "sq" and subscription.consent_language == "sq"
    [message] = mta.messages()
    assert message["To"] == "Ana@example.org" and message["Content-Language"] == "sq"
    # The link in the mail confirms, as for the form.
    assert Client().post(confirm_path(message)).status_code == 200
    assert Subscription.objects.get().status == "confirmed"


def test_the_answer_speaks_the_chosen_or_the_browsers_or_the_citys_language(sample, limits):
    city = City.objects.get(slug=OTHER)
    chosen = sign_up("a@example.org", language="tr").json()["detail"]
    assert strings("tr", email="a@example.org")["subscribe_sent_body"].split("{")[0][:20] in chosen
    browser = Client(headers={"Accept-Language": "el"}).post(
        SKOPJE, {"email": "b@example.org"}, content_type="application/json", REMOTE_ADDR="192.0.2.11").json()
    assert strings("el", email="b@example.org")["subscribe_sent_body"][:15] in browser["detail"]
    default = sign_up("c@example.org", address="192.0.2.12").json()["detail"]
    assert strings(city.default_language.code, email="c@example.org")["subscribe_sent_body"][:15] in default
    assert Subscriber.objects.get(email="c@example.org").language == city.default_language
    invalid = sign_up("not an address", language="mk", address="192.0.2.13")
    assert invalid.status_code == 400 and invalid.json() == {"code": "invalid_email",
                                                             "detail": strings("mk")["subscribe_invalid"]}
    unknown = sign_up("d@example.org", language="xx", address="192.0.2.14")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_language"
    assert sign_up("e@example.org", address="192.0.2.15").status_code == 202
    missing = Client().post("/api/v1/subscribe/no-such-list", {"email": "f@example.org"},
                            content_type="application/json")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_one_client_gets_five_a_minute_sharing_the_forms_budget(sample, limits, mta):
    # Two through the public form, three through the API: then the API says 429.
    for n in range(2):
        assert Client().post(f"/s/{OTHER}-news/", {"email": f"form{n}@example.org", "language": "mk"},
                             REMOTE_ADDR="192.0.2.10").status_code == 200
    answers = [sign_up(f"api{n}@example.org").status_code for n in range(10)]
    assert answers == [202] * 3 + [429] * 7
    refused = sign_up("late@example.org", language="mk")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json() == {"code": "too_many_requests", "detail": strings("mk")["subscribe_too_many"]}
    assert Subscription.objects.count() == 5 and len(mta.messages()) == 5
    # The form too is refused now: one budget per client, whichever way in.
    assert Client().post(f"/s/{OTHER}-news/", {"email": "x@example.org", "language": "mk"},
                         REMOTE_ADDR="192.0.2.10").status_code == 429
    assert sign_up("other@example.org", address="192.0.2.77").status_code == 202  # another client is not affected


def test_one_mailbox_gets_one_confirmation_a_day_and_nobody_learns_it(sample, limits, mta):
    answers = {sign_up("victim@example.org", address=f"192.0.2.{n + 20}").content for n in range(6)}
    assert len(answers) == 1  # the same answer every time
    assert len(mta.messages()) == 1 and Subscription.objects.count() == 1
    # The form shares the mailbox's budget too.
    assert Client().post(f"/s/{OTHER}-news/", {"email": "VICTIM@example.org", "language": "mk"},
                         REMOTE_ADDR="192.0.2.99").status_code == 200
    assert len(mta.messages()) == 1


def test_the_honeypot_gets_the_usual_answer_and_nothing_else(sample, limits, mta):
    response = sign_up("bot@example.org", website="http://spam.example")
    assert response.status_code == 202 and response.json()["status"] == "confirmation_sent"
    assert not Subscription.objects.exists() and mta.messages() == []


def test_cors_only_for_origins_of_the_city_or_the_setting(sample, limits, settings):
    AllowedOrigin.objects.create(city=City.objects.get(slug=OTHER), origin=SITE)
    AllowedOrigin.objects.create(city=City.objects.get(slug=HOME), origin="https://www.starazagora.bg")
    preflight = Client(headers={"Origin": SITE, "Access-Control-Request-Method": "POST"}).options(SKOPJE)
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == SITE and "POST" in preflight["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight["Access-Control-Allow-Headers"]
    allowed = sign_up("a@example.org", origin=SITE)
    assert allowed.status_code == 202 and allowed["Access-Control-Allow-Origin"] == SITE
    assert allowed["Vary"].endswith("Origin") or "Origin" in allowed["Vary"]
    assert Subscription.objects.get().consent_form == "api:www.skopje.gov.mk"
    # Another city's site, and a stranger's, are refused before anything happens.
    for origin in ("https://www.starazagora.bg", "https://evil.example"):
        refused = sign_up("b@example.org", origin=origin, address="192.0.2.50")
        assert refused.status_code == 403 and refused.json()["code"] == "origin_not_allowed"
        assert "Access-Control-Allow-Origin" not in refused
        nothing = Client(headers={"Origin": origin}).options(SKOPJE)
        assert nothing.status_code == 204 and "Access-Control-Allow-Origin" not in nothing
    assert Subscription.objects.count() == 1
    # An error answer to an allowed site is readable by its page.
    invalid = sign_up("", origin=SITE, address="192.0.2.51")
    assert invalid.status_code == 400 and invalid["Access-Control-Allow-Origin"] == SITE
    broken = Client(headers={"Origin": SITE}).post(SKOPJE, "{", content_type="application/json")
    assert broken.status_code == 400 and broken["Access-Control-Allow-Origin"] == SITE
    # The setting allows a site for every city.
    settings.API_CORS_ORIGINS = ["https://news.b40.example"]
    assert sign_up("c@example.org", origin="https://news.b40.example", address="192.0.2.52").status_code == 202


def test_origins_are_normalised_and_checked():
    from django.core.exceptions import ValidationError

    from b40news.api.cors import normalise_origin

    assert normalise_origin("HTTPS://WWW.Example.org:443/") == "https://www.example.org"
    assert normalise_origin("http://localhost:8080") == "http://localhost:8080"
    for bad in ("www.example.org", "https://www.example.org/path", "ftp://example.org", "https://"):
        with pytest.raises(ValueError):
            normalise_origin(bad)
    row = AllowedOrigin(origin="https://x.example/path")
    with pytest.raises(ValidationError):
        row.clean()


# -- a city's subscribers --------------------------------------------------------------


def test_an_officer_lists_the_own_citys_subscribers_paginated(officer, other_officer, staff, stranger):
    add_subscribers(f"{HOME}-news", ["mk"] * 7)  # 5 more from the fixture: 12 on Stara Zagora's list
    client = client_for(officer)
    first = client.get("/api/v1/subscribers?page_size=5").json()
    assert first["count"] == 12 and first["page"] == 1 and len(first["items"]) == 5
    third = client.get("/api/v1/subscribers?page_size=5&page=3").json()
    assert len(third["items"]) == 2
    every = [item["id"] for page in (1, 2, 3) for item in
             client.get(f"/api/v1/subscribers?page_size=5&page={page}").json()["items"]]
    assert len(set(every)) == 12
    item = first["items"][0]
    assert set(item) == {"id", "email", "language", "list", "status", "created_at", "confirmed_at",
                         "unsubscribed_at"}
    assert {row["list"] for row in first["items"]} == {f"{HOME}-news"}
    assert client.get("/api/v1/subscribers?status=pending").json()["count"] == 0
    assert client.get("/api/v1/subscribers?status=bogus").status_code == 400
    assert client.get(f"/api/v1/subscribers?list={OTHER}-news").status_code == 404  # not theirs
    assert client.get(f"/api/v1/subscribers?city={OTHER}").status_code == 404
    assert client.get("/api/v1/subscribers?page=0").status_code == 400
    assert client.get("/api/v1/subscribers?page_size=501").status_code == 400
    # Skopje's officer sees Skopje's one subscriber; staff see everyone, or one city.
    assert client_for(other_officer).get("/api/v1/subscribers").json()["count"] == 1
    assert client_for(staff).get("/api/v1/subscribers").json()["count"] == 13
    assert client_for(staff).get(f"/api/v1/subscribers?city={OTHER}").json()["count"] == 1
    assert client_for(stranger).get("/api/v1/subscribers").status_code == 403
    assert Client().get("/api/v1/subscribers").status_code == 401
