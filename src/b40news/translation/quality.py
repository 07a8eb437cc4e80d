"""Per-segment checks on machine output, and the one repair we trust.

Flags are short codes with a reason; a segment can carry several:

    engine-marks            the engine marked words it did not know
    source-script           Bulgarian left in the output: Cyrillic words in a
                            Latin or Greek target, or in a Cyrillic target
                            words with letters that language does not have
                            (Macedonian has no ъ щ ю я й ь; Serbian none of
                            those nor ы э ё)
    transliterated          such words were shipped transliterated (never in
                            Bulgarian)
    placeholder-lost        a ``⟦n⟧`` of the source is missing or rarer, or the
                            engine dropped it and it was put back at a guessed
                            place (no alignment): the name is there, maybe
                            in the wrong place
    placeholder-duplicated  a ``⟦n⟧`` is repeated, or appears from nowhere, or
                            a repeat was removed by guess, keeping one
    placeholder-repaired    the engine lost, repeated or renumbered a ``⟦n⟧``
                            and its alignment put it right (or a stray one
                            was removed, or took a missing one's slot): each
                            name stands once; check the sentence
    length-ratio            output/source length far from 1 on a long segment
    mostly-unknown          the engine knew too few of the segment's words
    untranslated-word       a Latin-script target (English...) would ship a
                            Bulgarian common word only transliterated: held
                            for a person (names, capitalised, are not flagged)
    wrong-sense             English has a sense known to be wrong for the
                            Bulgarian source (член → "limb": data in
                            ``quality_data/wrong-senses.tsv``)
    double-space            English has two spaces in a row
    capitalised-article     English has "The"/"A"/"An" capitalised mid-sentence

Severity: the codes in :data:`FAILURE_CODES` fail the segment (and enough of
them the language); every other flag is a warning; a segment with no flag is
publishable as is by the checks' own estimate (:func:`publishable`). Names,
Latin-script words and abbreviations an engine did not know are not flagged.

Every flag needs a reviewer's decision before its language is approved; the
codes in :data:`FAILURE_CODES` also say the route failed on that segment, and
enough of them fail the language (``pipeline``). A few unknown words in a long
sentence are normal for a rule-based engine; a third of them is not.

Plain Python: no Django import.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from b40news import languages
from b40news.text.repair import Fix
from b40news.text.tokens import LOOSE_PLACEHOLDER_RE
from b40news.text.scripts import transliterate
from b40news.translation import lexicon

_DATA = Path(__file__).with_name("quality_data")

LENGTH_RATIO = (0.5, 2.0)
UNKNOWN_SHARE = 1 / 3  # of a segment's words: more, and the segment failed
FAILURE_CODES = frozenset({"placeholder-lost", "placeholder-duplicated", "length-ratio", "mostly-unknown",
                           "untranslated-word", "wrong-sense"})
LENGTH_MIN_CHARS = 20  # shorter segments vary too much to judge
_SHOW = 5  # words named in a reason

# The letters of each Cyrillic target; a Cyrillic letter outside is Bulgarian.
CYRILLIC_ALPHABETS = {
    "mk": set("абвгдѓежзѕијклљмнњопрстќуфхцчџш"),
    "sr": set("абвгдђежзијклљмнњопрстћуфхцчџш"),
}
_WORD_RE = re.compile(r"\w+(?:[-'’]\w+)*")

# Leftovers can come from a pivot (Apertium's bg→mk→en leaves Macedonian
# words) or be in any Cyrillic alphabet. ``transliterate`` reads Bulgarian
# letters, so other Cyrillic letters are first spelt the Bulgarian way.
AS_BULGARIAN = str.maketrans({
    "ј": "й", "љ": "ль", "њ": "нь", "џ": "дж", "ѓ": "гь", "ќ": "кь", "ѕ": "дз",
    "ђ": "дж", "ћ": "ч", "ы": "и", "э": "е", "ё": "йо", "і": "и", "ї": "йи",
    "є": "е", "ў": "у", "ґ": "г",
    "Ј": "Й", "Љ": "Ль", "Њ": "Нь", "Џ": "Дж", "Ѓ": "Гь", "Ќ": "Кь", "Ѕ": "Дз",
    "Ђ": "Дж", "Ћ": "Ч", "Ы": "И", "Э": "Е", "Ё": "Йо", "І": "И", "Ї": "Йи",
    "Є": "Е", "Ў": "У", "Ґ": "Г",
})


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str

    def __str__(self) -> str:
        return f"{self.code}: {self.reason}"


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u052f"


def foreign_words(text: str, target: str) -> list[str]:
    """Words in ``text`` that cannot belong to the target language's script."""
    language = languages.get(target)
    words = _WORD_RE.findall(text)
    if language.script != "Cyrl":
        return [word for word in words if any(_is_cyrillic(char) for char in word)]
    alphabet = CYRILLIC_ALPHABETS.get(language.base)
    if alphabet is None:  # Bulgarian itself, or a Cyrillic language we do not know
        return []
    return [w for w in words if any(_is_cyrillic(c) and c.lower() not in alphabet for c in w)]


