"""Drafts that make human work small: memory (exact, fuzzy), siblings, English from Macedonian.

Through the real path: ``translation.service.translate_release`` (the
translate task) and ``workflow.approve`` (whose hook drafts the siblings).
"""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from b40news.network.sample import load_sample
from b40news.releases import reviewers, workflow
from b40news.releases.intake import ReleaseError
from b40news.releases.models import Translation
from b40news.translation.memory import approve_human, human_entries, remember_human
from b40news.translation.models import MemoryEntry
from b40news.translation.service import translate_release

pytestmark = pytest.mark.django_db

FAMILY = ["hr", "bs", "cnr", "sr-Latn", "sr-Cyrl"]
TITLE = "Среща на кметовете в Загреб"
BODY = ("Кметът на Загреб откри срещата в петък.\n\n"
        "Общината покани гости от Варна и Бургас.\n\n"
        "Срещата продължи цял ден.")
HR = ["Sastanak gradonačelnika u Zagrebu",
      "Gradonačelnik Zagreba otvorio je sastanak u petak.",
      "Općina je pozvala goste iz Varne i Burgasa.",
      "Sastanak je trajao cijeli dan."]


@pytest.fixture
def network():
    load_sample(0)


def submit(title=TITLE, body=BODY):
    return workflow.submit(f"{title}\n{body}".encode(), name="r.txt", city="zagreb")


def translation(release, code) -> Translation:
    return Translation.objects.select_related("language", "release").get(release=release, language__code=code)


def review_croatian(release, user=None, texts=HR):
    """A reviewer writes every Croatian segment and approves."""
    hr = translation(release, "hr")
    workflow.edit_segments(hr, dict(enumerate(texts)), user=user)
    workflow.approve(release, ["hr"], user=user, override=user is None)


def kinds(t: Translation) -> list:
    return [(s["state"], (s.get("draft") or {}).get("kind")) for s in t.segments]


# -- the memory keeps every release's human version ----------------------------------------


def test_a_new_release_never_overwrites_another_releases_entry(network):
    first, second = submit(), submit(title="Втора среща")
    user = get_user_model().objects.create_user("ana")
    remember_human([("Срещата продължи цял ден.", "Sastanak je trajao cijeli dan.")], "hr", release=first, author=user)
    remember_human([("Срещата продължи цял ден.", "Sastanak je trajao čitav dan.")], "hr", release=second)
    remember_human([("Срещата продължи цял ден.", "Sastanak je potrajao cijeli dan.")], "hr", release=first)
    rows = MemoryEntry.objects.filter(origin="human", language="hr").order_by("release_id")
    assert [(r.release_id, r.target) for r in rows] == [
        (first.pk, "Sastanak je potrajao cijeli dan."),  # a correction in the same release replaces its own
        (second.pk, "Sastanak je trajao čitav dan.")]   # the other release's version is untouched
    approve_human([("Срещата продължи цял ден.", "Sastanak je potrajao cijeli dan.")], "hr",
                  release=first, reviewer=user)
    entry = MemoryEntry.objects.get(origin="human", release=first)
    assert entry.reviewer == user and entry.approved_at is not None
    found = human_entries(["Срещата продължи цял ден."], "hr", approved_only=True)
    assert found["Срещата продължи цял ден."].release_id == first.pk  # the approved one
    assert human_entries(["Срещата продължи цял ден."], "hr")["Срещата продължи цял ден."].release_id == first.pk


# -- no engine: the Translation has every segment, empty or drafted -----------------------------


def test_a_language_without_engine_gets_every_segment_empty_and_waits(network):
    release = submit()
    translate_release(release, FAMILY)
    hr = translation(release, "hr")
    assert hr.status == Translation.Status.NO_ENGINE and "--language hr" in hr.reason
    assert [s["source"] for s in hr.segments] == [TITLE, *BODY.split("\n\n")]
    assert {s["state"] for s in hr.segments} == {"empty"} and hr.title == hr.text == ""
    with pytest.raises(ReleaseError, match="no_engine"):
        workflow.approve(release, ["hr"], force=True, override=True)


