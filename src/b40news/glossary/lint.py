"""Checks on glossary content that a schema cannot express.

:func:`lint` returns :class:`Problem` rows; an empty list means clean. Codes:

``duplicate-id``
    two entries share an id.
``missing-language``
    an approved entry lacks a target language of the network.
``empty-target``
    a target is present but blank.
``wrong-script``
    a target has letters of another script than its language's (Latin in
    ``mk``, Cyrillic in ``hr``, ...). Latin words copied verbatim from the
    Bulgarian source (``B40``, ``ICLEI``) are allowed in Cyrillic and Greek.
``conflict``
    one Bulgarian term (``bg`` or a variant, read by the matcher, so
    "кмет" and "кмета" are one term) belongs to two approved entries whose
    targets differ for some language: the output would depend on which
    entry wins.
``inconsistent-subterm``
    the ``bg`` of an approved entry appears word-wise inside (as a prefix or
    anywhere) the ``bg`` of a longer approved entry, but for some language
    the shorter entry's target does not reappear in the longer one's target:
    e.g. "Стара Загора" -> tr "Eski Zağra" but "Община Стара Загора" -> tr
    "Stara Zagora Belediyesi". Target languages decline names (el "Στάρας
    Ζαγόρας", sq "Stara Zagorës"), so "reappears" means: the first four letters
    of every word, case and accents ignored, occur in the longer target. That
    is where it matters: when the longer term wins, the reader must still see
    the approved name.
``unknown-replaces``
    a revision's ``replaces`` names no entry of the glossary.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from itertools import combinations

from b40news import languages
from b40news.glossary.entries import Entry, Glossary
from b40news.glossary.matcher import Matcher


@dataclass(frozen=True)
class Problem:
    entry_id: str
    code: str
    message: str


_WORD_RE = re.compile(r"\w+")
_SCRIPT_PREFIXES = {"Latn": "LATIN", "Cyrl": "CYRILLIC", "Grek": "GREEK"}


def lint(glossary: Glossary) -> list[Problem]:
    problems: list[Problem] = []
    counts = Counter(entry.id for entry in glossary.entries)
    for entry_id, count in counts.items():
        if count > 1:
            problems.append(Problem(entry_id, "duplicate-id", f"id {entry_id} is used by {count} entries"))
    ids = set(counts)
    for entry in glossary.entries:
        problems.extend(_entry_problems(entry, ids))
    approved = [entry for entry in glossary.entries if entry.status == "approved"]
    problems.extend(_conflicts(approved))
    problems.extend(_subterms(approved))
    return problems


def _entry_problems(entry: Entry, ids: set[str]) -> list[Problem]:
    problems = []
    if entry.status == "approved":
        missing = [code for code in languages.TARGETS if code not in entry.targets]
        if missing:
            problems.append(Problem(entry.id, "missing-language",
                                    f"approved entry has no target for {', '.join(missing)}"))
    for code, value in entry.targets.items():
        if not value.strip():
            problems.append(Problem(entry.id, "empty-target", f"the {code} target is empty"))
        elif not entry.do_not_translate and code.partition(":")[0] in languages.LANGUAGES:
            stray = _foreign_words(value, languages.LANGUAGES[code.partition(":")[0]].script, entry)
            if stray:
                problems.append(Problem(
                    entry.id, "wrong-script",
                    f"the {code} target {value!r} should be in {languages.LANGUAGES[code].script} "
                    f"script; foreign words: {', '.join(stray)}"))
    if entry.replaces and entry.replaces not in ids:
        problems.append(Problem(entry.id, "unknown-replaces", f"replaces unknown entry {entry.replaces}"))
    return problems


def script_of(char: str) -> str | None:
    """ISO 15924 code of a letter among Latn, Cyrl, Grek; None for others."""
    name = unicodedata.name(char, "")
    for code, prefix in _SCRIPT_PREFIXES.items():
        if name.startswith(prefix):
            return code
    return None


def _foreign_words(value: str, script: str, entry: Entry) -> list[str]:
    source_words = {word for surface in entry.surfaces for word in _WORD_RE.findall(surface)}
    stray = []
    for word in _WORD_RE.findall(value):
        scripts = {script_of(ch) for ch in word if ch.isalpha()} - {None}
        # Latin names and acronyms of the source (B40, ICLEI) may stay as they are;
        # Cyrillic left in a Latin or Greek target is always a problem.
        copied = word in source_words and "Cyrl" not in scripts
        if scripts - {script} and not copied:
            stray.append(word)
    return stray


def _conflicts(approved: list[Entry]) -> list[Problem]:
    problems = []
    matchers = {entry.id: Matcher([entry]) for entry in approved}
    for a, b in combinations(approved, 2):
        if a.id == b.id:
            continue
        same = any(matchers[a.id].fullmatch(s) for s in b.surfaces) or any(
            matchers[b.id].fullmatch(s) for s in a.surfaces)
        if not same:
            continue
        differing = [code for code in languages.TARGETS
                     if a.targets.get(code, "") != b.targets.get(code, "")]
        if differing:
            problems.append(Problem(
                b.id, "conflict",
                f"{a.id} and {b.id} share a Bulgarian term but differ for {', '.join(differing)}"))
    return problems


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _reappears(short: str, long: str) -> bool:
    folded = _fold(long)
    return all(_fold(word)[:4] in folded for word in _WORD_RE.findall(short))


def _subterms(approved: list[Entry]) -> list[Problem]:
    problems = []
    for short in approved:
        matcher = Matcher([replace(short, variants=())])
        for long in approved:
            if long.id == short.id or len(long.bg) <= len(short.bg):
                continue
            if not matcher.find(long.bg):
                continue
            differing = [
                code for code in languages.TARGETS
                if short.targets.get(code) and long.targets.get(code)
                and not _reappears(short.targets[code], long.targets[code])
            ]
            if differing:
                problems.append(Problem(
                    long.id, "inconsistent-subterm",
                    f"{long.id} contains {short.id} ({short.bg!r}) but its target does not repeat "
                    f"{short.id}'s for {', '.join(differing)}"))
    return problems
