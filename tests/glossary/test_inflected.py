"""The glossary check of a person's text: inflected forms of an approved target are no false alarm."""

from __future__ import annotations

import pytest

from b40news.glossary.inflected import contains, find
from b40news.releases.human import glossary_report

# Bulgarian sources with a glossary term, and correct Croatian sentences that inflect its target.
INFLECTED = [
    ("Срещата в Загреб беше успешна.", "Sastanak u Zagrebu bio je uspješan.", "Zagreb"),
    ("Мрежата на балканските градове B40 се събра.", "Sastanak Mreže balkanskih gradova B40 održan je.",
     "Mreža balkanskih gradova B40"),
    ("Представител на София говори.", "Predstavnik Grada Sofije govorio je.", "Sofija"),
]


@pytest.mark.parametrize("term, text", [
    ("Zagreb", "Sastanak u Zagrebu."),
    ("Mreža balkanskih gradova B40", "Članice Mreže balkanskih gradova B40 su se sastale."),
    ("Sofija", "Ured Grada Sofije."),
    ("Grad Sofija", "Ured Grada Sofije."),
])
def test_inflected_forms_of_a_target_are_found(term, text):
    assert contains(term, text)
    start, end = find(term, text)
    assert text[start:end].split()[0].lower().startswith(term.split()[0][:3].lower())


@pytest.mark.parametrize("term, text", [
    ("Grad", "Gradonačelnik je govorio."),  # a longer, other word
    ("Sofija", "Sastanak u Beogradu."),
    ("Mreža balkanskih gradova B40", "Mreža balkanskih gradova B41."),  # digits stay as written
    ("Mreža balkanskih gradova B40", "Mreža gradova B40."),  # another wording: a question, not a form
])
def test_other_words_are_not_taken_for_the_term(term, text):
    assert not contains(term, text)


@pytest.mark.parametrize("source, target, term", INFLECTED)
def test_a_persons_inflected_term_raises_no_alarm(glossary, source, target, term):
    segments = [{"source": source, "target": target, "flags": [], "state": "edited"}]
    report = glossary_report(segments, "hr", glossary)
    assert report["required"] >= 1
    assert report["satisfied"] == report["required"], report
    assert report["missing"] == [] and report["questions"] == [] and segments[0]["questions"] == []


def test_another_wording_is_a_terminology_question_not_a_failure(glossary):
    segments = [{"source": "Мрежата на балканските градове B40 се събра.", "target": "Mreža gradova B40 se sastala.",
                 "flags": [], "state": "edited"}]
    report = glossary_report(segments, "hr", glossary)
    assert report["questions"] == ["Mreža balkanskih gradova B40"] and report["missing"] == []
    assert segments[0]["questions"] == ["Mreža balkanskih gradova B40"] and segments[0]["flags"] == []


def test_machine_output_is_still_held_to_the_exact_target(glossary):
    segments = [{"source": "Срещата в Загреб беше успешна.", "target": "Sastanak je bio uspješan.", "flags": [],
                 "state": "draft"}]
    assert glossary_report(segments, "hr", glossary)["missing"] == ["Zagreb"]


def test_a_persons_text_from_the_memory_is_checked_as_human_text(glossary):
    from b40news.translation.pipeline import LanguageResult
    from b40news.translation.service import finish, prepare

    prepared = prepare("Среща в Загреб", "Представител на София говори.", glossary)
    human = {"Среща в Загреб": "Sastanak u Zagrebu", "Представител на София говори.": "Predstavnik Grada Sofije."}
    fields = finish(prepared, LanguageResult("hr", "no_engine", [], None, []), glossary, human)
    assert [s["flags"] for s in fields["segments"]] == [[], []]
    assert fields["glossary_report"] == {"required": 2, "satisfied": 2, "missing": []}
