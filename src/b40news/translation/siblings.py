"""Drafts for one member of the Serbo-Croatian family from another (plain Python).

Croatian, Bosnian, Montenegrin and Serbian are close enough that a reviewed
text in one of them is most of the way to the others. No engine here
translates into any of them (see the measured notes), so a reviewed sibling is
the best start a person can get. Three kinds of change, all driven by data
that reviewers can read in a diff and extend (``sibling_data/``, see its
README.md):

* **script** -- Serbian Cyrillic <-> Serbian Latin, the exact one-to-one
  mapping of :mod:`b40news.text.scripts`. Nothing else changes.
* **lexical** -- the words the standards choose differently
  (``lexicon.tsv``: hr "tisuća/kruh/tjedan/općina/siječnja" vs
  "hiljada/hljeb/sedmica/opština/januara"); one row per concept and form, one
  column per language.
* **future** -- Croatian and Bosnian "održat će", Serbian and Montenegrin
  "održaće" (one rule, hr/bs -> sr/cnr only: the fused form cannot be told
  from other words ending in -će the other way).
* **reflex** -- the reflex of the old jat: Serbian (as written in Serbia) is
  ekavian ("mleko, reka, vreme, lepo, dete"), Croatian, Bosnian and
  Montenegrin are ijekavian ("mlijeko, rijeka, vrijeme, lijepo, dijete").
  Ijekavian -> ekavian follows rules (below) with the exceptions of
  ``jat-exceptions.txt`` and the word pairs of ``jat.tsv``; ekavian ->
  ijekavian is not predictable from spelling ("reka" -> "rijeka" but "rekao"
  stays), so it uses the pairs of ``jat.tsv`` alone.

The ijekavian -> ekavian rules, in order, for a word no table names:

1. ``ije`` between consonants -> ``e`` (rijeka -> reka, svijet -> svet,
   cijena -> cena), except before ``nt`` or an ``r`` that ends the syllable
   (klijent, pacijent, premijer, kurijer: loan words, never jat);
2. ``je`` after b c d m p r s t v and before a consonant -> ``e`` (mjesto ->
   mesto, djeca -> deca, rješenje -> rešenje, vjerovatno -> verovatno);
3. ``lje`` at the start of a word, before a consonant -> ``le`` (ljeto ->
   leto, ljekar -> lekar; "polje", "zemlje" keep their lj).

A word's case carries over (MLIJEKO -> MLEKO, Rijeka stays a name when the
exceptions list it with a capital). Links and e-mail addresses are never
touched, nor are the spans a caller fixes (glossary terms: the approved
target of the other language is put in their place).

What this cannot do (a reviewer's work, and why every result is a draft):
syntax ("da li" / "je li", the infinitive vs "da" + present), verbs that
change class (hr "organizira" / sr "organizuje") beyond the listed forms,
ambiguous forms ("sveta": world or holy), and every jat word the table does
not list yet when starting from Serbian.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from b40news.text.protect import link_spans
from b40news.text.scripts import serbian_to_cyrillic, serbian_to_latin
from b40news.translation.sibling_tables import (
    DATA_DIR, LATIN_MEMBERS, WORD_RE as _WORD_RE, SiblingData, SiblingDataError, load,
)

__all__ = ["DATA_DIR", "FAMILY", "SiblingData", "SiblingDataError", "choose_source", "convert", "in_family",
           "kind_between", "load"]

# The family (Serbian Cyrillic goes through sr-Latn).
FAMILY: tuple[str, ...] = (*LATIN_MEMBERS, "sr-Cyrl")
EKAVIAN = frozenset({"sr-Latn", "sr-Cyrl"})

# Which reviewed sibling a target starts from when several are reviewed: the closest first.
PREFERENCE: dict[str, tuple[str, ...]] = {
    "hr": ("bs", "cnr", "sr-Latn", "sr-Cyrl"),
    "bs": ("cnr", "hr", "sr-Latn", "sr-Cyrl"),
    "cnr": ("bs", "sr-Latn", "sr-Cyrl", "hr"),
    "sr-Latn": ("sr-Cyrl", "cnr", "bs", "hr"),
    "sr-Cyrl": ("sr-Latn", "cnr", "bs", "hr"),
}

_CONSONANTS = "bcčćdđfghklmnprsštvzž"


def in_family(code: str) -> bool:
    return code in FAMILY


def kind_between(source: str, target: str) -> str:
    """"script" between the two Serbian scripts, "sibling" between any other members."""
    return "script" if {source, target} == {"sr-Latn", "sr-Cyrl"} else "sibling"


# -- converting words -------------------------------------------------------------------


def _recase(original: str, converted: str) -> str:
    letters = [c for c in original if c.isalpha()]
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return converted.upper()
    if original[:1].isupper():
        return converted[:1].upper() + converted[1:]
    return converted


_C = f"[{_CONSONANTS}]"
_RULES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(f"(?<={_C})ije(?!nt)(?!r(?:[aeiou]|$))(?={_C})"), "e"),
    (re.compile(f"(?<=[bcdmprstv])je(?={_C})"), "e"),
    (re.compile(f"^lje(?={_C})"), "le"),
)


_COMPARATIVE_RE = re.compile(r"ije[gm]$")  # važnijeg, kasnijem: an ending, not a jat


def ijekavian_to_ekavian_word(word: str, data: SiblingData, *, name_like: bool = False) -> str:
    lower = word.lower()
    if data.exceptions.name(word):  # names first: "Rijeku" the city, not "rijeku" the river
        return word
    paired = data.jat.lookup(lower, "ijekavian", "ekavian")
    if paired is not None:
        return _recase(word, paired)
    if word in data.exceptions:
        return word
    if name_like or (len(lower) > 6 and _COMPARATIVE_RE.search(lower)):
        return word
    converted = lower
    for pattern, replacement in _RULES:
        converted = pattern.sub(replacement, converted)
    return word if converted == lower else _recase(word, converted)


def ekavian_to_ijekavian_word(word: str, data: SiblingData) -> str:
    paired = data.jat.lookup(word.lower(), "ekavian", "ijekavian")
    return word if paired is None else _recase(word, paired)


def convert_word(word: str, source: str, target: str, data: SiblingData, *, name_like: bool = False) -> str:
    """One word from ``source`` into ``target`` (both Latin members of the family).

    ``name_like``: written with a capital inside a sentence; the tables still
    apply ("Sjeverna" -> "Severna" is listed), the reflex rules do not (Bijelić).
    """
    lower = unicodedata.normalize("NFC", word).lower()
    lexical = data.lexicon.lookup(lower, source, target)
    if lexical is not None:
        return _recase(word, lexical)
    if source not in EKAVIAN and target in EKAVIAN:
        return ijekavian_to_ekavian_word(word, data, name_like=name_like)
    if source in EKAVIAN and target not in EKAVIAN:
        return ekavian_to_ijekavian_word(word, data)
    return word


# -- converting texts -------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    was: str
    now: str

    def as_dict(self) -> dict:
        return {"was": self.was, "now": self.now}


@dataclass(frozen=True)
class Conversion:
    text: str
    kind: str  # "script" | "sibling"
    changes: tuple[Change, ...] = ()


def _fixed_spans(text: str, terms: Sequence[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """(start, end, replacement): links stay as they are, glossary terms become the target's."""
    spans = [(start, end, text[start:end]) for start, end, _ in link_spans(text)]
    folded = text.casefold()
    if len(folded) == len(text):  # casefolding kept the offsets: search case-insensitively
        for written, wanted in sorted(terms, key=lambda pair: -len(pair[0])):
            needle = written.casefold()
            if not needle:
                continue
            start = folded.find(needle)
            while start != -1:
                end = start + len(needle)
                if all(end <= s or start >= e for s, e, _ in spans):
                    original = text[start:end]
                    keep_capital = original[:1].isupper() and wanted[:1].islower()
                    spans.append((start, end, wanted[:1].upper() + wanted[1:] if keep_capital else wanted))
                start = folded.find(needle, end)
    return sorted(spans)


