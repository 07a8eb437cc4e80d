"""Drafts: the best available start for every segment a person has not yet written (plain Python).

Each segment dict of ``Translation.segments`` carries, besides ``source``,
``target``, ``from_memory`` and ``flags``:

* ``state``: ``empty`` (no text yet), ``draft`` (a suggestion nobody has
  decided on), ``edited`` (a person wrote, corrected or accepted it) or
  ``reviewed`` (part of an approved translation);
* ``draft``: where the suggestion came from, kept after an edit::

      {"kind": "memory" | "script" | "sibling" | "fuzzy" | "machine" | "copy",
       "score": 0-100 or None, "from": release id | language | route,
       "diff": [...], "alternatives": [{"kind", "score", "from", "target"}],
       "target": the suggestion itself, once a person has replaced it}

  (a segment a person edits without a draft gets one of kind ``machine``,
  ``memory`` or ``human`` (an uploaded translation) to keep what it said);
* ``questions``: for a person's text, the glossary targets it words otherwise
  (terminology questions for the reviewer, not flags; `glossary.inflected`).

Kinds, best first (:data:`KINDS`): an exact human-approved translation of the
same sentence in an earlier release (``memory``); the reviewed Serbian text
in the other script (``script``); a reviewed sibling language converted by
rules (``sibling``, :mod:`siblings`); a human-approved translation of a
similar sentence (``fuzzy``, :mod:`fuzzy`, with the words that differ); the
machine route (``machine``). ``copy``: a segment with nothing to translate
(a number, a link). The next best candidates stay in ``alternatives``.

Approval stays honest: ``fuzzy`` and ``sibling`` drafts carry a ``draft-…``
flag, so a language holding them is approved only with a human decision
(``--force``, or correcting them); ``memory`` and ``script`` drafts are copies
of decisions people already made, and machine drafts keep the quality flags
they always had. An ``empty`` segment blocks approval even with ``--force``:
there is nothing to send.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KINDS: tuple[str, ...] = ("memory", "script", "sibling", "fuzzy", "machine", "copy")  # best first
STATES: tuple[str, ...] = ("empty", "draft", "edited", "reviewed")
HUMAN_STATES = frozenset({"edited", "reviewed"})
PREFILLED_KINDS: tuple[str, ...] = ("memory", "fuzzy", "sibling", "script", "machine")
MAX_ALTERNATIVES = 3
EMPTY_FLAG = "empty: no translation yet: write one, or import it from a translation tool (XLIFF)"


@dataclass(frozen=True)
class Candidate:
    kind: str
    target: str
    origin: object  # release id (memory, fuzzy), language (sibling, script), route (machine)
    score: float | None = None
    diff: tuple = ()
    flags: tuple[str, ...] = ()  # what the origin itself says (machine quality flags)
    order: int = 0  # among candidates of one kind: lower first (a closer sibling)
    extra: tuple[tuple[str, object], ...] = ()  # more metadata: ("release", 3), ("reviewer", "ana")

    def rank(self) -> tuple[int, int, float]:
        return (KINDS.index(self.kind), self.order, -(self.score or 0))


def draft_flags(candidate: Candidate) -> list[str]:
    """The flag that makes a person look at this draft before approval, if any."""
    if candidate.kind == "fuzzy":
        where = f"release {candidate.origin}" if candidate.origin is not None else "the memory"
        return [f"draft-fuzzy: a {candidate.score:g}% match of a reviewed sentence ({where}): "
                "check the highlighted words"]
    if candidate.kind == "sibling":
        return [f"draft-sibling: made by rules from the reviewed {candidate.origin} text: check it"]
    return []


def state_of(segment: dict) -> str:
    """A segment's state; segments stored before states existed are read as drafts or edits."""
    state = segment.get("state")
    if state in STATES:
        return state
    if segment.get("edited"):
        return "edited"
    return "draft" if segment.get("target") else "empty"


def is_human(segment: dict) -> bool:
    return state_of(segment) in HUMAN_STATES


