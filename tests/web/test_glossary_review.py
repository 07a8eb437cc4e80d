"""/office/glossary/: the review queue, decisions, entry history, proposing; who may see what."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from b40news.glossary import database, review
from b40news.glossary.database import read
from b40news.glossary.entries import Glossary

pytestmark = pytest.mark.django_db

QUEUE = "office:glossary:queue"


@pytest.fixture
def staff():
    user = get_user_model().objects.create_user("admin1", password="x-long-password", is_staff=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def sofia_change():
    return review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author="officer1",
                          comment="as the embassy writes it")


def decide_url(entry_id: str) -> str:
    return reverse("office:glossary:decide", args=[entry_id])


def csrf_post(client: Client, page: str, url: str, data: dict):
    """POST as a browser does: the token from the page's form."""
    html = client.get(page).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def test_anonymous_users_are_sent_to_the_login_page(sofia_change):
    for url in (reverse(QUEUE), reverse("office:glossary:entries"), reverse("office:glossary:propose"),
                reverse("office:glossary:entry", args=["city.sofia"])):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")
    response = Client().post(decide_url(sofia_change.id), {"decision": "approve"})
    assert response.status_code == 302 and read().get(sofia_change.id).status == "proposed"


def test_non_staff_users_are_forbidden(sofia_change):
    user = get_user_model().objects.create_user("reader", password="x-long-password")
    client = Client()
    client.force_login(user)
    for url in (reverse(QUEUE), reverse("office:glossary:entries"), reverse("office:glossary:propose"),
                reverse("office:glossary:entry", args=["city.sofia"])):
        assert client.get(url).status_code == 403
    assert client.post(decide_url(sofia_change.id), {"decision": "approve", "comment": "x"}).status_code == 403
    assert read().get(sofia_change.id).status == "proposed"


def test_queue_shows_each_proposal_with_its_diff(sofia_change, staff):
    html = staff.get(reverse(QUEUE)).content.decode()
    assert 'id="proposal-city.sofia~r1"' in html
    assert "<th scope=\"row\">sq</th><td><del>Sofja</del></td><td><ins>Sofje</ins></td>" in html
    assert "proposed by officer1" in html and "as the embassy writes it" in html
    assert "The glossary is clean" in html
    assert f'action="{decide_url("city.sofia~r1")}"' in html


def test_staff_approve_with_a_comment(sofia_change, staff):
    version = read().version
    response = csrf_post(staff, reverse(QUEUE), decide_url(sofia_change.id),
                         {"decision": "approve", "comment": "confirmed"})
    assert response.status_code == 302 and response["Location"] == reverse(QUEUE)
    glossary = read()
    assert glossary.get("city.sofia").targets["sq"] == "Sofje" and "city.sofia~r1" not in glossary
    assert glossary.version != version and glossary.get("city.sofia").approved_by == "admin1"
    change = review.history("city.sofia").get(action="approved")
    assert change.author.username == "admin1" and change.comment == "confirmed"
    page = staff.get(reverse(QUEUE)).content.decode()
    assert f"Approved city.sofia~r1: glossary version {version} → {glossary.version}." in page
    assert "No proposal is waiting for review." in page


def test_staff_reject_needs_a_comment(sofia_change, staff):
    csrf_post(staff, reverse(QUEUE), decide_url(sofia_change.id), {"decision": "reject", "comment": ""})
    assert read().get(sofia_change.id).status == "proposed"
    assert "a rejection needs a comment" in staff.get(reverse(QUEUE)).content.decode()
    csrf_post(staff, reverse(QUEUE), decide_url(sofia_change.id), {"decision": "reject", "comment": "keep Sofja"})
    assert read().get(sofia_change.id).status == "rejected"
    assert review.history("city.sofia").get(action="rejected").comment == "keep Sofja"


def test_a_post_without_the_csrf_token_is_refused(sofia_change, staff):
    response = staff.post(decide_url(sofia_change.id), {"decision": "approve", "comment": "x"})
    assert response.status_code == 403
    assert read().get(sofia_change.id).status == "proposed"


def test_a_refused_approval_shows_the_lint_message(staff):
    review.propose({"kind": "term", "bg": "Загреб", "targets": {"en": "Agram"}}, author="o", fill_missing=True)
    queue = staff.get(reverse(QUEUE)).content.decode()
    assert "Approving it now would be refused" in queue and "<code>conflict</code>" in queue
    csrf_post(staff, reverse(QUEUE), decide_url("term.agram"), {"decision": "approve", "comment": ""})
    assert read().get("term.agram").status == "proposed"
    page = staff.get(reverse(QUEUE)).content.decode()
    assert "cannot approve term.agram: the glossary would not be clean" in page


def test_lint_warnings_of_the_stored_glossary_are_shown(staff):
    with database.locked() as glossary:
        broken = [e for e in glossary.entries if e.id != "city.sofia"]
        broken.append(replace(glossary.get("city.sofia"), targets={"en": "Sofia"}))
        database.save(glossary, Glossary(tuple(broken)))
    html = staff.get(reverse(QUEUE)).content.decode()
    assert "Lint warnings (1)" in html and "<code>missing-language</code>" in html


def test_entry_page_shows_targets_and_history(sofia_change, staff):
    review.approve(sofia_change.id, admin="admin1", comment="confirmed")
    html = staff.get(reverse("office:glossary:entry", args=["city.sofia"])).content.decode()
    assert "<th scope=\"row\">sq</th><td>Sofje</td>" in html
    assert html.count("city.sofia~r1</code> by") == 2  # proposed, approved
    assert "as the embassy writes it" in html and "confirmed" in html
    assert "<del>Sofja</del>" in html and "<ins>Sofje</ins>" in html
    assert staff.get(reverse("office:glossary:entry", args=["city.atlantis"])).status_code == 404
    entries = staff.get(reverse("office:glossary:entries")).content.decode()
    assert reverse("office:glossary:entry", args=["city.sofia"]) in entries


def test_an_officer_proposes_through_the_form(staff):
    from b40news.network.models import City, Officer
    from b40news.network.sample import load_sample

    load_sample(0)
    user = get_user_model().objects.create_user("officer1", password="x-long-password")
    Officer.objects.create(user=user, city=City.objects.get(slug="stara-zagora"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = reverse("office:glossary:propose")
    response = csrf_post(client, url, url, {
        "kind": "person", "bg": "Иван Петров", "target_en": "Ivan Petrov", "fill_missing": "1",
        "comment": "our new deputy mayor"})
    assert response.status_code == 302
    entry = read().get("person.ivan-petrov")
    assert entry.status == "proposed" and entry.targets["en"] == "Ivan Petrov" and len(entry.targets) == 12
    change = review.history("person.ivan-petrov").get()
    assert (change.source, change.author_name, change.comment) == ("officer", "officer1", "our new deputy mayor")
    queue = client.get(reverse(QUEUE)).content.decode()  # officers propose and read; staff decide
    assert 'id="proposal-person.ivan-petrov"' in queue and 'id="read-only"' in queue
    assert reverse("office:glossary:decide", args=["person.ivan-petrov"]) not in queue
    # A change to an existing entry: the form starts from the entry.
    form = client.get(url + "?id=city.sofia").content.decode()
    assert 'name="target_sq" value="Sofja"' in form
    html = staff.get(reverse(QUEUE)).content.decode()
    assert 'id="proposal-person.ivan-petrov"' in html and "our new deputy mayor" in html
