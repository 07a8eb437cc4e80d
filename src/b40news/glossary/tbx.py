"""TBX (ISO 30042) export and import with translate-toolkit's ``tbx`` store.

One ``termEntry`` per entry, ``id`` = the entry id. Layout (entry level first,
as the TBX DTD orders it, then one ``langSet`` per language):

* ``<descrip type="subjectField">`` the kind (city, title, ...);
* ``<descrip type="Translation needed">no</descrip>`` for do-not-translate
  entries (the marker translate-toolkit and Weblate read);
* ``<admin type="x-b40-status">``, ``x-b40-caseSensitive``, ``x-b40-replaces``:
  b40news fields TBX has no data category for;
* ``<transacGrp>`` with ``transactionType`` "approval", the ``date`` and the
  ``responsibility`` (who approved);
* ``<note>`` the entry's note;
* ``langSet xml:lang="bg"``: ``bg`` as the preferred term, then each variant
  as an admitted term (``administrativeStatus``);
* one ``langSet`` per target language with its code as the network writes it
  (``sr-Cyrl``, ``sr-Latn``, ``cnr``).

Import reads files written here and plain TBX from other tools: an entry
without b40news fields becomes a ``proposed`` ``term.*`` entry, its id taken
from the termEntry id when it is one of ours, else made from the Bulgarian term.
"""

from __future__ import annotations

import re

from lxml import etree
from translate.misc.xml_helpers import getXMLlang
from translate.storage.tbx import tbxfile, tbxunit

from b40news import languages
from b40news.glossary.entries import ID_RE, KINDS, Entry, Glossary, GlossaryError
from b40news.glossary.schema import entry_from_dict, forms_text, parse_forms

_ADMIN = {"status": "x-b40-status", "case_sensitive": "x-b40-caseSensitive",
          "replaces": "x-b40-replaces"}
_FORMS = "b40-forms"  # a target's grammatical forms: "mk:def=... | en:pl=..."
_PREFERRED, _ADMITTED = "preferredTerm-admn-sts", "admittedTerm-admn-sts"


def export_tbx(glossary: Glossary) -> bytes:
    store = tbxfile(sourcelanguage=languages.SOURCE)
    for entry in sorted(glossary.entries, key=lambda e: e.id):
        unit = store.addsourceunit(entry.bg)
        unit.setid(entry.id)
        unit.set_source_terms(list(entry.surfaces), lang=languages.SOURCE)
        for code, value in entry.targets.items():
            if value and ":" not in code:  # forms go in a description (_write_metadata)
                unit.set_target_terms([value], lang=code)
        _write_metadata(unit, entry)
    return bytes(store)


def _write_metadata(unit: tbxunit, entry: Entry) -> None:
    ns = unit.namespaced
    nodes = [_element(ns("descrip"), entry.kind, type="subjectField")]
    if entry.do_not_translate:
        nodes.append(_element(ns("descrip"), "no", type="Translation needed"))
    nodes.append(_element(ns("admin"), entry.status, type=_ADMIN["status"]))
    nodes.append(_element(ns("admin"), "true" if entry.case_sensitive else "false",
                          type=_ADMIN["case_sensitive"]))
    if entry.replaces:
        nodes.append(_element(ns("admin"), entry.replaces, type=_ADMIN["replaces"]))
    if entry.approved_by or entry.approved_at:
        group = etree.Element(ns("transacGrp"))
        group.append(_element(ns("transac"), "approval", type="transactionType"))
        if entry.approved_at:
            group.append(_element(ns("date"), entry.approved_at))
        if entry.approved_by:
            group.append(_element(ns("transacNote"), entry.approved_by, type="responsibility"))
        nodes.append(group)
    if forms_text(entry.targets):
        nodes.append(_element(ns("descrip"), forms_text(entry.targets), type=_FORMS))
    if entry.note:
        nodes.append(_element(ns("note"), entry.note))
    for position, node in enumerate(nodes):
        unit.xmlelement.insert(position, node)
    for tig in unit.source_dom.findall(ns("tig")):
        status = _PREFERRED if tig is unit.source_dom.find(ns("tig")) else _ADMITTED
        tig.append(_element(ns("termNote"), status, type="administrativeStatus"))


def _element(tag: str, text: str, **attributes: str) -> etree._Element:
    node = etree.Element(tag)
    node.text = text
    for name, value in attributes.items():
        node.set(name, value)
    return node


def import_tbx(data: bytes) -> list[Entry]:
    """Entries from TBX bytes; :class:`GlossaryError` names the entry and field."""
    try:
        store = tbxfile.parsestring(data, sourcelanguage=languages.SOURCE)
    except etree.XMLSyntaxError as error:
        raise GlossaryError(f"not valid TBX: {error}", file="TBX") from error
    return [_read_unit(unit, index) for index, unit in enumerate(store.units)]


def _read_unit(unit: tbxunit, index: int) -> Entry:
    ns = unit.namespaced
    element = unit.xmlelement
    sources = [term.text for term in unit.get_source_terms() if term.text]
    raw_id = element.get("id") or ""

    def fail(message: str, field: str = "") -> GlossaryError:
        return GlossaryError(message, file="TBX", entry_id=raw_id or f"#{index + 1}", field=field)

    if not sources:
        raise fail("no Bulgarian term", "bg")
    targets: dict[str, str] = {}
    for node in unit.getlanguageNodes():
        lang = getXMLlang(node) or ""
        try:
            code = languages.get(lang).code
        except languages.UnknownLanguage:
            code = _base_code(lang)
            if code is None:
                raise fail(f"unknown language {lang!r}", "targets") from None
        if code == languages.SOURCE:
            continue
        terms = [term.text for term in unit.get_target_terms(lang) if term.text]
        if terms:
            targets[code] = terms[0]
    admin = {node.get("type"): (node.text or "").strip() for node in element.findall(ns("admin"))}
    descrip = {node.get("type"): (node.text or "").strip() for node in element.findall(ns("descrip"))}
    kind = descrip.get("subjectField", "")
    try:
        targets.update(parse_forms(descrip.get(_FORMS, "")))
    except GlossaryError as error:
        raise fail(str(error), "targets") from None
    entry_id = raw_id if ID_RE.match(raw_id) else _make_id(kind if kind in KINDS else "term", sources[0])
    fields: dict = {
        "id": entry_id,
        "bg": sources[0],
        "variants": sources[1:],
        "targets": targets,
        "do_not_translate": descrip.get("Translation needed", "yes").lower() == "no",
        "case_sensitive": admin.get(_ADMIN["case_sensitive"], "false") == "true",
        "note": "\n".join((n.text or "").strip() for n in element.findall(ns("note"))),
        "status": admin.get(_ADMIN["status"], "proposed"),
        "replaces": admin.get(_ADMIN["replaces"], ""),
    }
    group = element.find(ns("transacGrp"))
    if group is not None:
        date, who = group.find(ns("date")), group.find(ns("transacNote"))
        fields["approved_at"] = (date.text or "").strip()[:10] if date is not None else ""
        fields["approved_by"] = (who.text or "").strip() if who is not None else ""
    return entry_from_dict(fields, file="TBX", index=index)


def _base_code(lang: str) -> str | None:
    base = re.split(r"[-_]", lang)[0].lower()
    try:
        return languages.get(base).code
    except languages.UnknownLanguage:
        return None


def _make_id(kind: str, bg: str) -> str:
    from b40news.text.scripts import transliterate

    slug = re.sub(r"[^a-z0-9]+", "-", transliterate(bg, "en").lower()).strip("-") or "entry"
    return f"{kind}.{slug}"
