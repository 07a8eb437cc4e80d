"""The review service on the seeded glossary in the test database: propose,
approve, reject, history, names; never a file written."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from b40news.glossary import review
from b40news.glossary.current import current_glossary
from b40news.glossary.database import read, stored_checksum
from b40news.glossary.lint import lint
from b40news.glossary.models import GlossaryChange
from b40news.glossary.names import detect_names
from b40news.languages import TARGETS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("untouched_checkout")]

PERSON = {"kind": "person", "bg": "Иван Петров", "targets": {"en": "Ivan Petrov"}, "case_sensitive": True}


@pytest.fixture
def admin():
    return get_user_model().objects.create_user("admin1", is_staff=True)


def snapshot() -> tuple:
    """The stored glossary: every entry and the state row's checksum."""
    return read(), stored_checksum()


def test_propose_stores_a_proposed_entry_and_its_history():
    version = read().version
    entry = review.propose(PERSON, author="officer1", comment="new deputy mayor", fill_missing=True)
    assert entry.id == "person.ivan-petrov" and entry.status == "proposed"
    stored = read().get("person.ivan-petrov")
    assert stored.status == "proposed" and stored.targets["en"] == "Ivan Petrov"
    assert set(stored.targets) == set(TARGETS)  # the rest transliterated
    assert stored.targets["mk"] == "Иван Петров" and stored.targets["el"].isascii() is False
    assert read().version == version  # a proposal does not change what translations use
    [change] = review.history("person.ivan-petrov")
    assert (change.action, change.source, change.author_name, change.comment) == (
        "proposed", "officer", "officer1", "new deputy mayor")
    assert change.payload["targets"]["en"] == "Ivan Petrov" and change.author is None


def test_propose_then_approve_stores_it_and_bumps_version(admin):
    before = read().version
    assert current_glossary().version == before
    review.propose(PERSON, author="officer1", fill_missing=True)
    approval = review.approve("person.ivan-petrov", admin=admin, comment="checked with the city")
    after = read()
    entry = after.get("person.ivan-petrov")
    assert entry.status == "approved" and entry.approved_by == "admin1" and entry.approved_at
    assert approval.version_before == before != approval.version_after == after.version
    assert current_glossary().version == after.version  # reloaded: the state row changed
    assert "person.ivan-petrov" in current_glossary()
    assert lint(after) == []
    actions = [(c.action, c.author_id) for c in review.history("person.ivan-petrov")]
    assert actions == [("proposed", None), ("approved", admin.pk)]
    approved = review.history("person.ivan-petrov").get(action="approved")
    assert (approved.glossary_version_before, approved.glossary_version_after) == (before, after.version)
    assert approved.comment == "checked with the city"
    assert stored_checksum() == after.approved().checksum  # every host's cache sees the change


def test_a_change_comes_as_a_revision_and_approval_folds_it_into_the_entry(admin):
    original = read().get("person.nadezhda-chakarova")
    proposal = review.propose({"id": "person.nadezhda-chakarova", "targets": {"sq": "Nadezhda Çakërova"}},
                              author="officer1")
    assert (proposal.id, proposal.replaces) == ("person.nadezhda-chakarova~r1", "person.nadezhda-chakarova")
    [pending] = review.pending()
    assert pending.current == original and pending.problems == []
    assert pending.diff == [("sq", "Nadezhda Çakarova", "Nadezhda Çakërova")]
    review.approve(proposal.id, admin=admin)
    glossary = read()
    assert "person.nadezhda-chakarova~r1" not in glossary
    entry = glossary.get("person.nadezhda-chakarova")
    assert entry.targets["sq"] == "Nadezhda Çakërova"
    assert {c: t for c, t in entry.targets.items() if c != "sq"} == {
        c: t for c, t in original.targets.items() if c != "sq"}
    assert entry.note == original.note and entry.approved_by == "admin1"
    # The entry's history holds its revision's events too.
    assert [(c.entry_id, c.action) for c in review.history("person.nadezhda-chakarova")] == [
        ("person.nadezhda-chakarova~r1", "proposed"), ("person.nadezhda-chakarova~r1", "approved")]
    assert review.history("person.nadezhda-chakarova").last().previous["targets"]["sq"] == "Nadezhda Çakarova"


@pytest.mark.parametrize("fields, code", [
    # The same Bulgarian term as city.zagreb, other targets: the output would depend on who wins.
    ({"kind": "term", "bg": "Загреб", "targets": {"en": "Agram"}}, "conflict"),
    # "Община Стара Загора" would no longer repeat the city's Macedonian name.
    ({"id": "city.stara-zagora", "targets": {"mk": "Стара Загора Бугарија"}}, "inconsistent-subterm"),
])
def test_an_approval_that_breaks_lint_is_refused_and_changes_nothing(admin, fields, code):
    proposal = review.propose(fields, author="officer1", fill_missing=True)
    files = snapshot()
    [pending] = review.pending()
    assert [p.code for p in pending.problems] == [code]
    with pytest.raises(review.ReviewError, match=rf"(?s)cannot approve {re.escape(proposal.id)}.*{code}"):
        review.approve(proposal.id, admin=admin)
    assert snapshot() == files
    assert read().get(proposal.id).status == "proposed"
    assert not GlossaryChange.objects.filter(action="approved").exists()


