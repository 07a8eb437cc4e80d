"""The Django admin: every model registered, lists with filters, the ledger read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from b40news.delivery import scoring
from b40news.delivery.models import BounceScore, Delivery, MailReport, Rendition, Suppression
from b40news.network.models import City, Language, MailingList, Officer, Subscriber, Subscription
from b40news.releases.models import Release, Translation
from b40news.releases import workflow
from b40news.releases.workflow import approve
from b40news.translation.memory import remember_human
from b40news.translation.models import MemoryEntry
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    fast_hashing, logged_in, network, officer, release,
)

pytestmark = pytest.mark.django_db(transaction=True)  # send tasks are enqueued on commit
MODELS = [City, Language, MailingList, Officer, Subscriber, Subscription, Release, Translation, Delivery,
          Rendition, Suppression, MemoryEntry, get_user_model(), BounceScore, MailReport]


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def sent(release, mta, settings):
        
    settings.SMTP_URL = mta.url
    approve(release, ["mk"], force=True, override=True)
    workflow.send(release)
    remember_human([("Здравей.", "Здраво.")], "mk")
    Suppression.objects.create(email="gone@example.org", reason="hard-bounce")
    scoring.score("full@example.org", "soft", status="5.2.2")
    scoring.report("rcpt", "policy", email="fine@example.org", status="5.7.1", detail="550 5.7.1 policy")
    return release


def test_every_model_has_a_working_list_and_change_page(sent, officer):
    client = logged_in(get_user_model().objects.create_superuser("root", "root@b40.test", "a-long-password-42"))
    for model in MODELS:
        assert admin.site.is_registered(model), model
        response = client.get(url(model, "changelist"))
        assert response.status_code == 200, model
        first = model.objects.order_by("pk").first()
        assert first is not None, model
        assert client.get(url(model, "change", first.pk)).status_code == 200, model
    deliveries = client.get(url(Delivery, "changelist") + "?state__exact=sent").content.decode()
    assert deliveries.count("<tr") > 2 and "example.org" in deliveries
    assert "?state__exact=waiting" in deliveries  # the filter by state
    users = client.get(url(get_user_model(), "changelist")).content.decode()
    assert "stara-zagora" in users  # the officer's city beside the user
    assert "Officer" in client.get(url(get_user_model(), "change", officer.pk)).content.decode()


def test_the_ledger_is_read_only(sent):
    model_admin = admin.site._registry[Delivery]
    row = Delivery.objects.first()
    request = type("Request", (), {"user": get_user_model().objects.create_superuser("r2", "r2@b40.test", "x")})()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
    client = Client()  # no CSRF check: the refusal below is the admin's own
    client.force_login(request.user)
    before = Delivery.objects.get(pk=row.pk).state
    assert client.post(url(Delivery, "change", row.pk), {"state": "failed"}).status_code == 403
    assert Delivery.objects.get(pk=row.pk).state == before
    assert client.get(url(Delivery, "add")).status_code == 403