_SENTENCE_END = ".!?…:"
_OPENING = "\"'„“”«»‘’([-–—•*"


def _starts_sentence(text: str, start: int) -> bool:
    """True when nothing but spacing, quotes or a list marker stands between ``start``
    and the previous sentence's end (or the start of the text)."""
    before = text[:start].rstrip().rstrip(_OPENING).rstrip()
    return not before or before[-1] in _SENTENCE_END


def _convert_free(text: str, start: int, end: int, convert) -> tuple[str, list[Change]]:
    """Convert the words of ``text[start:end]``; the whole text tells where sentences start."""
    changes: list[Change] = []

    def one(match: re.Match) -> str:
        word = match.group(0)
        name_like = word[:1].isupper() and not _starts_sentence(text, start + match.start())
        now = convert(word, name_like)
        if now != word:
            changes.append(Change(word, now))
        return now

    return _WORD_RE.sub(one, text[start:end]), changes


def _latin_step(text: str, source: str, target: str, data: SiblingData,
                fixed: list[tuple[int, int, str]]) -> tuple[str, list[Change]]:
    pieces, changes, position = [], [], 0
    for start, end, replacement in [*fixed, (len(text), len(text), "")]:
        if start < position:
            continue
        converted, changed = _convert_free(
            text, position, start, lambda w, name_like: convert_word(w, source, target, data, name_like=name_like))
        pieces += [converted, replacement]
        changes += changed
        if replacement != text[start:end]:
            changes.append(Change(text[start:end], replacement))
        position = end
    return "".join(pieces), changes