def _named(words: Iterable[str]) -> str:
    words = list(dict.fromkeys(words))
    more = f" and {len(words) - _SHOW} more" if len(words) > _SHOW else ""
    return ", ".join(words[:_SHOW]) + more


def is_name_or_foreign(word: str) -> bool:
    """A word an engine may well not know without anything being wrong: a name
    (capitalised), a Latin-script word in Cyrillic text, an abbreviation."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return True
    if not any(_is_cyrillic(c) for c in letters):
        return True
    return word[:1].isupper() or len(letters) == 1  # a name, an acronym, "г" of "г."


@lru_cache(maxsize=1)
def _wrong_senses() -> tuple[tuple[re.Pattern[str], re.Pattern[str], str, str], ...]:
    rows = []
    for line in (_DATA / "wrong-senses.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        stem, wrong, right = (cell.strip() for cell in line.split("\t"))
        rows.append((re.compile(rf"(?<!\w){re.escape(stem)}", re.I),
                     re.compile(rf"(?<!\w){re.escape(wrong)}\w*", re.I), wrong, right))
    return tuple(rows)


_ARTICLE_MID_RE = re.compile(r"(?<=[\w,;:]) (?:The|A|An) (?=[a-z])")


def english_flags(source: str, output: str) -> list[Flag]:
    """English's own checks: known wrong senses, spacing, capitalised articles."""
    flags = []
    for stem, wrong, word, right in _wrong_senses():
        if stem.search(source) and wrong.search(output):
            flags.append(Flag("wrong-sense", f'"{word}" is a known wrong sense here; usually "{right}"'))
    if "  " in LOOSE_PLACEHOLDER_RE.sub("x", output.strip()):
        flags.append(Flag("double-space", "two spaces in a row"))
    if _ARTICLE_MID_RE.search(output):
        flags.append(Flag("capitalised-article", "a capitalised article in mid-sentence"))
    return flags


