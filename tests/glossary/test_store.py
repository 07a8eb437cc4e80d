from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from b40news.glossary.entries import Glossary, GlossaryError
from b40news.glossary.store import dump, load

from .conftest import SEED_DIR, make


def test_dump_of_the_real_glossary_rewrites_it_byte_for_byte(glossary, tmp_path):
    dump(glossary, tmp_path)
    for path in SEED_DIR.glob("*.yaml"):
        assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in SEED_DIR.glob("*.yaml"))


def test_load_dump_load_gives_equal_entries_and_version(glossary, tmp_path):
    dump(glossary, tmp_path)
    again = load(tmp_path)
    assert sorted(again.entries, key=lambda e: e.id) == sorted(glossary.entries, key=lambda e: e.id)
    assert again.version == glossary.version


def test_dump_sorts_ids_within_each_file(tmp_path):
    dump(Glossary((make("city.zagreb", "Загреб"), make("city.athens", "Атина"),
                   make("title.mayor", "кмет"))), tmp_path)
    text = (tmp_path / "cities.yaml").read_text(encoding="utf-8")
    assert text.index("city.athens") < text.index("city.zagreb")
    assert "title.mayor" in (tmp_path / "titles.yaml").read_text(encoding="utf-8")
    assert not (tmp_path / "people.yaml").exists()


def test_version_is_a_16_hex_checksum_independent_of_order(glossary):
    assert len(glossary.version) == 16 and int(glossary.version, 16) >= 0
    assert Glossary(tuple(reversed(glossary.entries))).version == glossary.version


def test_version_changes_when_an_approved_target_changes(glossary):
    sofia = glossary.get("city.sofia")
    changed = Glossary(tuple(
        replace(e, targets={**e.targets, "tr": "Sofia"}) if e.id == sofia.id else e
        for e in glossary.entries))
    assert changed.version != glossary.version


def test_version_ignores_review_metadata_and_proposals(glossary):
    renoted = Glossary(tuple(replace(e, note="new note", approved_at="2027-01-01")
                             for e in glossary.entries))
    assert renoted.version == glossary.version
    proposal = make("city.plovdiv", "Пловдив", status="proposed")
    assert Glossary((*glossary.entries, proposal)).version == glossary.version
    assert Glossary((*glossary.entries, replace(proposal, status="approved", approved_by="x",
                                               approved_at="2026-11-26"))).version != glossary.version


def test_a_dumped_file_survives_a_round_trip_of_tricky_text(tmp_path):
    entry = make("term.tricky", "да: не", variants=["yes", "„кавички“"], note="# not a comment: 'x'",
                 targets={"en": "yes", "hr": "null", "sr-Latn": "2026-11-25", "el": "a\\b"},
                 status="proposed")
    dump(Glossary((entry,)), tmp_path)
    assert load(tmp_path).entries == (entry,)


VALID = """\
- id: city.varna
  bg: Варна
  targets: {en: Varna}
  status: proposed
"""


@pytest.mark.parametrize(("file", "text", "entry_id", "field"), [
    ("cities.yaml", "- id: city.varna\n  bg: [unclosed\n", "", ""),
    ("cities.yaml", "- id: city.varna\n  targets: {en: Varna}\n", "city.varna", "bg"),
    ("cities.yaml", "- id: city.varna\n  bg: ''\n", "city.varna", "bg"),
    ("cities.yaml", "- id: city.varna\n  bg: Варна\n  targets: {xx: Varna}\n", "city.varna", "targets.xx"),
    ("cities.yaml", "- id: city.varna\n  bg: Варна\n  targets: {en: 5}\n", "city.varna", "targets.en"),
    ("cities.yaml", "- id: city.varna\n  bg: Варна\n  status: done\n", "city.varna", "status"),
    ("cities.yaml", "- id: city.varna\n  bg: Варна\n  status: approved\n", "city.varna", "approved_by"),
    ("cities.yaml", "- id: city.varna\n  bg: Варна\n  colour: red\n", "city.varna", "colour"),
    ("cities.yaml", "- id: city.varna\n  bg: Варна\n  case_sensitive: maybe\n", "city.varna",
     "case_sensitive"),
    ("cities.yaml", "- id: city.varna\n  bg: Варна\n  variants: Варненски\n", "city.varna", "variants"),
    ("cities.yaml", "- id: title.mayor\n  bg: кмет\n", "title.mayor", "id"),
    ("cities.yaml", "- id: Varna\n  bg: Варна\n", "Varna", "id"),
    ("cities.yaml", "- bg: Варна\n", "#1", "id"),
    ("cities.yaml", VALID + "- just a string\n", "#2", ""),
    ("cities.yaml", "- id: city.varna\n  bg: Варна\n  bg: Варна2\n", "", ""),
    ("cities.yaml", "id: city.varna\n", "", ""),
    ("towns.yaml", VALID, "", ""),
])
def test_malformed_data_raises_an_error_naming_file_entry_and_field(tmp_path, file, text, entry_id, field):
    (tmp_path / file).write_text(text, encoding="utf-8")
    with pytest.raises(GlossaryError) as caught:
        load(tmp_path)
    error = caught.value
    assert error.file == file and file in str(error)
    assert error.entry_id == entry_id
    assert error.field == field
    if entry_id:
        assert f"entry {entry_id}" in str(error)
    if field:
        assert repr(field) in str(error)


def test_yaml_errors_give_the_line(tmp_path):
    (tmp_path / "cities.yaml").write_text(VALID + "- id: city.sofia\n  bg: [\n", encoding="utf-8")
    with pytest.raises(GlossaryError, match=r"cities.yaml: not valid YAML at line \d+"):
        load(tmp_path)


def test_a_missing_directory_is_an_error(tmp_path):
    with pytest.raises(GlossaryError, match="no such glossary directory"):
        load(tmp_path / "nowhere")


def test_the_real_files_load_with_every_kind_in_its_file(tmp_path):
    shutil.copytree(SEED_DIR, tmp_path / "g")
    loaded = load(tmp_path / "g")
    assert loaded.get("person.nadezhda-chakarova").kind == "person"
    assert loaded.get("city.sofia").approved_at == "2026-11-25"
