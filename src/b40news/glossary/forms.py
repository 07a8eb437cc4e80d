"""Which grammatical form a glossary term stands in, read from the Bulgarian source.

Enforcement writes the target in the same form (:data:`entries.FORMS`):
"Кметът" -> definite (Градоначалникот), "80 кмета" / "кметове" -> plural
(80 градоначалници, 80 Mayors), "кметовете" -> definite plural. The ending of
the term's first inflecting word against its base form says which; a masculine
short article (кмета) is plural only after a number or a quantity word.
Plain Python: no Django.
"""

from __future__ import annotations

import re

from b40news.glossary.matcher import inflecting_words, tokens
from b40news.text.tokens import LOOSE_PLACEHOLDER_RE

NUMERALS = frozenset("два две три четири пет шест седем осем девет десет двама трима четирима петима "
                     "няколко много колко толкова стотици хиляди десетки".split())
_BEFORE_RE = re.compile(r"(\S+)\s+$")

# Added to the base form (after its final vowel is dropped) -> form, per kind of base.
_MASCULINE = {"а": "def", "я": "def", "ът": "def", "ят": "def", "и": "pl", "ове": "pl", "еве": "pl",
              "ите": "pl-def", "овете": "pl-def", "евете": "pl-def"}
_FEMININE = {"та": "def", "и": "pl", "ите": "pl-def"}  # мрежа: мрежата, мрежи, мрежите
_NEUTER = {"то": "def", "а": "pl", "я": "pl", "ата": "pl-def", "ята": "pl-def"}
_ADJECTIVE = {"ия": "def", "ият": "def", "ата": "def", "ото": "def", "ите": "pl-def"}


def _first_inflecting(surface: str) -> tuple[str, bool]:
    """The first word of ``surface`` that inflects, and whether it is an adjective
    (another inflecting word follows it: "Балкански регион", "Национално сдружение")."""
    inflecting = [token for token, inflects in zip(tokens(surface), inflecting_words(surface)) if inflects]
    return (inflecting[0], len(inflecting) > 1) if inflecting else ("", False)


def source_form(text: str, start: int, end: int, surfaces: tuple[str, ...]) -> str:
    """The form ("", "def", "pl", "pl-def") of the term matched at ``text[start:end]``."""
    matched = text[start:end]
    words = re.findall(r"\w+", matched)
    if not words:
        return ""
    form = ""
    for surface in surfaces:
        base, adjective = _first_inflecting(surface)
        if not base:
            continue
        word = next((w for w in words if w.lower().startswith(base.lower()[:max(2, len(base) - 2)])), "")
        if not word:
            continue
        form = _ending_form(base.lower(), word.lower(), adjective or base.lower().endswith("ски"))
        break
    before = _BEFORE_RE.search(text[:start])
    previous = before.group(1).lower() if before else ""
    counted = bool(previous) and (previous.isdigit() or previous in NUMERALS
                                  or bool(LOOSE_PLACEHOLDER_RE.fullmatch(previous)))
    if counted and form in ("", "def"):
        return "pl"
    return form


def _ending_form(base: str, word: str, adjective: bool) -> str:
    if word == base:
        return ""
    last = base[-1]
    if adjective:  # национален/национално/балкански: the stem before the gender ending
        stem = base[:-1] if last in "иоа" else (base[:-2] + "н" if base.endswith("ен") else base)
        table = {**_ADJECTIVE, "а": "", "о": "", "и": "pl"} if last not in "иоа" else _ADJECTIVE
        if not word.startswith(stem):
            return ""
        return table.get(word[len(stem):], "")
    if last in "ая":
        table, stem = _FEMININE, base[:-1]
        if word.startswith(base):
            stem = base
    elif last in "ое":
        table, stem = _NEUTER, base if word.startswith(base) and word[len(base):] == "то" else base[:-1]
    elif last == "й":
        table, stem = _MASCULINE, base[:-1]
    else:
        table, stem = _MASCULINE, base
    if not word.startswith(stem):
        return ""
    return table.get(word[len(stem):], "")
