"""XLIFF 1.2 / 2.0 round trips with translators' tools, refusal of mismatches, TMX export."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from lxml import etree
from translate.storage import tmx, xliff, xliff2

from b40news.network.sample import load_sample
from b40news.releases import workflow
from b40news.releases.models import Translation
from b40news.translation.models import MemoryEntry
from b40news.translation.service import translate_release

pytestmark = pytest.mark.django_db

TITLE = "Среща на кметовете в Загреб"
BODY = "Кметът на Загреб откри срещата в петък.\n\nСрещата продължи цял ден."
HR = ["Sastanak gradonačelnika u Zagrebu", "Gradonačelnik Zagreba otvorio je sastanak u petak.",
      "Sastanak je trajao cijeli dan."]
STORES = {"1.2": xliff.xlifffile, "2.0": xliff2.Xliff2File}


@pytest.fixture
def release():
    load_sample(0)
    release = workflow.submit(f"{TITLE}\n{BODY}".encode(), name="r.txt", city="zagreb")
    translate_release(release, ["hr", "bs"])
    return release


def export(release, language, version, tmp_path) -> bytes:
    path = tmp_path / f"{language}-{version}.xlf"
    call_command("xliff", "export", str(release.pk), "--language", language, "--version", version, str(path),
                 stderr=io.StringIO())
    return path.read_bytes()


def translate_in_a_tool(data: bytes, version: str, targets: dict[int, str]) -> bytes:
    """What a CAT tool does: fill targets and mark them translated."""
    store = STORES[version].parsestring(data)
    for index, unit in enumerate(store.units):
        if index in targets:
            unit.settarget(targets[index], lang="hr")
            if version == "2.0":
                unit.xmlelement.set("state", "translated")
            else:
                unit.xmlelement.find(unit.namespaced("target")).set("state", "translated")
    return bytes(store)


def import_file(release, data: bytes, tmp_path, name="in.xlf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    call_command("xliff", "import", str(release.pk), str(path), stdout=out)
    return out.getvalue()


def hr(release) -> Translation:
    return Translation.objects.select_related("language", "release").get(release=release, language__code="hr")


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_export_has_stable_ids_sources_notes_and_states(release, version, tmp_path):
    data = export(release, "hr", version, tmp_path)
    assert data == export(release, "hr", version, tmp_path)  # ids (and all else) stable across exports
    root = etree.fromstring(data)
    assert root.get("version") == version
    store = STORES[version].parsestring(data)
    ids = [unit.getid().split("\x04")[-1] for unit in store.units]
    assert ids == [f"r{release.pk}-s000", f"r{release.pk}-s001", f"r{release.pk}-s002"]
    assert [unit.source for unit in store.units] == [TITLE, *BODY.split("\n\n")]
    assert all(not unit.target for unit in store.units)  # nothing to start from yet
    notes = store.units[1].getnotes() if version == "1.2" else " ".join(root.itertext())
    assert "glossary: Загреб = Zagreb" in notes and "state: empty" in notes
    if version == "2.0":  # notes on the unit, before its segment; states on the segment
        unit = root.find("{*}file/{*}unit")
        assert [etree.QName(child).localname for child in unit] == ["notes", "segment"]
        assert unit.find("{*}segment").get("state") == "initial"


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_round_trip_stores_the_tools_translation_through_the_workflow(release, version, tmp_path):
    data = translate_in_a_tool(export(release, "hr", version, tmp_path), version, dict(enumerate(HR)))
    out = import_file(release, data, tmp_path)
    assert "hr: 3 segment(s) stored" in out
    translation = hr(release)
    assert translation.status == "translated" and translation.tier == "draft"
    assert [s["target"] for s in translation.segments] == HR
    assert {s["state"] for s in translation.segments} == {"edited"}
    assert translation.text == "Gradonačelnik Zagreba otvorio je sastanak u petak.\n\nSastanak je trajao cijeli dan."
    assert MemoryEntry.objects.filter(origin="human", language="hr", release=release).count() == 3
    workflow.approve(release, ["hr"], override=True)
    # Exported again, the units say so; imported again unchanged, nothing changes (it stays approved).
    again = export(release, "hr", version, tmp_path)
    assert import_file(release, again, tmp_path).startswith("hr: 0 segment(s)")
    assert hr(release).status == "approved"
    store = STORES[version].parsestring(again)
    assert [unit.target for unit in store.units] == HR
    assert ('state="final"' in again.decode()) and (version == "2.0" or 'approved="yes"' in again.decode())
    # The approval drafted Bosnian from Croatian; its export says where each draft came from.
    bs = export(release, "bs", version, tmp_path).decode()
    assert "draft: sibling: converted by rules from the reviewed hr text" in bs
    assert ("leveraged-inherited" in bs) if version == "1.2" else ('subState="b40news:sibling"' in bs)


def test_drafts_left_as_they_are_in_the_tool_are_not_decisions(release, tmp_path):
    data = translate_in_a_tool(export(release, "hr", "1.2", tmp_path), "1.2", dict(enumerate(HR)))
    import_file(release, data, tmp_path)
    workflow.approve(release, ["hr"], override=True)
    bs_file = export(release, "bs", "1.2", tmp_path)
    out = import_file(release, bs_file, tmp_path)  # every unit still needs-review-translation, unchanged
    assert out.startswith("bs: 0 segment(s) stored")
    bs = Translation.objects.get(release=release, language__code="bs")
    assert {s["state"] for s in bs.segments} == {"draft"}


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_a_file_that_does_not_match_the_release_is_refused_and_stores_nothing(release, version, tmp_path):
    data = translate_in_a_tool(export(release, "hr", version, tmp_path), version, dict(enumerate(HR)))
    text = data.decode()
    text = text.replace(f"r{release.pk}-s002", f"r{release.pk}-s009")  # an id the release does not have
    text = text.replace("Кметът на Загреб откри срещата в петък.", "Кметът на Сплит откри срещата.")
    before = list(hr(release).segments)
    with pytest.raises(CommandError) as refused:
        import_file(release, text.encode(), tmp_path)
    message = str(refused.value)
    assert "2 mismatch(es)" in message and "nothing was stored" in message
    assert f"r{release.pk}-s009: unknown segment id" in message
    assert f"r{release.pk}-s001: the source changed: 'Кметът на Сплит откри срещата.'" in message
    assert hr(release).segments == before
    assert not MemoryEntry.objects.filter(origin="human").exists()


def test_files_of_another_release_or_not_xliff_are_refused(release, tmp_path):
    other = workflow.submit(f"{TITLE}\n{BODY}".encode(), name="r.txt", city="zagreb")
    data = export(release, "hr", "2.0", tmp_path)
    with pytest.raises(CommandError, match=f"the file is for 'release-{release.pk}'"):
        import_file(other, data, tmp_path)
    with pytest.raises(CommandError, match="not an XML file"):
        import_file(release, b"Sastanak", tmp_path)
    with pytest.raises(CommandError, match="not supported"):
        import_file(release, b'<xliff version="3.0"/>', tmp_path)


def test_the_memory_exports_as_tmx_with_every_release_version(release, tmp_path):
    data = translate_in_a_tool(export(release, "hr", "1.2", tmp_path), "1.2", dict(enumerate(HR)))
    import_file(release, data, tmp_path)
    workflow.approve(release, ["hr"], override=True)
    second = workflow.submit(f"Втора\n{BODY}".encode(), name="r.txt", city="zagreb")
    translate_release(second, ["hr"])
    workflow.edit_segment(hr(second), 2, "Sastanak je trajao čitav dan.")
    path = tmp_path / "memory.tmx"
    call_command("memory", "export", "--format", "tmx", str(path), stderr=io.StringIO())
    store = tmx.tmxfile.parsestring(path.read_bytes())
    pairs = [(unit.source, unit.target) for unit in store.units]
    assert ("Срещата продължи цял ден.", "Sastanak je trajao cijeli dan.") in pairs
    assert ("Срещата продължи цял ден.", "Sastanak je trajao čitav dan.") in pairs  # both versions kept
    assert len(pairs) == 4
    root = etree.fromstring(path.read_bytes())
    assert root.get("version") == "1.4" and root.find("header").get("srclang") == "bg"
    statuses = {(tu.findtext("prop[@type='x-release']"), tu.findtext("prop[@type='x-status']"))
                for tu in root.iter("tu")}
    assert statuses == {(str(release.pk), "approved"), (str(second.pk), "unreviewed")}
    assert {tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in root.iter("tuv")} == {"bg", "hr"}
    out = io.StringIO()
    call_command("memory", "export", "--format", "tmx", "--language", "mk", stdout=out)
    assert not tmx.tmxfile.parsestring(out.getvalue().encode()).units