def kind_of(segment: dict) -> str | None:
    draft = segment.get("draft") or {}
    return draft.get("kind")


# Drafts made of people's approved words for this very sentence (its memory entry, a reviewed
# sibling language, the other Serbian script).
FROM_PEOPLE = frozenset({"memory", "sibling", "script"})


def worded_by_people(segment: dict) -> bool:
    """Checked as a person's text: its glossary terms count in any inflected form ("iz Varne"),
    and one worded otherwise is a terminology question, not a flag."""
    return is_human(segment) or kind_of(segment) in FROM_PEOPLE


def empty_segment(source: str) -> dict:
    return {"source": source, "target": "", "from_memory": False, "flags": [EMPTY_FLAG],
            "state": "empty", "draft": None}


def drafted_segment(source: str, candidates: Sequence[Candidate]) -> dict:
    """The segment dict for the best of ``candidates`` (empty when there are none)."""
    if not candidates:
        return empty_segment(source)
    ordered = sorted(candidates, key=Candidate.rank)
    best = ordered[0]
    alternatives = []
    for other in ordered[1:]:
        if other.target != best.target and all(other.target != a["target"] for a in alternatives):
            alternatives.append({"kind": other.kind, "score": other.score, "from": other.origin,
                                 "target": other.target})
        if len(alternatives) == MAX_ALTERNATIVES:
            break
    draft = {"kind": best.kind, "score": best.score, "from": best.origin, "diff": list(best.diff),
             **dict(best.extra), "alternatives": alternatives}
    return {"source": source, "target": best.target, "from_memory": best.kind == "memory",
            "flags": [*best.flags, *draft_flags(best)], "state": "draft", "draft": draft}


def edited_segment(segment: dict, target: str, *, route: str | None = None) -> dict:
    """A person's text for a segment: flags go (a human decision), the draft's origin stays.

    The suggestion the person started from (a draft, or the machine output of
    ``route``) is kept in ``draft["target"]`` the first time a person writes
    it, so the editor can still show what the machine said."""
    draft = segment.get("draft")
    if not is_human(segment) and segment.get("target"):
        kind = "memory" if segment.get("from_memory") else "human" if route == "human" else "machine"
        draft = dict(draft or {"kind": kind, "score": None,
                               "from": route, "diff": [], "alternatives": []})
        draft.setdefault("target", segment["target"])
    return {**segment, "target": target, "flags": [], "from_memory": False, "edited": True, "state": "edited",
            "draft": draft}


def reviewed(segments: Iterable[dict]) -> list[dict]:
    """The segments of a translation being approved: every one is now reviewed."""
    return [{**segment, "state": "reviewed"} if segment.get("target") else dict(segment) for segment in segments]


def human_decided(segments: Iterable[dict]) -> list[dict]:
    """Segments that are a person's work once approved: edits, and drafts that copy or
    convert people's work (memory, script, sibling). Fuzzy and machine drafts approved
    as they stand are not remembered as human translations."""
    return [segment for segment in segments if segment.get("target") and (
        is_human(segment) or kind_of(segment) in ("memory", "script", "sibling", "copy"))]


def empty_count(segments: Iterable[dict]) -> int:
    return sum(1 for segment in segments if state_of(segment) == "empty")


def complete(segments: Sequence[dict]) -> bool:
    return bool(segments) and empty_count(segments) == 0


def summary(segments: Sequence[dict]) -> dict:
    """What ``status --json`` shows per language: segments, reviewed, prefilled by kind."""
    states = Counter(state_of(segment) for segment in segments)
    kinds = Counter(kind_of(segment) or "machine" for segment in segments if state_of(segment) == "draft")
    prefilled = {kind: kinds.get(kind, 0) for kind in PREFILLED_KINDS}
    prefilled.update({kind: n for kind, n in kinds.items() if kind not in prefilled})
    return {
        "segments": len(segments),
        "reviewed": states["edited"] + states["reviewed"],
        "empty": states["empty"],
        "prefilled": prefilled,
    }