def test_a_proposal_with_a_wrong_script_is_refused():
    files = snapshot()
    with pytest.raises(review.ReviewError, match="wrong-script.*Софија"):
        review.propose({"id": "city.sofia", "targets": {"hr": "Софија"}}, author="officer1")
    assert snapshot() == files and not GlossaryChange.objects.exists()


def test_proposing_what_is_already_there_is_refused():
    with pytest.raises(review.ReviewError, match="nothing to propose"):
        review.propose({"id": "city.sofia", "targets": {"en": "Sofia"}}, author="officer1")
    review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author="officer1")
    with pytest.raises(review.ReviewError, match="already proposes"):
        review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author="officer2")


def test_rejection_needs_a_comment_and_is_recorded(admin):
    proposal = review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author="officer1")
    with pytest.raises(review.ReviewError, match="needs a comment"):
        review.reject(proposal.id, admin=admin, comment="  ")
    version = read().version
    review.reject(proposal.id, admin=admin, comment="Albanian uses the definite form Sofja")
    glossary = read()
    assert glossary.get("city.sofia~r1").status == "rejected"
    assert glossary.get("city.sofia").targets["sq"] == "Sofja" and glossary.version == version
    assert review.pending() == [] and lint(glossary) == []
    rejected = review.history("city.sofia").get(action="rejected")
    assert (rejected.comment, rejected.author_name) == ("Albanian uses the definite form Sofja", "admin1")
    with pytest.raises(review.ReviewError, match="is rejected, not a pending proposal"):
        review.approve("city.sofia~r1", admin=admin)


def test_detected_names_are_proposed_once():
    from b40news.network.sample import load_sample
    from b40news.releases.workflow import submit

    load_sample(0)
    text = ("Кметът Иван Петров и Мария Георгиева откриха изложбата. "
            "Надежда Чакърова благодари на Иван Петров.")
    release = submit(f"Изложба\n{text}".encode(), name="r.txt", city="stara-zagora")
    glossary = read()
    candidates = detect_names(text, glossary.find(text))
    assert [c.name for c in candidates] == ["Иван Петров", "Мария Георгиева", "Иван Петров"]
    added = review.propose_detected_names(candidates, source="name-detector", release_id=release.pk)
    assert [e.id for e in added] == ["person.ivan-petrov", "person.maria-georgieva"]
    again = review.propose_detected_names(candidates, source="name-detector", release_id=release.pk)
    assert again == []
    # A name given as a plain string, in another spacing, is the same name.
    assert review.propose_detected_names(["Иван  Петров"], release_id=release.pk) == []
    stored = read()
    assert stored.get("person.ivan-petrov").status == "proposed"
    assert "release" in stored.get("person.ivan-petrov").note and lint(stored) == []
    rows = GlossaryChange.objects.filter(action="detected").order_by("entry_id")
    assert [(r.entry_id, r.source, r.release_id) for r in rows] == [
        ("person.ivan-petrov", "name-detector", release.pk),
        ("person.maria-georgieva", "name-detector", release.pk)]
    # A rejected name is not proposed again by the next release.
    review.reject("person.maria-georgieva", admin="admin1", comment="not a person: a street name")
    assert review.propose_detected_names(["Мария Георгиева"], release_id=release.pk) == []
    assert read().get("person.maria-georgieva").status == "rejected"


def test_the_integration_call_takes_the_protected_spans_of_a_prepared_release():
    """The line the translation service calls after prepare(): name spans only."""
    from b40news.translation.service import prepare

    prepared = prepare("Среща в Сливен", "Кметът на Сливен Стефан Радев посрещна гости от Загреб.",
                       current_glossary())
    kinds = sorted({span.kind for p in prepared.protected for span in p.spans})
    assert kinds == ["name", "term"]
    added = review.propose_detected_names([span for p in prepared.protected for span in p.spans],
                                          source="name-detector", release_id=None)
    assert [(e.id, e.bg, e.status) for e in added] == [("person.stefan-radev", "Стефан Радев", "proposed")]
    assert read().get("person.stefan-radev").targets["mk"] == "Стефан Радев"


def test_an_open_revision_keeps_its_own_change_after_another_is_approved(admin):
    first = review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author="officer1")
    second = review.propose({"id": "city.sofia", "targets": {"hr": "Sofia"}}, author="officer2")
    assert (first.id, second.id) == ("city.sofia~r1", "city.sofia~r2")
    review.approve(first.id, admin=admin)
    [pending] = review.pending()
    assert pending.diff == [("hr", "Sofija", "Sofia")]  # not also sq: Sofje → Sofja
    review.approve(second.id, admin=admin)
    sofia = read().get("city.sofia")
    assert (sofia.targets["sq"], sofia.targets["hr"]) == ("Sofje", "Sofia")
