from __future__ import annotations

from b40news.glossary.entries import Glossary
from b40news.glossary.lint import lint
from b40news.languages import TARGETS

from .conftest import make


def codes(glossary: Glossary) -> list[tuple[str, str]]:
    return sorted((p.entry_id, p.code) for p in lint(glossary))


def targets(**overrides: str) -> dict[str, str]:
    base = {code: "Varna" for code in TARGETS}
    base.update({"sr-Cyrl": "Варна", "mk": "Варна", "el": "Βάρνα"})
    base.update({key.replace("_", "-"): value for key, value in overrides.items()})
    return base


def test_a_clean_small_glossary_has_no_problems():
    assert lint(Glossary((make("city.varna", "Варна", targets=targets()),))) == []


def test_duplicate_ids():
    glossary = Glossary((make("city.varna", "Варна", targets=targets()),
                         make("city.varna", "Варна", targets=targets())))
    assert ("city.varna", "duplicate-id") in codes(glossary)


def test_conflict_same_term_two_approved_entries_different_targets():
    glossary = Glossary((
        make("city.varna", "Варна", targets=targets()),
        make("city.varna-2", "Варна", targets=targets(tr="Varna Şehri")),
    ))
    problems = [p for p in lint(glossary) if p.code == "conflict"]
    assert len(problems) == 1
    assert "city.varna" in problems[0].message and "tr" in problems[0].message


def test_conflict_found_through_variants_and_inflection():
    glossary = Glossary((
        make("title.mayor", "кмет", targets={c: "Mayor" for c in TARGETS}),
        make("title.the-mayor", "градоначалник", variants=["кметът"],
             targets={c: "The Mayor" for c in TARGETS}),
        make("term.municipality", "община", targets={c: "municipality" for c in TARGETS}),
        make("term.the-municipalities", "общините", targets={c: "municipalities" for c in TARGETS}),
    ))
    problems = [(p.entry_id, p.code) for p in lint(glossary) if p.code != "wrong-script"]
    assert problems == [("title.the-mayor", "conflict"), ("term.the-municipalities", "conflict")]


def test_no_conflict_when_targets_agree_or_one_is_only_proposed():
    same = Glossary((make("city.varna", "Варна", targets=targets()),
                     make("city.varna-copy", "Варна", targets=targets())))
    proposed = Glossary((make("city.varna", "Варна", targets=targets()),
                         make("city.varna~r1", "Варна", targets=targets(tr="X"), status="proposed",
                              replaces="city.varna")))
    assert codes(same) == [] and codes(proposed) == []


def test_missing_language_and_empty_target():
    partial = dict(targets())
    del partial["cnr"]
    partial["sl"] = "  "
    problems = lint(Glossary((make("city.varna", "Варна", targets=partial),)))
    assert sorted(p.code for p in problems) == ["empty-target", "missing-language"]
    assert "cnr" in next(p.message for p in problems if p.code == "missing-language")


def test_a_proposal_may_miss_languages():
    assert lint(Glossary((make("city.varna", "Варна", targets={"en": "Varna"}, status="proposed"),))) == []


def test_wrong_script():
    glossary = Glossary((make("city.varna", "Варна", targets=targets(mk="Varna", hr="Варна", el="Varna")),))
    problems = [p for p in lint(glossary) if p.code == "wrong-script"]
    assert sorted(p.message.split()[1] for p in problems) == ["el", "hr", "mk"]


def test_words_copied_from_the_source_are_not_wrong_script():
    glossary = Glossary((make("organisation.b40-network", "мрежа B40",
                              targets={**targets(), "mk": "Мрежа B40", "el": "Δίκτυο B40",
                                       "hr": "Mreža B40"}),))
    assert codes(glossary) == []


def test_inconsistent_subterm():
    city = make("city.stara-zagora", "Стара Загора",
                targets={**{c: "Stara Zagora" for c in TARGETS}, "tr": "Eski Zağra",
                         "sr-Cyrl": "Стара Загора", "mk": "Стара Загора", "el": "Στάρα Ζαγόρα"})
    good = {**{c: "Općina Stara Zagora" for c in TARGETS}, "tr": "Eski Zağra Belediyesi",
            "sr-Cyrl": "Општина Стара Загора", "mk": "Општина Стара Загора", "el": "Δήμος Στάρας Ζαγόρας"}
    ok = make("organisation.stara-zagora-municipality", "Община Стара Загора", targets=good)
    assert codes(Glossary((city, ok))) == []
    bad = make("organisation.stara-zagora-municipality", "Община Стара Загора",
               targets={**good, "tr": "Stara Zagora Belediyesi"})
    problems = lint(Glossary((city, bad)))
    assert [(p.entry_id, p.code) for p in problems] == [
        ("organisation.stara-zagora-municipality", "inconsistent-subterm")]
    assert "for tr" in problems[0].message


def test_subterm_as_a_word_wise_prefix():
    mayor = make("title.mayor", "кмет", targets={c: "Mayor" for c in TARGETS})
    bad = make("title.mayor-of-zagreb", "кмет на Загреб", targets={c: "Zagreb City Head" for c in TARGETS})
    problems = [p for p in lint(Glossary((mayor, bad))) if p.code != "wrong-script"]
    assert [(p.entry_id, p.code) for p in problems] == [("title.mayor-of-zagreb", "inconsistent-subterm")]


def test_unknown_replaces():
    revision = make("city.varna~r1", "Варна", targets=targets(), status="proposed", replaces="city.varna")
    assert codes(Glossary((revision,))) == [("city.varna~r1", "unknown-replaces")]
