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
"""

from __future__ import annotations

import re
from dataclasses import replace

from b40news.glossary.entries import Entry, Glossary

_REVISION_RE = re.compile(r"~r(\d+)$")


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