def test_memory_exact_then_fuzzy_in_a_later_release(network):
    first = submit()
    translate_release(first, ["hr"])
    review_croatian(first)
    second = submit(title="Нова среща в Загреб", body=(
        "Кметът на Загреб откри срещата в събота.\n\n"   # fuzzy: one word differs
        "Срещата продължи цял ден.\n\n"                 # exact
        "Утре ще вали сняг."))                           # nothing
    translate_release(second, ["hr"])
    hr = translation(second, "hr")
    assert kinds(hr) == [("empty", None), ("draft", "fuzzy"), ("draft", "memory"), ("empty", None)]
    fuzzy, exact = hr.segments[1], hr.segments[2]
    assert exact["target"] == HR[3] and exact["draft"]["from"] == first.pk and exact["draft"]["score"] == 100
    assert not exact["flags"]  # a person's approved decision: no flag
    assert fuzzy["target"] == HR[1] and fuzzy["draft"]["from"] == first.pk and 75 <= fuzzy["draft"]["score"] < 100
    assert [(d["text"], d["was"]) for d in fuzzy["draft"]["diff"]] == [("събота", "петък")]
    assert fuzzy["draft"]["source"] == "Кметът на Загреб откри срещата в петък."
    assert any(flag.startswith("draft-fuzzy:") for flag in fuzzy["flags"])
    assert hr.status == Translation.Status.NO_ENGINE and "drafts for 2 of 4 segments" in hr.reason

    out = io.StringIO()
    call_command("status", str(second.pk), "--json", stdout=out)
    info = json.loads(out.getvalue())["languages"]["hr"]
    assert (info["segments"], info["reviewed"], info["empty"]) == (4, 0, 2)
    assert info["prefilled"] == {"memory": 1, "fuzzy": 1, "sibling": 0, "script": 0, "machine": 0}


def test_the_fuzzy_threshold_is_a_setting(network, settings):
    first = submit()
    translate_release(first, ["hr"])
    review_croatian(first)
    settings.FUZZY_THRESHOLD = 99.0
    second = submit(body="Кметът на Загреб откри срещата в събота.")
    translate_release(second, ["hr"])
    assert kinds(translation(second, "hr"))[1] == ("empty", None)


# -- siblings: a reviewed Croatian starts the others ---------------------------------------


def test_approving_croatian_drafts_bosnian_montenegrin_and_serbian(network):
    release = submit()
    translate_release(release, FAMILY)
    review_croatian(release)  # the approval's hook drafts the family, on commit
    bs, cnr = translation(release, "bs"), translation(release, "cnr")
    sr, cyrl = translation(release, "sr-Latn"), translation(release, "sr-Cyrl")
    for t in (bs, cnr, sr, cyrl):
        assert (t.status, t.route, t.tier) == ("translated", ["drafts"], "draft")
        assert {(state, kind) for state, kind in kinds(t)} == {("draft", "sibling")}
        assert all(s["draft"]["from"] == "hr" for s in t.segments)
    assert [s["target"] for s in sr.segments] == [
        "Sastanak gradonačelnika u Zagrebu", "Gradonačelnik Zagreba otvorio je sastanak u petak.",
        "Opština je pozvala goste iz Varne i Burgasa.", "Sastanak je trajao ceo dan."]
    assert bs.segments[2]["target"] == "Općina je pozvala goste iz Varne i Burgasa."
    assert cnr.segments[2]["target"] == "Opština je pozvala goste iz Varne i Burgasa."
    # "iz Varne" is the reviewed Croatian's inflected Varna: no glossary alarm in the drafts made from it.
    assert [flag for t in (bs, cnr, sr) for flag in t.segments[2]["flags"] if flag.startswith("glossary")] == []
    assert [t.glossary_report["missing"] for t in (bs, cnr, sr)] == [[], [], []]
    assert cyrl.segments[3]["target"] == "Састанак је трајао цео дан."
    assert sr.segments[2]["draft"]["diff"] == [{"was": "Općina", "now": "Opština"}]
    assert sr.text.startswith("Gradonačelnik Zagreba otvorio je sastanak u petak.")
    # Sibling drafts are rules' work: approving them is a human decision.
    assert sr.flagged == 4
    with pytest.raises(ReleaseError, match="flagged segment"):
        workflow.approve(release, ["sr-Latn"], override=True)


def test_reviewed_serbian_latin_gives_cyrillic_by_script_without_flags(network):
    release = submit()
    translate_release(release, FAMILY)
    review_croatian(release)
    workflow.approve(release, ["sr-Latn"], force=True, override=True)  # the reviewer read the drafts and approved
    cyrl = translation(release, "sr-Cyrl")
    assert {kind for _, kind in kinds(cyrl)} == {"script"} and cyrl.flagged == 0, [s["flags"] for s in cyrl.segments]
    assert all(s["draft"]["from"] == "sr-Latn" for s in cyrl.segments)
    workflow.approve(release, ["sr-Cyrl"], override=True)  # a glance is enough
    assert translation(release, "sr-Cyrl").status == "approved"


