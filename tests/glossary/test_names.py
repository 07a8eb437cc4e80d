from __future__ import annotations

from b40news.glossary.entries import Glossary
from b40news.glossary.lint import lint
from b40news.glossary.merge import merge_proposals
from b40news.glossary.names import detect_names, is_surname
from b40news.languages import TARGETS


def names(text: str, glossary: Glossary) -> list[str]:
    return [c.surface for c in detect_names(text, glossary.find(text))]


def test_an_unknown_person_gets_a_spelling_in_every_language(glossary):
    text = "На срещата в Загреб кметът Иван Петров откри форума."
    (candidate,) = detect_names(text, glossary.find(text))
    assert candidate.surface == "Иван Петров"
    assert text[candidate.start:candidate.end] == "Иван Петров"
    assert candidate.targets["en"] == "Ivan Petrov"
    assert candidate.targets["mk"] == "Иван Петров"
    assert candidate.targets["hr"] == "Ivan Petrov"
    assert set(candidate.targets) == set(TARGETS)


def test_known_people_and_glossary_terms_are_not_candidates(glossary, seed_text):
    assert names("Надежда Чакърова и Иван Петров", glossary) == ["Иван Петров"]
    assert names("Община Стара Загора и Република България", glossary) == []


def test_common_sentence_starts_are_not_first_names(glossary):
    assert names("Според Петров срещата е успешна. Кметът Петров дойде.", glossary) == []
    assert names("Председателят Иванов и министър Петрова.", glossary) == []


def test_surname_morphology():
    assert all(is_surname(w) for w in ["Петров", "Петрова", "Николаев", "Вазов", "Маринска",
                                        "Милошевич", "Иванова-Петрова", "Хачикян", "Хаджиев"])
    assert not any(is_surname(w) for w in ["Загора", "България", "Варна", "Карлово", "Сливен"])


def test_three_part_names_hyphenated_surnames_and_line_breaks(glossary):
    text = "Георги Димитров Иванов и Мария Иванова-Петрова,\nа после Елена\nГеоргиева."
    assert names(text, glossary) == ["Георги Димитров Иванов", "Мария Иванова-Петрова", "Елена\nГеоргиева"]
    last = detect_names(text, [])[-1]
    assert last.name == "Елена Георгиева" and last.targets["en"] == "Elena Georgieva"


def test_candidates_become_proposed_entries_that_merge_and_lint_clean(glossary):
    text = "Участва и Иван Петров."
    entries = [c.to_entry() for c in detect_names(text, glossary.find(text))]
    merged, report = merge_proposals(glossary, entries)
    entry = merged.get("person.ivan-petrov")
    assert entry.status == "proposed" and entry.case_sensitive
    assert entry.target("el") and entry.target("sr-Cyrl") == "Иван Петров"
    assert report == ["added person.ivan-petrov as proposed"]
    assert lint(merged) == []
    assert [m.entry_id for m in merged.find(text)] == ["person.ivan-petrov"]
