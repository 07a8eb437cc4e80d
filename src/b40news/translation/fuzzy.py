"""Fuzzy matches in the translation memory, and what differs (plain Python).

A segment with no exact human translation may still have one for a similar
sentence: the same announcement with another date, city or number. Similarity
is rapidfuzz's normalised Indel ratio (0-100) over the sentences with case and
punctuation folded (``utils.default_process``); a match counts from
``threshold`` up. The words that differ are given as character ranges of the
*new* source, so a review page can highlight what the reviewer must change in
the remembered translation, and the remembered words they replace.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import Levenshtein

DEFAULT_THRESHOLD = 75.0
_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class FuzzyMatch:
    index: int  # into the candidates
    score: float  # 0-100
    diff: tuple[dict, ...]


def best_matches(sources: Sequence[str], candidates: Sequence[str], *,
                 threshold: float = DEFAULT_THRESHOLD) -> list[FuzzyMatch | None]:
    """For each source, the most similar candidate at or above ``threshold`` (or None).

    Ties go to the earlier candidate: give them newest first.
    """
    if not candidates:
        return [None] * len(sources)
    processed = [utils.default_process(candidate) for candidate in candidates]
    found: list[FuzzyMatch | None] = []
    for source in sources:
        query = utils.default_process(source)
        if not query:
            found.append(None)
            continue
        best = process.extractOne(query, processed, scorer=fuzz.ratio, processor=None,
                                  score_cutoff=threshold)
        if best is None:
            found.append(None)
            continue
        _, score, index = best
        found.append(FuzzyMatch(index, round(float(score), 1), tuple(word_diff(candidates[index], source))))
    return found


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def word_diff(remembered: str, source: str) -> list[dict]:
    """What changed from the remembered source to ``source``, word by word.

    Each item: ``op`` (replace | insert | delete), ``start``/``end`` (characters
    of ``source``; equal for a deletion: where the words were), ``text`` (those
    characters) and ``was`` (the remembered words, as written there).
    """
    old, new = _tokens(remembered), _tokens(source)
    keys_old = [token.casefold() for token, _, _ in old]
    keys_new = [token.casefold() for token, _, _ in new]
    changes = []
    for op in Levenshtein.opcodes(keys_old, keys_new):
        if op.tag == "equal":
            continue
        if op.dest_start < op.dest_end:
            start, end = new[op.dest_start][1], new[op.dest_end - 1][2]
        else:  # deleted: at the start of the next word (or the end)
            start = end = new[op.dest_start][1] if op.dest_start < len(new) else len(source)
        was = (remembered[old[op.src_start][1]:old[op.src_end - 1][2]]
               if op.src_start < op.src_end else "")
        changes.append({"op": op.tag, "start": start, "end": end, "text": source[start:end], "was": was})
    return changes
