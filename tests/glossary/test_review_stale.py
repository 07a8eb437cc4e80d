"""An approved change marks the translations it affects stale, and only those
(real Apertium bg→mk and bg→mk→en, the seeded glossary in the test database)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from b40news.glossary import review
from b40news.glossary.current import current_glossary
from b40news.glossary.database import read
from b40news.network.sample import load_sample
from b40news.releases.models import Release, Translation
from b40news.releases.workflow import approve, submit
from b40news.translation.service import translate_release

pytestmark = pytest.mark.django_db

WITH_NAME = "Среща в Стара Загора\nЗаместник-кметът Надежда Чакърова откри форума в Стара Загора."
WITHOUT_NAME = "Среща в Сливен\nКметът на Сливен откри форума."
NEW_MK = "Надежда Чакрова"


def release_of(text: str) -> Release:
    return submit(text.encode(), name="r.txt", city="stara-zagora")


def status(release: Release, code: str) -> str:
    return Translation.objects.get(release=release, language__code=code).status


def mark_sent_in(release: Release, code: str) -> None:
    """One message of ``release`` has gone out in ``code``: that language is what its readers got."""
    from django.utils import timezone

    from b40news.delivery.models import Delivery
    from b40news.network.models import Language, Subscriber

    reader = Subscriber.objects.create(email=f"reader-{release.pk}@example.org", language=Language.objects.for_code(code))
    Delivery.objects.create(release=release, subscriber=reader, mailing_list=release.lists.first(), language=code,
                            state=Delivery.State.SENT, sent_at=timezone.now())
    Release.objects.filter(pk=release.pk).update(status=Release.Status.SENT)


def change_her_macedonian_name() -> review.Approval:
    proposal = review.propose({"id": "person.nadezhda-chakarova", "targets": {"mk": NEW_MK}}, author="officer1")
    return review.approve(proposal.id, admin="admin1", comment="as she writes it in Skopje")


def test_approval_marks_translations_using_the_changed_term_stale():
    load_sample(0)
    old_version = current_glossary().version
    named, other, sent = release_of(WITH_NAME), release_of(WITHOUT_NAME), release_of(WITH_NAME)
    translate_release(named, ["mk", "en"])
    translate_release(other, ["mk"])
    translate_release(sent, ["mk"])
    approve(named, ["en"], force=True, override=True)
    mark_sent_in(sent, "mk")
    mk = Translation.objects.get(release=named, language__code="mk")
    assert mk.status == "translated" and mk.glossary_version == old_version
    assert "Надежда Чакарова" in mk.text and mk.route == ["apertium:bg-mk"]
    assert status(named, "en") == "approved"

    approval = change_her_macedonian_name()

    assert approval.version_before == old_version != approval.version_after
    assert [(s.release_id, s.language) for s in approval.stale] == [(named.pk, "mk")]
    assert status(named, "mk") == "stale"
    assert status(named, "en") == "approved"  # only the Macedonian target changed
    assert status(other, "mk") == "translated"  # does not contain the term
    assert status(sent, "mk") == "translated"  # already sent: what its readers got stays
    assert approval.retranslate_commands() == [f"b40news translate-release {named.pk} --to mk --force"]
    recorded = review.history("person.nadezhda-chakarova").get(action="approved")
    assert recorded.stale == [{"translation": mk.pk, "release": named.pk, "language": "mk"}]

    # Translating again takes the new approved spelling.
    [again] = translate_release(named, ["mk"], force=True)
    assert again.status == "translated" and again.glossary_version == approval.version_after
    assert NEW_MK in again.text and "Надежда Чакарова" not in again.text


def test_a_new_entry_matching_a_release_marks_it_stale():
    load_sample(0)
    release = release_of("Форум в Сливен\nДимитър Стоянов откри форума в Сливен.")
    translate_release(release, ["mk"])
    assert status(release, "mk") == "translated"
    # Translating proposed the unknown name to the admins (the name detector).
    [proposal] = [e for e in read().entries if e.bg == "Димитър Стоянов"]
    assert proposal.status == "proposed" and proposal.targets["en"] == "Dimitar Stoyanov"
    assert status(release, "mk") == "translated"  # a proposal changes nothing yet
    approval = review.approve(proposal.id, admin="admin1")
    assert [(s.release_id, s.language) for s in approval.stale] == [(release.pk, "mk")]
    assert status(release, "mk") == "stale"


def test_an_approval_that_keeps_the_version_marks_nothing():
    load_sample(0)
    release = release_of(WITH_NAME)
    translate_release(release, ["mk"])
    proposal = review.propose({"id": "person.nadezhda-chakarova", "note": "Deputy Mayor (education)."},
                              author="officer1")
    approval = review.approve(proposal.id, admin="admin1")
    assert approval.version_before == approval.version_after and approval.stale == []
    assert status(release, "mk") == "translated"


def test_cli_approve_lists_stale_translations_and_the_command(capsys):
    load_sample(0)
    release = release_of(WITH_NAME)
    translate_release(release, ["mk"])
    call_command("glossary", "propose", "--id", "person.nadezhda-chakarova", "--target", f"mk={NEW_MK}",
                 "--by", "officer1")
    call_command("glossary", "approve", "person.nadezhda-chakarova~r1", "--comment", "ok", "--by", "admin1")
    out = capsys.readouterr().out
    assert f"stale: release {release.pk} (Среща в Стара Загора) mk" in out
    assert f"translate again: b40news translate-release {release.pk} --to mk --force" in out
    assert status(release, "mk") == "stale"
