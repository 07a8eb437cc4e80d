"""Find glossary terms in running Bulgarian text, whatever their form.

One combined regular expression per glossary, compiled once. Each surface
(an entry's ``bg`` or a variant) becomes one alternative:

* whitespace in a term matches any run of whitespace, line breaks included
  (after a full stop it may be absent: "Ст. Загора" reads "Ст.Загора"); a
  hyphen matches any hyphen or dash, spaced or not; other punctuation matches
  itself;
* a match starts and ends at a word edge: "Варна" never matches inside
  "Варненски", "кмет" never inside "кметство" or "кметски";
* letter case is ignored unless the entry is ``case_sensitive`` (so a term
  matches capitalised at the start of a sentence);
* words inflect, by an explicit Bulgarian suffix table (:data:`ENDINGS`):
  the stem is the base form minus its ending, and only the listed endings may
  follow. Derived words (-ство, -ски from a noun, -ец, ...) are not endings.

Which words of a term inflect (:func:`inflecting_words`):

* only all-Cyrillic words of three letters or more, and none of the
  function words in :data:`FUNCTION_WORDS`;
* every word after the first function word is fixed, because it sits in a
  genitive or prepositional phrase that does not change:
  "Пета среща на върха на B40" -> "Петата среща на върха на B40";
* a lower-case word inflects; a capitalised word (a proper name) is fixed,
  except the first word of a term whose second word is lower case
  ("Балкански регион" -> "Балканския регион", "Национално сдружение" ->
  "Националното сдружение"): names of cities and people stay as written;
* in a hyphenated compound only the last part inflects
  ("заместник-кмет" -> "заместник-кметът").

Alternatives are ordered by word count, then length, then approved before
proposed, so Python's leftmost-first alternation gives the leftmost, longest
match and scanning on gives non-overlapping matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from b40news.glossary.entries import Entry, Match

_NOUN_MASC = ("", "а", "ът", "я", "ят", "и", "ите", "ове", "овете", "еве", "евете")
# Base-form ending -> endings that may replace it. The forms that match, per class:
#   consonant  кмет: кмета, кметът, кмети, кметите, кметове, кметовете (+ -я/-ят, -еве)
#   -й         музей: музея, музеят, музеи, музеите
#   -а         община: общината, общини, общините; пета: петата
#   -я         заря: зарята, зари, зарите
#   -о         национално: националното, национална(та), национални(те)
#   -е         сдружение: сдружението, сдружения, сдруженията
#   -и         балкански: балканския, балканският, балканска(та), балканско(то), балканските
#   -ен        национален: also национална(та), национално(то), национални(те)
ENDINGS: dict[str, tuple[str, ...]] = {
    "й": ("й", "я", "ят", "и", "ите"),
    "а": ("а", "ата", "и", "ите"),
    "я": ("я", "ята", "и", "ите"),
    "о": ("о", "ото", "а", "ата", "и", "ите"),
    "е": ("е", "ето", "я", "ята"),
    "и": ("и", "ия", "ият", "а", "ата", "о", "ото", "ите"),
}
_FLEETING_EN = ("а", "ата", "о", "ото", "и", "ите")

FUNCTION_WORDS = frozenset(
    "на в във за от с със и или по към до при през над под пред между без като "
    "чрез след срещу около та но а".split()
)

_TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")
_HYPHENS = "-‐‑‒–—"
_DASH = r"\s*[-‐‑‒–—]\s*"
_CYRILLIC_WORD_RE = re.compile(r"^[а-яѐ-џА-ЯЀ-Џ]+$")


def tokens(surface: str) -> list[str]:
    return _TOKEN_RE.findall(surface.strip())


def is_word(token: str) -> bool:
    return bool(token) and (token[0].isalnum() or token[0] == "_")


def inflecting_words(surface: str) -> list[bool]:
    """For each token of ``surface``: may it inflect? (see the module doc)."""
    toks = tokens(surface)
    words = [i for i, tok in enumerate(toks) if is_word(tok)]
    result = [False] * len(toks)
    for position, index in enumerate(words):
        word = toks[index]
        if word.lower() in FUNCTION_WORDS:
            break
        if len(word) < 3 or not _CYRILLIC_WORD_RE.match(word):
            continue
        if index + 1 < len(toks) and toks[index + 1] in _HYPHENS:
            continue  # not the last part of a compound
        if word[0].isupper():
            following = toks[words[1]] if len(words) > 1 else ""
            if position != 0 or not following or not following[0].islower():
                continue
        result[index] = True
    return result


def word_pattern(word: str) -> str:
    """The regex for one inflecting word: its stem and the endings allowed."""
    lower = word.lower()
    last = lower[-1]
    if last in ENDINGS:
        stem, endings = word[:-1], ENDINGS[last]
    else:
        stem, endings = word, _NOUN_MASC
    alternatives = [re.escape(stem) + _group(endings)]
    if lower.endswith("ен") and len(lower) > 4:
        alternatives.append(re.escape(word[:-2] + "н") + _group(_FLEETING_EN))
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def _group(endings: tuple[str, ...]) -> str:
    ordered = sorted({e for e in endings if e}, key=lambda e: (-len(e), e))
    optional = "?" if "" in endings else ""
    return "(?:" + "|".join(ordered) + ")" + optional


def surface_pattern(surface: str) -> str:
    """The regex for one surface, without word-edge guards or case flags."""
    toks = tokens(surface)
    parts = []
    for index, (token, inflects) in enumerate(zip(toks, inflecting_words(surface), strict=True)):
        if token.isspace():
            # "B40 Network - Istanbul": the spaces around a dash belong to the dash.
            beside = toks[index - 1 : index] + toks[index + 1 : index + 2]
            if not any(tok in _HYPHENS for tok in beside):
                # "Ст. Загора" also reads "Ст.Загора".
                parts.append(r"\s*" if beside[0] == "." else r"\s+")
        elif token in _HYPHENS:
            parts.append(_DASH)
        elif inflects:
            parts.append(word_pattern(token))
        else:
            parts.append(re.escape(token))
    return "".join(parts)


def word_count(surface: str) -> int:
    return sum(1 for tok in tokens(surface) if is_word(tok))


class Matcher:
    """Every surface of the given entries, compiled into one expression."""

    def __init__(self, entries: Iterable[Entry]):
        rows = []
        for entry in entries:
            rank = 0 if entry.status == "approved" else 1
            for surface in dict.fromkeys(entry.surfaces):
                if surface.strip():
                    rows.append((-word_count(surface), -len(surface), rank, entry.id, surface, entry))
        rows.sort(key=lambda row: row[:5])
        self.groups: dict[str, str] = {}
        alternatives = []
        for number, (*_, surface, entry) in enumerate(rows):
            name = f"g{number}"
            self.groups[name] = entry.id
            flags = "" if entry.case_sensitive else "?i:"
            body = surface_pattern(surface)
            alternatives.append(f"(?P<{name}>({flags}{body}))" if flags else f"(?P<{name}>{body})")
        if alternatives:
            self.regex = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
        else:
            self.regex = re.compile(r"(?!)")

    def find(self, text: str) -> list[Match]:
        from b40news.glossary.entries import Match

        return [
            Match(m.start(), m.end(), self.groups[m.lastgroup], m.group())
            for m in self.regex.finditer(text)
        ]

    def fullmatch(self, text: str) -> bool:
        """Does ``text`` as a whole read as one of the surfaces?"""
        found = self.find(text.strip())
        return len(found) == 1 and found[0].start == 0 and found[0].end == len(text.strip())
