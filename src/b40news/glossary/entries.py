"""Glossary entries and the glossary as a value: plain Python, no Django.

An :class:`Entry` is one approved (or proposed, or rejected) concept: a
Bulgarian source term, its other Bulgarian forms, and the exact string every
target language must show. A :class:`Glossary` is an immutable tuple of
entries with a content checksum (:attr:`Glossary.version`) and a compiled
matcher (:meth:`Glossary.find`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from b40news import languages

if TYPE_CHECKING:
    from b40news.glossary.matcher import Matcher

# Kind -> the file that holds it. The id of an entry starts with "<kind>.".
KINDS: dict[str, str] = {
    "organisation": "organisations.yaml",
    "city": "cities.yaml",
    "place": "places.yaml",
    "title": "titles.yaml",
    "person": "people.yaml",
    "term": "terms.yaml",
}
STATUSES = ("approved", "proposed", "rejected")
# Grammatical forms a target may also carry, as "mk:def", "mk:pl", "en:pl" keys of
# ``targets``: enforcement writes the one the Bulgarian source form asks for
# (Градоначалникът -> Градоначалникот, 80 кмета -> 80 градоначалници / 80 Mayors).
FORMS = ("def", "pl", "pl-def")
# "city.sofia", and for a proposed revision of an entry "city.sofia~r1".
ID_RE = re.compile(r"^(?P<kind>[a-z]+)\.[a-z0-9]+(?:-[a-z0-9]+)*(?:~r[1-9][0-9]*)?$")


class Targets(dict):
    """A read-only ``{language: text}`` mapping that still pickles (Django's cache)."""

    def _read_only(self, *args, **kwargs):
        raise TypeError("glossary targets are read-only; use dataclasses.replace")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _read_only
    __ior__ = _read_only

    def __reduce__(self):
        return (Targets, (dict(self),))


class GlossaryError(ValueError):
    """Malformed glossary data; the message names file, entry id and field."""

    def __init__(self, message: str, *, file: str = "", entry_id: str = "", field: str = ""):
        self.file, self.entry_id, self.field = file, entry_id, field
        where = [part for part in (
            file,
            f"entry {entry_id}" if entry_id else "",
            f"field {field!r}" if field else "",
        ) if part]
        super().__init__(": ".join([*where, message]))


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    bg: str
    variants: tuple[str, ...] = ()
    targets: Mapping[str, str] = field(default_factory=dict)
    do_not_translate: bool = False
    case_sensitive: bool = False
    note: str = ""
    status: str = "proposed"
    approved_by: str = ""
    approved_at: str = ""
    # For a proposed revision of an existing entry: the id it would replace.
    replaces: str = ""

    def __post_init__(self) -> None:
        targets = dict(self.targets)
        if self.do_not_translate:
            # Same string in every language: the targets are the source, always.
            targets = {code: self.bg for code in languages.TARGETS}
        ordered = {code: targets[code] for code in languages.TARGETS if code in targets}
        ordered.update({code: value for code, value in targets.items() if code not in ordered})
        object.__setattr__(self, "targets", Targets(ordered))
        object.__setattr__(self, "variants", tuple(self.variants))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Entry):
            return NotImplemented
        return self.as_tuple() == other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    def as_tuple(self) -> tuple:
        return (
            self.id, self.kind, self.bg, self.variants, tuple(sorted(self.targets.items())),
            self.do_not_translate, self.case_sensitive, self.note, self.status,
            self.approved_by, self.approved_at, self.replaces,
        )

    @property
    def surfaces(self) -> tuple[str, ...]:
        """The Bulgarian forms this entry is matched by: ``bg`` then variants."""
        return (self.bg, *self.variants)

    def target(self, language: str, form: str = "") -> str:
        """The approved string for ``language`` (aliases such as ``sr`` accepted),
        in ``form`` (:data:`FORMS`) when the entry gives that form, else the base form.

        ``do_not_translate`` entries give ``bg`` unchanged. A missing Serbian
        script is derived from the other one by the one-to-one Serbian mapping.
        Raises ``KeyError`` when there is nothing to give.
        """
        code = languages.get(language).code
        if self.do_not_translate:
            return self.bg
        if form and self.targets.get(f"{code}:{form}"):
            return self.targets[f"{code}:{form}"]
        if form == "pl-def" and self.targets.get(f"{code}:pl") and code == "en":
            return self.targets[f"{code}:pl"]
        value = self.targets.get(code, "")
        if value:
            return value
        if code in ("sr-Cyrl", "sr-Latn"):
            from b40news.text import scripts

            if code == "sr-Cyrl" and self.targets.get("sr-Latn"):
                return scripts.serbian_to_cyrillic(self.targets["sr-Latn"])
            if code == "sr-Latn" and self.targets.get("sr-Cyrl"):
                return scripts.serbian_to_latin(self.targets["sr-Cyrl"])
        raise KeyError(f"glossary entry {self.id} has no target for {code}")

    def forms(self, language: str) -> list[str]:
        """Every string this entry may stand as in ``language``: the base form, then its forms."""
        code = languages.get(language).code
        found = [self.target(code)] if (self.do_not_translate or self.targets.get(code)) else []
        found += [value for key, value in self.targets.items() if key.startswith(code + ":")]
        return list(dict.fromkeys(found))

    def content_key(self) -> list:
        """What the translation output depends on (the version checksum input).

        Review metadata (note, approver, date) is left out on purpose: a new
        note must not invalidate cached translations.
        """
        return [
            self.id, self.kind, self.bg, list(self.variants),
            sorted(self.targets.items()), self.do_not_translate, self.case_sensitive,
        ]


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entry_id: str
    surface: str


def _digest(rows: Iterable[list]) -> str:
    """sha256 of rows whose first item is an entry id, in id order."""
    canonical = json.dumps(sorted(rows, key=lambda row: row[0]), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Glossary:
    entries: tuple[Entry, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(self.entries))

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Glossary:
        return cls(tuple(entries))

    @cached_property
    def version(self) -> str:
        """sha256 (first 16 hex) of the canonical content of approved entries.

        Same approved content -> same version, whatever the order of entries or
        files, so a sync or a cache key built on it is safe to repeat.
        """
        return _digest(e.content_key() for e in self.entries if e.status == "approved")[:16]

    @cached_property
    def checksum(self) -> str:
        """sha256 of every field of the approved entries (review metadata too).

        Unlike :attr:`version`, a new note or approver changes it: it names
        the approved glossary as stored, for caches of it (``current.py``).
        """
        return _digest(list(e.as_tuple()) for e in self.entries if e.status == "approved")

    def approved(self) -> Glossary:
        return Glossary(tuple(e for e in self.entries if e.status == "approved"))

    def get(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(f"no glossary entry {entry_id!r}")

    def __contains__(self, entry_id: object) -> bool:
        return any(entry.id == entry_id for entry in self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @cached_property
    def matcher(self) -> Matcher:
        """Compiled once per glossary: every non-rejected entry."""
        from b40news.glossary.matcher import Matcher

        return Matcher(e for e in self.entries if e.status != "rejected")

    def find(self, text: str) -> list[Match]:
        """Non-overlapping matches in running Bulgarian text, left to right;
        at one position the longest term wins, an approved entry before a
        proposed one with the same form."""
        return self.matcher.find(text)
