"""The OpenAPI schema against the running code: schemathesis, in-process through the WSGI app (no network).

Every operation gets a bounded number of generated requests, valid and
invalid (positive and negative modes), with a staff token; a generated
release, list or webhook id is often swapped for a real one, so the actions
reach the workflow rather than stopping at 404. Every response must conform:
no 5xx, a documented status code, a body that matches its schema, the
declared content type; invalid input must be refused with a 4xx; an
operation that needs a token must refuse a request without one.

One check is left out: ``positive_data_acceptance`` (every schema-valid
request must succeed). The schema cannot say what the database decides —
that the city exists and is the caller's, that the text has a title line, that
the list belongs to the city — and such a request is answered 400 with the
reason, by design.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from django.test import Client

from b40news.api import tokens
from b40news.api.main import api
from b40news.api.models import ApiToken
from b40news.webhooks.models import Endpoint
from tests.web.test_office_fixtures import HOME, make_user, seed_release

EXAMPLES = 25  # per operation and mode: bounded, the whole run takes well under a minute


TOKEN = "b40_schemathesis-" + "k" * 30  # a staff token made by the `world` fixture
CONFIG = SchemathesisConfig.from_dict({
    "auth": {"openapi": {"TokenAuth": {"bearer": TOKEN}}},
    # Unknown query parameters are ignored by design (a cache-buster must not break a call): not generated.
    "generation": {"max-examples": EXAMPLES, "allow-extra-parameters": False},
})


def _load():
    """The schema the API serves at /api/v1/openapi.json (a test below checks it is the same), its
    requests sent in-process to the WSGI application. Loaded at collection, when the database is not
    open yet: hence from the API object rather than through a request."""
    loaded = schemathesis.openapi.from_dict(served_schema(), config=CONFIG)
    loaded.app = get_wsgi_application()
    return loaded


def served_schema() -> dict:
    return json.loads(json.dumps(api.get_openapi_schema()))


schema = _load()


def test_the_schema_tested_is_the_one_served():
    served = Client().get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.json() == served_schema()


@pytest.fixture
def world(network, mta, monkeypatch, settings):
    settings.SMTP_URL = mta.url
    settings.WEBHOOK_ALLOW_LOCAL = False  # generated URLs are never called: the real rule applies
    monkeypatch.setattr("worker.tasks.translate_release.delay", lambda **kwargs: None)  # no engines here
    # The real WSGI handler closes the database connection after each request, which would end the
    # test's transaction; Django's own test client leaves it open the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    staff = make_user("root", staff=True)
    ApiToken.objects.create(user=staff, name="schemathesis", prefix=TOKEN[:12], digest=tokens.digest(TOKEN))
    release = seed_release(translate=("mk",))
    endpoint = Endpoint.objects.create(city=release.city, url="https://hooks.example.org/b40",
                                       events=["release.sent"], active=False)  # listed, never called
    yield {"release": release.pk, "list": f"{HOME}-news", "webhook": endpoint.pk}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def real_ids(case, world) -> None:
    """In positive mode, half of the ids (those that are even) become ids that exist."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    path = case.path_parameters or {}
    for name, real in (("release_id", world["release"]), ("webhook_id", world["webhook"])):
        if isinstance(path.get(name), int) and path[name] % 2 == 0:
            path[name] = real
    if isinstance(path.get("list_slug"), str) and len(path["list_slug"]) % 2 == 0:
        path["list_slug"] = world["list"]


@pytest.mark.django_db
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_conforms_to_the_schema(case, world):
    real_ids(case, world)
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
