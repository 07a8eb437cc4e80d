"""The translation memory as TMX 1.4, through translate-toolkit (plain Python).

One ``<tu>`` per remembered version: a human translation of a segment in one
release is its own unit, so a later release never hides an earlier one. Each
unit says who made it (``creationid``, ``creationdate``), who approved it
(``changeid``, ``changedate``) and carries ``x-release``, ``x-origin`` and
``x-status`` properties (approved | unreviewed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from translate.storage import tmx


@dataclass(frozen=True)
class TmxEntry:
    source: str
    target: str
    language: str
    created: datetime
    origin: str = "human"
    release_id: int | None = None
    author: str | None = None
    reviewer: str | None = None
    approved: datetime | None = None


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def export(entries: Iterable[TmxEntry], *, source_language: str = "bg", tool_version: str = "") -> bytes:
    store = tmx.tmxfile(sourcelanguage=source_language)
    store.addheader()
    header = store.document.getroot().find(store.namespaced("header"))
    header.set("creationtool", "b40news")
    header.set("creationtoolversion", tool_version or "1")
    for entry in entries:
        store.addtranslation(entry.source, source_language, entry.target, entry.language)
        unit = store.units[-1].xmlelement
        unit.set("creationdate", _stamp(entry.created))
        if entry.author:
            unit.set("creationid", entry.author)
        if entry.approved is not None:
            unit.set("changedate", _stamp(entry.approved))
            if entry.reviewer:
                unit.set("changeid", entry.reviewer)
        # TMX 1.4: <note> and <prop> come before the <tuv>s.
        props = [("x-origin", entry.origin), ("x-status", "approved" if entry.approved else "unreviewed")]
        if entry.release_id is not None:
            props.insert(0, ("x-release", str(entry.release_id)))
        for position, (kind, value) in enumerate(props):
            prop = etree.Element("prop", type=kind)
            prop.text = value
            unit.insert(position, prop)
    return bytes(store)
