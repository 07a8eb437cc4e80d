from __future__ import annotations

import pytest

from b40news.glossary.entries import Entry, Glossary
from b40news.languages import TARGETS

from .conftest import make


def test_target_by_code_and_alias(glossary):
    belgrade = glossary.get("city.belgrade")
    assert belgrade.target("el") == "Βελιγράδι"
    assert belgrade.target("sr") == "Beograd"  # alias of sr-Latn
    assert belgrade.target("sr_cyrl") == "Београд"
    assert belgrade.target("me") == "Beograd"  # alias of cnr


def test_do_not_translate_gives_the_source_in_every_language():
    entry = Entry(id="organisation.iclei-europe", kind="organisation", bg="ICLEI Europe",
                  targets={"en": "ICLEI Europa"}, do_not_translate=True)
    assert {entry.target(code) for code in TARGETS} == {"ICLEI Europe"}
    assert set(entry.targets) == set(TARGETS)


def test_serbian_script_derived_from_the_other():
    latin_only = make("city.belgrade", "Белград", targets={"sr-Latn": "Beograd", "en": "Belgrade"},
                      status="proposed")
    cyrillic_only = make("city.ljubljana", "Любляна", targets={"sr-Cyrl": "Љубљана"}, status="proposed")
    assert latin_only.target("sr-Cyrl") == "Београд"
    assert cyrillic_only.target("sr-Latn") == "Ljubljana"


def test_a_missing_target_is_a_key_error():
    entry = make("city.pernik", "Пловдив", targets={"en": "Plovdiv"}, status="proposed")
    with pytest.raises(KeyError, match="city.pernik has no target for tr"):
        entry.target("tr")


def test_targets_are_read_only_and_in_network_order():
    entry = make("city.varna", "Варна", targets={"sl": "Varna", "en": "Varna"}, status="proposed")
    assert list(entry.targets) == ["en", "sl"]
    with pytest.raises(TypeError):
        entry.targets["en"] = "x"  # type: ignore[index]
    assert hash(entry) == hash(make("city.varna", "Варна", targets={"en": "Varna", "sl": "Varna"},
                                    status="proposed"))


def test_glossary_get_approved_and_contains(glossary):
    proposal = make("city.pernik", "Пловдив", status="proposed")
    bigger = Glossary((*glossary.entries, proposal))
    assert bigger.get("city.pernik") is proposal
    assert "city.pernik" in bigger and "city.pernik" not in bigger.approved()
    assert len(bigger.approved()) == len(glossary)
    with pytest.raises(KeyError):
        glossary.get("city.nowhere")


def test_entries_and_glossaries_pickle(glossary, seed_text):
    import pickle

    again = pickle.loads(pickle.dumps(glossary))
    assert again.entries == glossary.entries and again.version == glossary.version
    assert again.find(seed_text) == glossary.find(seed_text)
    with pytest.raises(TypeError):
        again.get("city.sofia").targets.update(en="x")
