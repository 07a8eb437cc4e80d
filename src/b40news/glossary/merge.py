"""Bring imported entries (CSV, TBX, detected names) in as proposals.

Rules, per imported entry, by id:

* unknown id: added as ``proposed``;
* the same content as the glossary's entry (bg, variants, targets, flags,
  note): nothing to do; so merging the same file twice changes nothing;
* the glossary's entry is ``proposed``: replaced by the import (a proposal
  revising a proposal);
* the glossary's entry is ``approved`` or ``rejected``: it is never touched.
  The import comes in as a **revision**: a new ``proposed`` entry with id
  ``<id>~r<n>`` (n = 1, 2, ...) and ``replaces: <id>``, kept in the same file
  right after the original (ids sort so). Approving it is a reviewer's act
  outside this module: give the revision's content to the original id and
  drop the revision. A revision proposing what an open revision already
  proposes is not added twice.

Whatever the import says about status and approval, it arrives ``proposed``
and unapproved. A language the import leaves out is taken from the entry it
revises, so a sheet with one language column proposes a change to that
language only.

Also here, for the review (``review.py``): :func:`proposal_from_fields` (a
form's or the command line's fields as a proposal), :func:`diff` (a proposal
against the approved entry, per field and language) and :func:`rebase` (an
open revision moved onto a newly approved version of its entry).
"""

from __future__ import annotations

import re
from dataclasses import replace

from b40news import languages
from b40news.glossary.entries import Entry, Glossary, GlossaryError
from b40news.glossary.schema import entry_from_dict, entry_to_dict

_REVISION_RE = re.compile(r"~r(\d+)$")
EDITABLE = ("bg", "variants", "targets", "do_not_translate", "case_sensitive", "note")


def _content(entry: Entry) -> tuple:
    return (entry.bg, entry.variants, tuple(sorted(entry.targets.items())),
            entry.do_not_translate, entry.case_sensitive, entry.note)


def base_id(entry_id: str) -> str:
    return _REVISION_RE.sub("", entry_id)


def merge_proposals(glossary: Glossary, imported: list[Entry]) -> tuple[Glossary, list[str]]:
    entries = list(glossary.entries)
    report: list[str] = []
    for incoming in imported:
        proposal = replace(incoming, status="proposed", approved_by="", approved_at="")
        index = next((i for i, e in enumerate(entries) if e.id == proposal.id), None)
        if index is None:
            entries.append(proposal)
            report.append(f"added {proposal.id} as proposed")
            continue
        current = entries[index]
        proposal = replace(proposal, targets={**current.targets, **proposal.targets})
        if _content(proposal) == _content(current):
            report.append(f"unchanged {current.id}")
            continue
        changed = _changes(current, proposal)
        if current.status == "proposed":
            entries[index] = replace(proposal, replaces=current.replaces or proposal.replaces)
            report.append(f"updated proposal {current.id} ({changed})")
            continue
        original = base_id(current.id)  # a changed rejected revision revises the original
        same = next((e for e in entries if e.replaces == original and e.status == "proposed"
                     and _content(e) == _content(proposal)), None)
        if same is not None:
            report.append(
                f"unchanged: {same.id} already proposes this change to {current.status} {current.id}")
            continue
        number = 1 + max((int(m.group(1)) for e in entries
                          if base_id(e.id) == original and (m := _REVISION_RE.search(e.id))), default=0)
        revision = replace(proposal, id=f"{original}~r{number}", replaces=original)
        entries.append(revision)
        report.append(f"{current.status} {current.id} kept; change proposed as {revision.id} ({changed})")
    return Glossary(tuple(entries)), report


def _changes(old: Entry, new: Entry) -> str:
    parts = [name for name in ("bg", "variants", "do_not_translate", "case_sensitive", "note")
             if getattr(old, name) != getattr(new, name)]
    languages = [code for code in {**old.targets, **new.targets}
                 if old.targets.get(code) != new.targets.get(code)]
    if languages:
        parts.append("targets " + ", ".join(languages))
    return "changed: " + "; ".join(parts)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return ", ".join(value)
    return str(value)


