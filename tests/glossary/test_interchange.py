from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from lxml import etree

from b40news.glossary.entries import Glossary, GlossaryError
from b40news.glossary.interchange import (
    export_csv,
    export_tbx,
    import_csv,
    import_tbx,
    merge_proposals,
)
from b40news.glossary.lint import lint
from b40news.languages import TARGETS

from .conftest import make

def by_id(entries) -> dict:
    return {entry.id: entry for entry in entries}


def with_extras(glossary: Glossary) -> Glossary:
    """The real glossary plus a proposal, a rejection and a revision."""
    return Glossary((
        *glossary.entries,
        make("city.plovdiv", "Пловдив", status="proposed", targets={"en": "Plovdiv", "el": "Φιλιππούπολη"},
             note="line one\nline two, \"quoted\""),
        make("city.troya", "Троя", status="rejected", variants=["Илион"], approved_by="", approved_at=""),
        make("city.sofia~r1", "София", status="proposed", replaces="city.sofia",
             targets={**glossary.get("city.sofia").targets, "sq": "Sofje"}),
    ))


def test_tbx_round_trip_gives_equal_entries(glossary):
    source = with_extras(glossary)
    back = import_tbx(export_tbx(source))
    assert by_id(back) == by_id(source.entries)
    assert len(back) == len(source.entries)
    assert Glossary(tuple(back)).version == source.version


def test_tbx_is_well_formed_and_keeps_both_serbian_scripts(glossary):
    data = export_tbx(glossary)
    root = etree.fromstring(data)
    entry = next(e for e in root.iter("termEntry") if e.get("id") == "city.belgrade")
    langs = {ls.get("{http://www.w3.org/XML/1998/namespace}lang"): ls.findtext("tig/term")
             for ls in entry.iter("langSet")}
    assert langs["sr-Cyrl"] == "Београд" and langs["sr-Latn"] == "Beograd"
    assert langs["bg"] == "Белград" and langs["cnr"] == "Beograd"
    assert set(langs) == {"bg", *TARGETS}
    dnt = next(e for e in root.iter("termEntry") if e.get("id") == "organisation.b40")
    assert dnt.findtext("descrip[@type='Translation needed']") == "no"
    assert dnt.findtext("transacGrp/transacNote[@type='responsibility']") == "b40-secretariat"


def test_tbx_from_another_tool_comes_in_as_proposed_entries():
    data = """<?xml version="1.0"?>
<martif type="TBX" xml:lang="bg"><martifHeader><fileDesc><sourceDesc><p>x</p></sourceDesc></fileDesc>
</martifHeader><text><body>
<termEntry><langSet xml:lang="bg"><tig><term>Пловдив</term></tig></langSet>
<langSet xml:lang="en_GB"><tig><term>Plovdiv</term></tig></langSet>
<langSet xml:lang="sr_Latn"><tig><term>Plovdiv</term></tig></langSet>
<langSet xml:lang="el"><tig><term>Φιλιππούπολη</term></tig></langSet></termEntry>
</body></text></martif>""".encode()
    (entry,) = import_tbx(data)
    assert entry.id == "term.plovdiv" and entry.status == "proposed"
    assert dict(entry.targets) == {"en": "Plovdiv", "sr-Latn": "Plovdiv", "el": "Φιλιππούπολη"}


def test_bad_tbx_is_a_glossary_error():
    with pytest.raises(GlossaryError, match="TBX"):
        import_tbx(b"<martif><unclosed>")
    no_bg = (b'<martif><text><body><termEntry id="city.x"><langSet xml:lang="en"><tig><term>X</term>'
             b'</tig></langSet></termEntry></body></text></martif>')
    with pytest.raises(GlossaryError, match="entry city.x: field 'bg'"):
        import_tbx(no_bg)


def test_csv_round_trip_gives_equal_entries(glossary):
    source = with_extras(glossary)
    text = export_csv(source)
    back = import_csv(text)
    assert by_id(back) == by_id(source.entries)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(source.entries)
    belgrade = next(r for r in rows if r["id"] == "city.belgrade")
    assert (belgrade["sr-Cyrl"], belgrade["sr-Latn"], belgrade["el"]) == ("Београд", "Beograd", "Βελιγράδι")


def test_csv_errors_name_line_entry_and_field():
    header = "id,bg,status,en,case_sensitive\n"
    with pytest.raises(GlossaryError, match="CSV line 3: entry city.x: field 'status'"):
        import_csv(header + "city.varna,Варна,proposed,Varna,false\ncity.x,Х,unknown,X,false\n")
    with pytest.raises(GlossaryError, match="field 'case_sensitive'"):
        import_csv(header + "city.varna,Варна,proposed,Varna,perhaps\n")
    with pytest.raises(GlossaryError, match="unknown column"):
        import_csv("id,bg,english\ncity.varna,Варна,Varna\n")


def test_merge_adds_new_entries_as_proposed_and_never_overwrites_approved(glossary):
    sofia = glossary.get("city.sofia")
    changed = replace(sofia, targets={**sofia.targets, "tr": "Sofia"}, status="approved")
    new = replace(glossary.get("city.varna"), id="city.pernik", bg="Перник", note="")
    merged, report = merge_proposals(glossary, [changed, new])

    assert merged.get("city.sofia") == sofia  # untouched
    revision = merged.get("city.sofia~r1")
    assert revision.status == "proposed" and revision.replaces == "city.sofia"
    assert revision.targets["tr"] == "Sofia" and revision.approved_by == ""
    assert merged.get("city.pernik").status == "proposed"
    assert merged.version == glossary.version  # approved content unchanged
    assert any("city.sofia~r1" in line and "targets tr" in line for line in report)
    assert any(line.startswith("added city.pernik") for line in report)
    assert lint(merged) == []


def test_merge_is_idempotent(glossary):
    sofia = glossary.get("city.sofia")
    changed = replace(sofia, targets={**sofia.targets, "tr": "Sofia"})
    once, _ = merge_proposals(glossary, [changed])
    twice, report = merge_proposals(once, [changed])
    assert twice.entries == once.entries
    assert report == ["unchanged: city.sofia~r1 already proposes this change to approved city.sofia"]
    other = replace(sofia, targets={**sofia.targets, "tr": "Sofiya"})
    thrice, _ = merge_proposals(twice, [other])
    assert thrice.get("city.sofia~r2").targets["tr"] == "Sofiya"


def test_merge_of_an_unchanged_export_changes_nothing(glossary):
    merged, report = merge_proposals(glossary, import_csv(export_csv(glossary)))
    assert merged.entries == glossary.entries
    assert all(line.startswith("unchanged ") for line in report) and len(report) == len(glossary)


def test_merge_updates_a_proposal_in_place():
    proposal = make("city.plovdiv", "Пловдив", status="proposed", targets={"en": "Plovdiv"})
    update = replace(proposal, targets={"el": "Φιλιππούπολη"})
    merged, report = merge_proposals(Glossary((proposal,)), [update])
    assert [e.id for e in merged.entries] == ["city.plovdiv"]
    assert dict(merged.get("city.plovdiv").targets) == {"en": "Plovdiv", "el": "Φιλιππούπολη"}
    assert report == ["updated proposal city.plovdiv (changed: targets el)"]


def test_a_one_language_sheet_proposes_one_language(glossary):
    text = "id,bg,hr\ncity.athens,Атина,Atina\n"
    merged, _ = merge_proposals(glossary, import_csv(text))
    revision = merged.get("city.athens~r1")
    original = glossary.get("city.athens")
    assert {c for c in TARGETS if revision.targets[c] != original.targets[c]} == {"hr"}