def convert(text: str, source: str, target: str, *, terms: Sequence[tuple[str, str]] = (),
            data: SiblingData | None = None) -> Conversion:
    """``text`` written in ``source`` as a draft in ``target``.

    ``terms``: (as ``source`` writes a glossary term, as ``target`` must) pairs;
    those spans get the target's approved string and are not converted further.
    """
    if source not in FAMILY or target not in FAMILY:
        raise ValueError(f"{source} -> {target}: both must be in {', '.join(FAMILY)}")
    data = data or load()
    kind = kind_between(source, target)
    if source == target:
        return Conversion(text, kind)
    if kind == "script":
        convert_script = serbian_to_cyrillic if target == "sr-Cyrl" else serbian_to_latin
        return _script(text, convert_script, terms)
    latin_source = "sr-Latn" if source == "sr-Cyrl" else source
    latin_target = "sr-Latn" if target == "sr-Cyrl" else target
    if source == "sr-Cyrl":
        # Terms are Cyrillic as the source writes them: look for their Latin form instead.
        text = serbian_to_latin(text)
        terms = [(serbian_to_latin(a), b) for a, b in terms]
    fuse = latin_source in ("hr", "bs") and target in _FUTURE_TARGETS
    if target == "sr-Cyrl":
        # The Cyrillic target terms go in after the script step: mark them by their Latin form first.
        latin_terms = [(a, serbian_to_latin(b)) for a, b in terms]
        converted, changes = _latin_step(text, latin_source, latin_target, data, _fixed_spans(text, latin_terms))
        converted = _fused_future(converted, changes) if fuse else converted
        final = _script(converted, serbian_to_cyrillic, [(serbian_to_latin(b), b) for _, b in terms])
        return Conversion(final.text, "sibling", tuple(changes))
    converted, changes = _latin_step(text, latin_source, latin_target, data, _fixed_spans(text, terms))
    converted = _fused_future(converted, changes) if fuse else converted
    return Conversion(converted, "sibling", tuple(changes))


def _script(text: str, convert_script, terms: Sequence[tuple[str, str]]) -> Conversion:
    pieces, position = [], 0
    for start, end, replacement in [*_fixed_spans(text, terms), (len(text), len(text), "")]:
        if start < position:
            continue
        pieces += [convert_script(text[position:start]), replacement]
        position = end
    return Conversion("".join(pieces), "script")


# Croatian and Bosnian write the future "održat će", Serbian and Montenegrin "održaće":
# an infinitive that lost its final -i, then the clitic. Nouns that end the same way
# ("put će", "svijet će") are not infinitives.
_FUTURE_RE = re.compile(r"\b([^\W\d_]+[aeiu])t (ću|ćeš|će|ćemo|ćete)\b", re.IGNORECASE)
_FUTURE_TARGETS = frozenset({"sr-Latn", "sr-Cyrl", "cnr"})
_NOT_INFINITIVES = frozenset({"put", "sat", "brat", "kat", "svet", "cvet", "savet", "poset", "predmet",
                              "budžet", "svijet", "cvijet", "savjet", "posjet", "rat", "zlat", "mit", "hit"})


def _fused_future(text: str, changes: list[Change]) -> str:
    def fuse(match: re.Match) -> str:
        stem, clitic = match.group(1), match.group(2)
        if (stem + "t").lower() in _NOT_INFINITIVES:
            return match.group(0)
        now = stem + clitic.lower()
        changes.append(Change(match.group(0), now))
        return now
    return _FUTURE_RE.sub(fuse, text)


def choose_source(target: str, reviewed: Iterable[str]) -> str | None:
    """The reviewed sibling ``target`` should start from, or None."""
    available = set(reviewed)
    for code in PREFERENCE.get(target, ()):
        if code in available:
            return code
    return None
