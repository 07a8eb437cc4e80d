"""Put an engine's placeholders right before they are restored.

A neural engine treats ``⟦n⟧`` as text: it may drop one, repeat it, or write
another number (``⟦2⟧`` where the source had ``⟦1⟧``), and an unrepaired
output then loses a name or ships it twice. :func:`repair` compares the
engine's output with the protected source it was given and returns text in
which every placeholder of the source stands exactly as often as in the
source, with a :class:`Fix` for each change, so that review sees them:

renumbered  a placeholder written with another number (or one the source
            does not have) becomes the one it stands for;
repeated    extra occurrences are removed, keeping the best placed one;
unknown     a placeholder of no source span, with nothing to stand for, goes;
dropped     a missing one is put back where it belongs.

Where it belongs is best known from an *alignment*: ``links``, for each piece
of the output, the span of the source it was translated from (an Argos model's
attention, :mod:`b40news.translation.engines.argos`). Without links, the
placeholders that did come back and the segment's ends are the anchors, and a
dropped one goes after as many words as precede it in the source, in
proportion: a guess, which ``how == "position"`` says. Plain Python, no Django.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from b40news.text.tokens import LOOSE_PLACEHOLDER_RE, canonical

Link = tuple[int, int, int, int]  # output start, output end, source start, source end
_CLOSING = tuple(".,;:!?)]»“”\"'’…")
_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")  # letters: digits live in placeholders


@dataclass(frozen=True)
class Fix:
    token: str  # the source's placeholder (for "unknown": what the engine wrote)
    problem: str  # "dropped" | "repeated" | "renumbered" | "unknown"
    how: str  # "alignment" | "position"
    written: str = ""  # renumbered: what the engine wrote; repeated: how many times

    def __str__(self) -> str:
        by = "by the engine's alignment" if self.how == "alignment" else "at a guessed place"
        return {
            "dropped": f"{self.token} did not come back from the engine; put back {by}",
            "repeated": f"{self.token} came back {self.written} times; kept the one "
                        f"{'the alignment points to' if self.how == 'alignment' else 'best placed'}",
            "renumbered": f"the engine wrote {self.written} for {self.token}; corrected "
                          f"{'by the alignment' if self.how == 'alignment' else 'by position'}",
            "unknown": f"the engine wrote {self.token}, which stands for nothing; removed",
        }[self.problem]


@dataclass(frozen=True)
class Repaired:
    text: str
    fixes: tuple[Fix, ...]


@dataclass
class _Seen:
    start: int
    end: int
    written: str | None  # the placeholder as the engine wrote it (canonical form)
    token: str | None = None  # what it stands for after repair
    vote: str | None = None  # the source placeholder its pieces are aligned to
    removed: bool = False

    def __post_init__(self) -> None:
        self.token = self.written


def _found(text: str) -> list[_Seen]:
    return [_Seen(m.start(), m.end(), canonical(m.group(1))) for m in LOOSE_PLACEHOLDER_RE.finditer(text)]


def repair(source: str, output: str, links: Sequence[Link] | None = None) -> Repaired:
    """``output`` with each placeholder of ``source`` as often as there, and the fixes made."""
    wanted = _found(source)
    where: dict[str, _Seen] = {}
    for place in wanted:
        where.setdefault(place.token, place)
    need = Counter(place.token for place in wanted)
    seen = _found(output)
    n = len(output)
    links = [(min(max(o0, 0), n), min(max(o1, 0), n), s0, s1) for o0, o1, s0, s1 in links or ()]
    if [s.token for s in seen] == [w.token for w in wanted] or (
            not links and Counter(s.token for s in seen) == need):
        return Repaired(output, ())  # nothing wrong, or only an order no alignment can judge
    fixes: list[Fix] = []
    how = "alignment" if links else "position"
    for item in seen if links else ():
        item.vote = _vote(item, links, wanted)
        if item.vote and item.vote != item.token:
            fixes.append(Fix(item.vote, "renumbered", "alignment", output[item.start:item.end]))
            item.token = item.vote
    strays = [item for item in seen if item.token not in need]
    lacking = [t for t in need for _ in range(need[t] - sum(s.token == t for s in seen))]
    if strays and len(strays) == len(lacking) and all(  # one for one, each in the missing one's slot
            _in_slot(item, token, seen, where) for item, token in zip(strays, lacking)):
        for item, token in zip(strays, lacking):
            fixes.append(Fix(token, "renumbered", "position", output[item.start:item.end]))
            item.token = token
    for item in seen:
        if item.token not in need:
            item.removed = True
            fixes.append(Fix(output[item.start:item.end], "unknown", how))
    for token, count in need.items():
        mine = [item for item in seen if item.token == token]
        if len(mine) > count:
            share = where[token].start / max(1, len(source))
            ranked = sorted(mine, key=lambda i: (i.vote != token, abs(i.start / max(1, len(output)) - share)))
            for item in ranked[count:]:
                item.removed = True
            fixes.append(Fix(token, "repeated", "alignment" if ranked[0].vote == token else "position",
                             str(len(mine))))
    edits = [(i.start, i.end, "" if i.removed else i.token, "swap") for i in seen
             if i.removed or i.token != i.written]
    kept = [item for item in seen if not item.removed]
    for token in need:
        for _ in range(need[token] - sum(item.token == token for item in kept)):
            if links:
                start, end = _aligned_place(where[token], output, links, seen)
                if any(start < e and s < end for s, e, *_ in edits):  # what the model made of it
                    start = end = _outside(start, seen)  # overlaps another repair: insert instead
            else:
                start = end = _outside(_guessed_place(where[token], source, output, kept, where), seen)
            fixes.append(Fix(token, "dropped", how))
            edits.append((start, end, token, "put"))
    return Repaired(_apply(output, edits, source, where), tuple(fixes))


def _in_slot(item: _Seen, token: str, seen: list[_Seen], where: dict[str, _Seen]) -> bool:
    """Whether the placeholders around ``item`` in the output surround ``token`` in the source."""
    known = [other for other in seen if other.token in where and other is not item]
    earlier = [where[o.token].start for o in known if o.start < item.start]
    later = [where[o.token].start for o in known if o.start > item.start]
    return all(p < where[token].start for p in earlier) and all(p > where[token].start for p in later)


def _vote(item: _Seen, links: Sequence[Link], wanted: list[_Seen]) -> str | None:
    votes: Counter[str] = Counter()
    for out_start, out_end, src_start, _ in links:
        if out_start < item.end and out_end > item.start:
            votes.update(place.token for place in wanted if place.start <= src_start < place.end)
    return votes.most_common(1)[0][0] if votes else None


def _aligned_place(place: _Seen, output: str, links: Sequence[Link], seen: list[_Seen]) -> tuple[int, int]:
    """Where the output pieces translated from the placeholder are (what the
    engine made of it, ``[1]``, a space, is replaced unless it holds letters),
    else just after the piece translated from the nearest source before it."""
    inside = [(o0, o1) for o0, o1, s0, _ in links if place.start <= s0 < place.end]
    if inside:
        start, end = min(o0 for o0, _ in inside), max(o1 for _, o1 in inside)
        debris = not any(c.isalpha() for c in output[start:end])
        if debris and not any(start < s.end and s.start < end for s in seen):
            return start, end
        return start, start
    before = [(s0, o1) for o0, o1, s0, s1 in links if s1 <= place.start and o1 > o0]
    at = _outside(max(before)[1] if before else 0, seen)
    return at, at


def _outside(at: int, seen: list[_Seen]) -> int:
    """``at``, or the end of the placeholder it falls inside."""
    return next((item.end for item in seen if item.start < at < item.end), at)


def _guessed_place(place: _Seen, source: str, output: str, kept: list[_Seen],
                   where: dict[str, _Seen]) -> int:
    """After as many output words as the source has before the placeholder, in
    proportion, counted between the placeholders that came back around it
    (characters, where there are no words)."""
    anchors = [(0, 0), (len(source), len(output))]
    for item in kept:
        anchors += [(where[item.token].start, item.start), (where[item.token].end, item.end)]
    prev = max(a for a in anchors if a[0] <= place.start)
    after = min((a for a in anchors if a[0] >= place.end and a[1] >= prev[1]), default=anchors[1])
    before = len(_WORD_RE.findall(source, prev[0], place.start))
    around = before + len(_WORD_RE.findall(source, place.end, after[0]))
    ends = [m.end() for m in _WORD_RE.finditer(output, prev[1], after[1])]
    if not around:  # no words near it, e.g. "(⟦0⟧)": count characters instead
        def bare(a: int, b: int) -> int:
            return len(LOOSE_PLACEHOLDER_RE.sub("", source[a:b]))

        before, ends = bare(prev[0], place.start), list(range(prev[1] + 1, after[1] + 1))
        around = before + bare(place.end, after[0])
    count = int(before * len(ends) / around + 0.5) if around else 0
    return ends[count - 1] if count else prev[1]


def _apply(text: str, edits: list[tuple[int, int, str, str]], source: str, where: dict[str, _Seen]) -> str:
    """Apply (start, end, token, kind) edits, building the text left to right: a
    "swap" replaces (an empty token removes, with the space it leaves); a "put"
    placeholder gets one space on a side where the source or the output had
    one, or next to a word."""
    parts: list[str | tuple[str, str]] = []  # text, and (kind, token) edits between
    position = 0
    for _, (start, end, token, kind) in sorted(enumerate(edits), key=lambda e: (e[1][0], e[1][1], e[0])):
        start = max(start, position)  # never inside an earlier edit
        parts += [text[position:start], (kind, token)]
        position = max(position, end)
    parts.append(text[position:])
    out = ""
    for index, part in enumerate(parts):
        if isinstance(part, str):
            out += part
            continue
        kind, token = part
        after = parts[index + 1] if isinstance(parts[index + 1], str) else token
        if kind == "swap" and token:
            out += token
        elif kind == "swap":  # removed: take the space along
            if out.endswith(" ") and (not after or after.startswith((" ", *_CLOSING))):
                out = out.rstrip(" ")
            elif not out.strip() and isinstance(parts[index + 1], str):
                parts[index + 1] = after.lstrip(" ")
        else:
            place = where[token]
            before_space = place.start > 0 and source[place.start - 1].isspace()
            after_space = place.end < len(source) and source[place.end].isspace()
            bare_left, bare_right = out.rstrip(" "), after.lstrip(" ")
            if bare_left and (before_space or bare_left != out or bare_left[-1].isalnum()):
                bare_left += " "
            if bare_right and (after_space or bare_right != after or bare_right[0].isalnum()) \
                    and not bare_right.startswith(_CLOSING):
                bare_right = " " + bare_right
            out = bare_left + token
            if isinstance(parts[index + 1], str):
                parts[index + 1] = bare_right
            elif bare_right:
                out += " "
    return out


def cut(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` without ``spans``, each with the space it would leave behind."""
    return _apply(text, [(start, end, "", "swap") for start, end in spans], "", {})
