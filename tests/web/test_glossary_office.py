"""The glossary inside the office: its layout and menu, read-only for officers and
reviewers (with their own proposals), errors shown as errors, and a proposal that says
what it lacks before anything is stored; the kind is chosen, never defaulted."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from b40news import languages
from b40news.glossary import review
from b40news.glossary.database import read
from b40news.releases import reviewers
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    fast_hashing, logged_in, make_user, network, officer, post,
)

pytestmark = pytest.mark.django_db

QUEUE, PROPOSE = reverse("office:glossary:queue"), reverse("office:glossary:propose")


def test_the_glossary_has_the_office_layout_and_a_menu_link(officer):
    client = logged_in(officer)
    dashboard = client.get(reverse("office:dashboard")).content.decode()
    assert f'href="{QUEUE}"' in dashboard  # in the office menu
    for url in (QUEUE, PROPOSE, reverse("office:glossary:entries")):
        page = client.get(url).content.decode()
        assert reverse("office:logout") in page and 'id="language-select"' in page and 'nav class="office"' in page


def test_officers_read_the_queue_and_see_their_own_proposals(officer):
    review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author=officer, comment="embassy spelling")
    page = logged_in(officer).get(QUEUE).content.decode()
    assert 'id="proposal-city.sofia~r1"' in page and 'id="read-only"' in page
    assert reverse("office:glossary:decide", args=["city.sofia~r1"]) not in page  # no approve / reject
    mine = re.search(r'<section class="card" id="my-proposals">.*?</section>', page, re.S).group(0)
    assert "city.sofia~r1" in mine and "proposed" in mine


def test_a_reviewer_reads_the_queue_and_gets_a_page_not_a_bare_403_for_proposing(network):
    croat = make_user("ivana")
    reviewers.grant("ivana", "hr")
    client = logged_in(croat)
    assert client.get(QUEUE).status_code == 200
    response = client.get(PROPOSE)
    assert response.status_code == 403
    page = response.content.decode()
    assert "<html" in page and "You cannot open this page" in page  # the branded page that says what to do


def test_a_proposal_lists_the_languages_it_lacks_and_stores_nothing(officer):
    client = logged_in(officer)
    before = read().version
    response = post(client, PROPOSE, PROPOSE, {"kind": "term", "bg": "кръгла маса", "target_en": "round table",
                                               "target_mk": "тркалезна маса"})
    assert response.status_code == 200 and read().version == before
    page = response.content.decode()
    lacking = [code for code in languages.TARGETS if code not in ("en", "mk")]
    error = re.search(r'<li class="error">(.*?)</li>', page, re.S).group(1)
    for code in lacking:
        assert f"({code})" in error and f'<tr class="missing"><th scope="row"><label for="target_{code}">' in page
    assert "(en)" not in error and 'value="round table"' in page  # what was typed is kept
    assert 'class="success"' not in page


def test_the_kind_is_chosen_explicitly(officer):
    client = logged_in(officer)
    form = client.get(PROPOSE).content.decode()
    assert '<option value="" selected>' in form and '<select name="kind" id="kind" required' in form
    filled = {"target_en": "Round Table", "fill_missing": "1"}  # the others spelled by transliteration
    before = read().version
    page = post(client, PROPOSE, PROPOSE, {"kind": "", "bg": "Кръгла маса", **filled}).content.decode()
    assert read().version == before
    assert re.search(r'<li class="error">[^<]*choose the kind', page)
    response = post(client, PROPOSE, PROPOSE, {"kind": "term", "bg": "Кръгла маса", **filled})
    assert response.status_code == 302
    [entry] = [e for e in read().entries if e.bg == "Кръгла маса"]
    assert entry.kind == "term" and entry.status == "proposed"


def test_a_change_lacks_only_what_neither_it_nor_the_entry_has(officer):
    client = logged_in(officer)
    response = post(client, PROPOSE + "?id=city.sofia", PROPOSE, {"id": "city.sofia", "target_sq": "Sofje"})
    assert response.status_code == 302  # the entry has every other language
    assert read().get("city.sofia~r1").targets["sq"] == "Sofje"


def test_kinds_statuses_and_actions_are_words_of_the_interface_language(officer):
    review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author=officer, comment="embassy spelling")
    client = logged_in(officer)
    client.cookies["django_language"] = "bg"
    entries = client.get(reverse("office:glossary:entries")).content.decode()
    assert "<h2>организация</h2>" in entries and "<h2>град</h2>" in entries and "<td>одобрен</td>" in entries
    assert "<h2>organisation</h2>" not in entries and "<td>approved</td>" not in entries
    queue = client.get(QUEUE).content.decode()
    mine = re.search(r'<section class="card" id="my-proposals">.*?</section>', queue, re.S).group(0)
    assert "<td>предложен</td>" in mine