def diff(old: Entry | None, new: Entry) -> list[tuple[str, str, str]]:
    """``(field, old, new)`` for every field and target language that differs
    (a language code names a target); against no entry, what ``new`` has."""
    rows = []
    for name in ("bg", "variants", "do_not_translate", "case_sensitive", "note"):
        before, after = (getattr(old, name) if old else None), getattr(new, name)
        if (old is None and (after or name == "bg")) or (old is not None and before != after):
            rows.append((name, "" if old is None else _shown(before), _shown(after)))
    codes = [*languages.TARGETS, *(c for c in {**(old.targets if old else {}), **new.targets}
                                   if c not in languages.TARGETS)]
    for code in codes:
        before, after = (old.targets.get(code, "") if old else ""), new.targets.get(code, "")
        if before != after:
            rows.append((code, before, after))
    return rows


def slug(text: str) -> str:
    """An id's slug: lower-case ASCII, Cyrillic romanised."""
    from b40news.text.scripts import transliterate

    latin = transliterate(text, "en") if re.search(r"[^\x00-\x7f]", text) else text
    return re.sub(r"[^a-z0-9]+", "-", latin.lower()).strip("-") or "entry"


def free_id(glossary: Glossary, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``... whichever the glossary does not use."""
    candidate, number = wanted, 1
    while candidate in glossary:
        number += 1
        candidate = f"{wanted}-{number}"
    return candidate


def _target_key(code: str) -> str:
    """A language code (aliases accepted), or a form of one: ``mk:def`` (the schema checks the form)."""
    language, sep, form = str(code).partition(":")
    return languages.get(language).code + sep + form


def proposal_from_fields(fields: dict, glossary: Glossary, *, fill_missing: bool = False) -> Entry:
    """The ``proposed`` entry a reviewer's form or command line describes.

    ``id`` names an existing entry to change: what ``fields`` leave out (a
    language, the variants, the note) is kept from it. Without ``id``, a new
    entry of ``kind``; its id is made from the English target (or the
    romanised ``bg``), unless that id is another term's. ``fill_missing``
    spells the languages a new entry leaves out by transliteration.
    Give the result to :func:`merge_proposals`. Raises :class:`GlossaryError`.
    """
    fields = {key: value for key, value in fields.items() if value is not None}
    unknown = sorted(set(fields) - {"id", "kind", *EDITABLE})
    if unknown:
        raise GlossaryError(f"unknown field(s) {', '.join(unknown)}; allowed: id, kind, {', '.join(EDITABLE)}")
    try:
        targets = {_target_key(code): value for code, value in (fields.get("targets") or {}).items()
                   if value and value.strip()}
    except languages.UnknownLanguage as error:
        raise GlossaryError(str(error), field="targets") from None
    entry_id, kind, bg = fields.get("id", ""), fields.get("kind", ""), (fields.get("bg") or "").strip()
    if not entry_id:
        if not kind or not bg:
            raise GlossaryError("a new entry needs a kind and its Bulgarian form (bg); a change needs the entry's id")
        entry_id = f"{kind}.{slug(targets.get('en') or bg)}"
        if entry_id in glossary and glossary.get(entry_id).bg.casefold() != bg.casefold():
            entry_id = free_id(glossary, entry_id)
    data: dict = {"id": entry_id}
    if entry_id in glossary:
        existing = glossary.get(entry_id)
        data.update({k: v for k, v in entry_to_dict(existing).items() if k in EDITABLE})
        data["targets"] = dict(existing.targets)
    data.update({k: v for k, v in fields.items() if k in EDITABLE and k != "targets" and v not in ("", [], ())})
    if "variants" in data:
        data["variants"] = list(data["variants"])
    data["targets"] = {**data.get("targets", {}), **targets}
    if data.get("do_not_translate"):
        data.pop("targets")
    elif fill_missing and entry_id not in glossary:
        from b40news.text.scripts import transliterate

        data["targets"] = {code: data["targets"].get(code) or transliterate(data["bg"], code)
                           for code in languages.TARGETS}
    data["status"] = "proposed"
    return entry_from_dict(data, kind=kind or None)


def rebase(revision: Entry, old: Entry, new: Entry) -> Entry:
    """``revision`` (made against ``old``) moved onto ``new``: what it left as in
    ``old`` now reads as in ``new``; what it changes stays its own."""
    fields = {name: getattr(new, name) for name in ("bg", "variants", "do_not_translate", "case_sensitive", "note")
              if getattr(revision, name) == getattr(old, name)}
    targets = {code: new.targets[code] if text == old.targets.get(code) and code in new.targets else text
               for code, text in revision.targets.items()}
    return replace(revision, **fields, targets={**new.targets, **targets})
