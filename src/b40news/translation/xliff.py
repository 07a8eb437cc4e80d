"""XLIFF 1.2 and 2.0 for translators' tools, through translate-toolkit (plain Python).

One file is one release in one language; one unit per segment (segment 0 is
the title), its id ``r<release>-s<index>`` stable across exports. A unit
carries the Bulgarian source, the current target (none while empty), its
state, and notes: each glossary term of the segment with its approved target,
and where the draft came from.

States:

==========  ==================================================  ==========================
ours        XLIFF 1.2 ``<target state>`` (``state-qualifier``)   XLIFF 2.0 ``<segment state>``
==========  ==================================================  ==========================
empty       no target                                            initial, no target
draft       needs-review-translation (exact-match, fuzzy-match,  initial, subState
            leveraged-inherited, mt-suggestion)                  ``b40news:<kind>``
edited      translated                                           translated
reviewed    final (``approved="yes"``)                           final
==========  ==================================================  ==========================

On import a unit is a person's decision when its target is not empty and it
either differs from the current target or the tool marked it done (1.2:
translated, signed-off, final; 2.0: translated, reviewed, final). A file whose
units do not match the release (unknown ids, changed sources, another
release or language) is refused with the list of mismatches.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lxml import etree
from translate.storage import xliff as xliff1
from translate.storage import xliff2

VERSIONS = ("1.2", "2.0")
NOTE_ORIGIN = "b40news"
_NS12 = "urn:oasis:names:tc:xliff:document:1.2"
_NS20 = "urn:oasis:names:tc:xliff:document:2.0"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_QUALIFIER = {"memory": "exact-match", "fuzzy": "fuzzy-match", "sibling": "leveraged-inherited",
              "script": "leveraged-inherited", "machine": "mt-suggestion"}
_DONE_12 = frozenset({"translated", "signed-off", "final"})
_DONE_20 = frozenset({"translated", "reviewed", "final"})


class XliffError(ValueError):
    """A file that cannot be read, or that does not match the release; nothing was stored."""

    def __init__(self, message: str, mismatches: Sequence[str] = ()):
        self.mismatches = list(mismatches)
        super().__init__(message + "".join(f"\n  {m}" for m in self.mismatches))


@dataclass(frozen=True)
class ExportUnit:
    index: int
    source: str
    target: str
    state: str  # empty | draft | edited | reviewed
    kind: str | None = None  # the draft's kind
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportedUnit:
    id: str
    source: str
    target: str
    done: bool  # the tool marked it translated or better


@dataclass
class Imported:
    version: str
    original: str
    source_language: str
    target_language: str
    units: list[ImportedUnit] = field(default_factory=list)


def unit_id(release_id: int, index: int) -> str:
    return f"r{release_id}-s{index:03d}"


def file_name(release_id: int) -> str:
    return f"release-{release_id}"


def export(units: Sequence[ExportUnit], *, release_id: int, source_language: str, target_language: str,
           version: str = "1.2") -> bytes:
    if version not in VERSIONS:
        raise XliffError(f"XLIFF version {version!r}: use one of {', '.join(VERSIONS)}")
    write = _export_12 if version == "1.2" else _export_20
    return write(units, release_id, source_language, target_language)


def _skeleton(version: str, release_id: int, source_language: str, target_language: str) -> bytes:
    if version == "1.2":
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="1.2" xmlns="{_NS12}">'
                f'<file original="{file_name(release_id)}" source-language="{source_language}" '
                f'target-language="{target_language}" datatype="plaintext"><body/></file></xliff>').encode()
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff version="2.0" xmlns="{_NS20}" '
            f'srcLang="{source_language}" trgLang="{target_language}">'
            f'<file id="{file_name(release_id)}"/></xliff>').encode()


def _export_12(units, release_id, source_language, target_language) -> bytes:
    store = xliff1.xlifffile.parsestring(_skeleton("1.2", release_id, source_language, target_language))
    for unit in units:
        node = store.addsourceunit(unit.source, filename=file_name(release_id))
        node.setid(unit_id(release_id, unit.index))
        element = node.xmlelement
        element.attrib.pop("approved", None)
        if unit.target:
            node.settarget(unit.target, lang=target_language)
            target = element.find(node.namespaced("target"))
            target.attrib.clear()
            if unit.state == "draft":
                target.set("state", "needs-review-translation")
                if unit.kind in _QUALIFIER:
                    target.set("state-qualifier", _QUALIFIER[unit.kind])
            else:
                target.set("state", "final" if unit.state == "reviewed" else "translated")
            element.attrib.pop("approved", None)
            if unit.state == "reviewed":
                element.set("approved", "yes")
        for note in unit.notes:
            node.addnote(note, origin=NOTE_ORIGIN)
    return _serialise(store)


def _export_20(units, release_id, source_language, target_language) -> bytes:
    store = xliff2.Xliff2File.parsestring(_skeleton("2.0", release_id, source_language, target_language))
    for unit in units:
        node = store.addsourceunit(unit.source)
        node.setid(unit_id(release_id, unit.index))
        segment = node.xmlelement
        if unit.target:
            node.settarget(unit.target, lang=target_language)
        state = {"draft": "initial", "empty": "initial", "edited": "translated", "reviewed": "final"}[unit.state]
        segment.set("state", state)
        if unit.state == "draft" and unit.kind:
            segment.set("subState", f"{NOTE_ORIGIN}:{unit.kind}")
        # XLIFF 2.0 puts notes and xml:space on the unit, before its segment.
        element = node.getunitelement()
        space = segment.attrib.pop(_XML_SPACE, None)
        if space:
            element.set(_XML_SPACE, space)
        if unit.notes:
            notes = etree.Element(f"{{{_NS20}}}notes")
            for text in unit.notes:
                note = etree.SubElement(notes, f"{{{_NS20}}}note", category=NOTE_ORIGIN)
                note.text = text
            element.insert(0, notes)
    return _serialise(store)


def _serialise(store) -> bytes:
    root = store.document.getroot()
    etree.cleanup_namespaces(root)
    return bytes(store)


def read(data: bytes) -> Imported:
    """The units of an XLIFF 1.2 or 2.0 file; XliffError when it is not one."""
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise XliffError(f"not an XML file: {error}") from None
    if etree.QName(root).localname != "xliff":
        raise XliffError("not an XLIFF file (the root element is not <xliff>)")
    version = root.get("version", "")
    if version.startswith("2."):
        return _read_20(data)
    if version.startswith("1."):
        return _read_12(data)
    raise XliffError(f"XLIFF version {version or '(none)'} is not supported: use 1.2 or 2.0")


def _text(value) -> str:
    return "" if value is None else str(value)


def _read_12(data: bytes) -> Imported:
    store = xliff1.xlifffile.parsestring(data)
    files = store.getfilenames()
    filenode = store.getfilenode(files[0]) if files else None
    imported = Imported("1.2", files[0] if files else "", store.getsourcelanguage() or "",
                        (filenode.get("target-language") if filenode is not None else "") or "")
    for unit in store.units:
        target = unit.xmlelement.find(unit.namespaced("target"))
        state = target.get("state", "") if target is not None else ""
        imported.units.append(ImportedUnit(
            id=_text(unit.getid()).split("\x04")[-1], source=_text(unit.source), target=_text(unit.target),
            done=state in _DONE_12 or unit.xmlelement.get("approved") == "yes"))
    if len(files) > 1:
        raise XliffError("the file holds more than one <file>: export one release and language per file")
    return imported


def _read_20(data: bytes) -> Imported:
    store = xliff2.Xliff2File.parsestring(data)
    root = store.document.getroot()
    files = [node.get("id", "") for node in root.iterchildren(f"{{{_NS20}}}file")]
    imported = Imported("2.0", files[0] if files else "", root.get("srcLang", ""), root.get("trgLang", ""))
    for unit in store.units:
        imported.units.append(ImportedUnit(
            id=_text(unit.getid()), source=_text(unit.source), target=_text(unit.target),
            done=unit.xmlelement.get("state", "") in _DONE_20))
    if len(files) > 1:
        raise XliffError("the file holds more than one <file>: export one release and language per file")
    return imported


def _same(a: str, b: str) -> bool:
    def normal(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split())
    return normal(a) == normal(b)


def check(imported: Imported, *, release_id: int, language: str, sources: Sequence[str]) -> None:
    """Raise XliffError naming every unit that does not belong to this release's segments."""
    problems = []
    if imported.original and imported.original != file_name(release_id):
        problems.append(f"the file is for {imported.original!r}, not {file_name(release_id)!r}")
    if imported.target_language and imported.target_language != language:
        problems.append(f"the file's target language is {imported.target_language!r}, not {language!r}")
    expected = {unit_id(release_id, index): source for index, source in enumerate(sources)}
    seen = set()
    for unit in imported.units:
        if unit.id in seen:
            problems.append(f"{unit.id}: appears twice")
        seen.add(unit.id)
        if unit.id not in expected:
            problems.append(f"{unit.id}: unknown segment id (source {unit.source[:60]!r})")
        elif not _same(unit.source, expected[unit.id]):
            problems.append(f"{unit.id}: the source changed: {unit.source[:60]!r}, "
                            f"the release has {expected[unit.id][:60]!r}")
    if problems:
        raise XliffError(f"{len(problems)} mismatch(es) with release {release_id}; nothing was stored:",
                         problems)


def decisions(imported: Imported, *, release_id: int, current: Mapping[int, tuple[str, bool]]) -> dict[int, str]:
    """Segment index -> the text a person decided on in the tool (see the module's docstring).

    ``current``: index -> (its target now, whether a person already decided on it);
    the same text a person already decided on is no new decision."""
    by_id = {unit_id(release_id, index): index for index in current}
    found = {}
    for unit in imported.units:
        index = by_id.get(unit.id)
        target = " ".join(unit.target.split())
        if index is None or not target:
            continue
        now, decided = current[index]
        if not _same(target, now) or (unit.done and not decided):
            found[index] = target
    return found