def check_segment(source: str, output: str, target: str, unknown: Iterable[str] = ()) -> list[Flag]:
    """Flags for one segment's engine output (before or after cleaning)."""
    flags = []
    unknown = [word for word in unknown if not is_name_or_foreign(word)]
    if unknown:
        flags.append(Flag("engine-marks", f"the engine did not know {_named(unknown)}"))
        words = len(_WORD_RE.findall(LOOSE_PLACEHOLDER_RE.sub(" ", source)))
        if words and len(unknown) / words > UNKNOWN_SHARE:
            flags.append(Flag("mostly-unknown", f"{len(unknown)} of {words} words unknown to the engine"))
    leftovers = [word for word in foreign_words(output, target) if not is_name_or_foreign(word)]
    if leftovers:
        name = languages.get(target).name
        flags.append(Flag("source-script", f"not {name} letters: {_named(leftovers)}"))
    wanted = Counter(LOOSE_PLACEHOLDER_RE.findall(source))
    got = Counter(LOOSE_PLACEHOLDER_RE.findall(output))
    lost = sorted(n for n in wanted if got[n] < wanted[n])
    extra = sorted(n for n in got if got[n] > wanted[n])
    if lost:
        flags.append(Flag("placeholder-lost", "missing " + " ".join(f"⟦{n}⟧" for n in lost)))
    if extra:
        flags.append(Flag("placeholder-duplicated", "extra " + " ".join(f"⟦{n}⟧" for n in extra)))
    core = len(LOOSE_PLACEHOLDER_RE.sub("", source).strip())
    if core > LENGTH_MIN_CHARS:
        ratio = len(LOOSE_PLACEHOLDER_RE.sub("", output).strip()) / core
        low, high = LENGTH_RATIO
        if not low <= ratio <= high:
            flags.append(Flag("length-ratio", f"output is {ratio:.2f}× the source length"))
    if languages.get(target).base == "en":
        flags += english_flags(source, output)
    return flags


def repair_flags(fixes: Iterable[Fix]) -> list[Flag]:
    """Flags for the placeholder repairs of one segment (:mod:`b40news.text.repair`).

    A guess, a dropped placeholder put back, or a repeat kept, by position
    alone, counts as the route failing on the segment; what an alignment
    decided, or a renumbering or removal that loses nothing, needs review."""
    flags = []
    for fix in fixes:
        guessed = fix.how == "position" and fix.problem in ("dropped", "repeated")
        code = {"dropped": "placeholder-lost", "repeated": "placeholder-duplicated"}[fix.problem] \
            if guessed else "placeholder-repaired"
        flags.append(Flag(code, str(fix)))
    return flags


def publishable(flags: Iterable[str]) -> bool:
    """Whether a segment is publishable as is by the checks' own estimate: no flag at all."""
    return not any(True for _ in flags)


def failed(flags: Iterable[str]) -> bool:
    """Whether a segment's flags (``"code: reason"``) say the route failed on it."""
    return any(flag.partition(":")[0] in FAILURE_CODES for flag in flags)


def clean_segment(output: str, target: str, unknown: Iterable[str] = ()) -> tuple[str, list[Flag]]:
    """Transliterate leftover Bulgarian words into the target's script.

    A word is a leftover when the engine marked it unknown or when its letters
    cannot belong to the target (``foreign_words``). Returns the text and a
    ``transliterated`` flag naming what was changed (none if nothing was)."""
    suspects = set(unknown) | set(foreign_words(output, target))
    changed: list[str] = []
    common: list[str] = []
    language = languages.get(target)

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        if word not in suspects or not any(_is_cyrillic(char) for char in word):
            return word
        if language.base == "mk":  # Bulgarian endings the Macedonian way first: основния -> основниот
            word = lexicon.adapt_unknown(word)
        new = transliterate(word, target)
        if languages.get(target).script != "Cyrl" and any(_is_cyrillic(c) for c in new):
            new = transliterate(word.translate(AS_BULGARIAN), target)
        opening = not output[: match.start()].strip() or output[: match.start()].rstrip()[-1] in ".!?:"
        if new != match.group(0) and (not is_name_or_foreign(match.group(0))  # names: no flag
                                      or opening and word[1:].islower()):  # a capital that opens a sentence
            (common if language.script == "Latn" else changed).append(f"{match.group(0)} → {new}")
        return new

    text = _WORD_RE.sub(replace, output)
    flags = []
    if common:  # never shipped: a person translates it
        flags.append(Flag("untranslated-word", f"Bulgarian words only transliterated: {_named(common)}"))
    if changed and language.script != "Latn":
        flags.append(Flag("transliterated", f"left untranslated, shipped as {_named(changed)}"))
    return text, flags
