"""Spot Bulgarian personal names the glossary does not know yet.

A candidate is two or three capitalised Cyrillic words in a row, separated
by whitespace only, where the last word (and a middle one, if any) has the
morphology of a Bulgarian surname or patronymic (:data:`SURNAME_ENDINGS`:
Петров, Петрова, Иванов-Петров, Маркови**ч**, Армянски -ян ...). The first
word must not be a known common word (:data:`NOT_FIRST_NAMES`: prepositions,
titles, institutions that start sentences: "Според Петров", "Кметът Петров")
nor end in the masculine article (-ът, -ят). Spans covered by a glossary
match are skipped. Each candidate carries its spelling in every target
language, made by :func:`b40news.text.scripts.transliterate`; it becomes a
``proposed`` person entry (:meth:`NameCandidate.to_entry`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from b40news import languages
from b40news.glossary.entries import Entry, Match

SURNAME_ENDINGS = (
    "ов", "ова", "ев", "ева", "иев", "иева", "ски", "ска", "цки", "цка",
    "ин", "ина", "ич", "ян", "ьов", "ьова",
)
NOT_FIRST_NAMES = frozenset("""
в във на за от с със и или по към до при през над под пред между без като чрез след
срещу около според съгласно освен също така но а ако когато докато тъй тази този това
тези той тя те ние вие аз днес вчера утре там тук още вече господин госпожа г-н г-жа
кмет кметът кмета заместник министър министърът председател председателят президент
президентът премиер премиерът община общината република град градът областта областният
зам сдружение национално националното мрежата мрежа форум форумът инициативата
българия българските български
""".split())

_WORD = r"[А-ЯЀ-Џ][а-яѐ-џ]+(?:-[А-ЯЀ-Џ][а-яѐ-џ]+)?"
_NAME_RE = re.compile(rf"(?<![\w-])({_WORD})(\s+)({_WORD})(?:(\s+)({_WORD}))?(?![\w-])")


@dataclass(frozen=True)
class NameCandidate:
    start: int
    end: int
    surface: str
    targets: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def name(self) -> str:
        """The surface with its whitespace (line breaks) made single spaces."""
        return " ".join(self.surface.split())

    def to_entry(self) -> Entry:
        slug = re.sub(r"[^a-z0-9]+", "-", self.targets["en"].lower()).strip("-")
        return Entry(
            id=f"person.{slug}", kind="person", bg=self.name, targets=dict(self.targets),
            case_sensitive=True, status="proposed",
            note="Detected in a release; spellings transliterated, to be checked by a reviewer.",
        )


def is_surname(word: str) -> bool:
    last = word.rsplit("-", 1)[-1].lower()
    return len(last) > 3 and last.endswith(SURNAME_ENDINGS)


def is_first_name(word: str) -> bool:
    lower = word.lower()
    return lower not in NOT_FIRST_NAMES and not lower.endswith(("ът", "ят")) and len(word) > 1


def detect_names(text: str, known: list[Match]) -> list[NameCandidate]:
    """Name candidates in ``text``, left to right, none overlapping ``known``."""
    from b40news.text.scripts import transliterate

    covered = sorted((m.start, m.end) for m in known)
    found: list[NameCandidate] = []
    position = 0
    while (match := _NAME_RE.search(text, position)) is not None:
        first, middle, last = match.group(1), match.group(3), match.group(5)
        end = match.end()
        if last is not None and not (is_surname(middle) and is_surname(last)):
            last, end = None, match.end(3)
        words_ok = is_first_name(first) and is_surname(last or middle)
        if not words_ok or _overlaps(match.start(), end, covered):
            position = match.start(3)  # the second word may start a name itself
            continue
        surface = text[match.start():end]
        if "\n\n" in surface.replace("\r", ""):
            position = match.start(3)
            continue
        name = " ".join(surface.split())
        targets = {code: transliterate(name, code) for code in languages.TARGETS}
        found.append(NameCandidate(match.start(), end, surface, targets))
        position = end
    return found


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)