def test_what_a_person_wrote_is_never_replaced_by_a_later_draft(network):
    release = submit()
    translate_release(release, FAMILY)
    review_croatian(release)
    bs = workflow.edit_segment(translation(release, "bs"), 3, "Sastanak je trajao čitav dan.")
    assert bs.segments[3]["state"] == "edited" and bs.segments[3]["draft"]["kind"] == "sibling"
    workflow.unapprove(release, "hr")
    workflow.edit_segment(translation(release, "hr"), 1, "Gradonačelnik Zagreba otvorio je skup u petak.")
    workflow.approve(release, ["hr"], override=True)
    bs = translation(release, "bs")
    assert bs.segments[3]["target"] == "Sastanak je trajao čitav dan." and bs.segments[3]["state"] == "edited"
    assert bs.segments[1]["target"] == "Gradonačelnik Zagreba otvorio je skup u petak."  # re-drafted


def test_a_family_member_reviewed_in_an_earlier_release_drafts_the_others(network):
    first = submit()
    translate_release(first, ["hr"])
    review_croatian(first)
    second = submit(body=BODY)  # the same sentences, another title
    translate_release(second, ["hr", "sr-Latn"])
    hr, sr = translation(second, "hr"), translation(second, "sr-Latn")
    assert kinds(hr)[1:] == [("draft", "memory")] * 3
    assert kinds(sr)[1:] == [("draft", "sibling")] * 3
    assert sr.segments[3]["target"] == "Sastanak je trajao ceo dan."
    assert sr.segments[3]["draft"]["release"] == first.pk


def test_empty_segments_block_approval_even_when_forced(network):
    release = submit()
    translate_release(release, ["hr"])
    hr = workflow.edit_segments(translation(release, "hr"), {0: HR[0], 1: HR[1], 2: HR[2]})
    assert hr.status == Translation.Status.NO_ENGINE and hr.text == ""  # still one to write
    hr = workflow.edit_segments(hr, {3: HR[3]})
    assert hr.status == Translation.Status.TRANSLATED and hr.tier == "draft"
    Translation.objects.filter(pk=hr.pk).update(segments=[*hr.segments[:3], {**hr.segments[3], "target": "",
                                                                              "state": "empty"}])
    with pytest.raises(ReleaseError, match="1 segment\\(s\\) have no translation yet"):
        workflow.approve(release, ["hr"], force=True, override=True)


# -- machine: English from reviewed Macedonian ------------------------------------------------


def test_english_is_derived_again_from_reviewed_macedonian(network):
    release = submit()
    translate_release(release, ["mk", "en"])
    en = translation(release, "en")
    assert en.route == ["apertium:bg-mk", "apertium:mk-en"]
    assert {kind for _, kind in kinds(en)} == {"machine"}
    mk = translation(release, "mk")
    workflow.edit_segment(mk, 1, "Градоначалникот на Загреб го отвори состанокот во петок.")
    workflow.approve(release, ["mk"], force=True, override=True)
    en = translation(release, "en")
    assert en.route == ["reviewed:mk", "apertium:mk-en"] and en.status == "translated"
    assert all(s["draft"]["from"] == "reviewed:mk → apertium:mk-en" for s in en.segments)
    assert "Zagreb" in en.segments[1]["target"] and "Friday" in en.segments[1]["target"]


def test_english_a_person_edited_is_not_derived_again(network):
    release = submit()
    translate_release(release, ["mk", "en"])
    workflow.edit_segment(translation(release, "en"), 3, "The meeting lasted all day.")
    workflow.approve(release, ["mk"], force=True, override=True)
    en = translation(release, "en")
    assert en.route == ["apertium:bg-mk", "apertium:mk-en"] and en.segments[3]["state"] == "edited"


def test_approval_remembers_human_work_with_its_reviewer(network):
    user = get_user_model().objects.create_user("marija")
    reviewers.grant("marija", "hr")  # the network's Croatian reviewer
    release = submit()
    translate_release(release, FAMILY)
    review_croatian(release, user=user)
    rows = MemoryEntry.objects.filter(origin="human", language="hr", release=release)
    assert rows.count() == 4 and {r.reviewer for r in rows} == {user} and all(r.approved_at for r in rows)
    assert {r.author for r in rows} == {user}
    assert {s["state"] for s in translation(release, "hr").segments} == {"reviewed"}
