"""Which script a text is written in, and moving names between scripts.

Three jobs need this. Names no engine knows must reach each newsletter in the
reader's own spelling (Чакърова is "Chakarova" in English, "Čakarova" in
Croatian, "Чакарова" in Serbian). Serbian subscribers read Cyrillic or Latin,
and every engine writes Serbian in Latin. And words an engine left in
Bulgarian Cyrillic inside a Latin translation are a quality signal.

Transliteration is per word, so a word's case pattern carries over: an
all-caps word stays all caps (ЧАКЪРОВА -> CHAKAROVA), otherwise only the
first output letter of an uppercase letter is capital (Щ -> "Sht").
Links (URLs, e-mails, including Cyrillic domain names) and placeholders
pass through untouched, as does every character the table does not name.

The tables (Bulgarian letter -> target), ``-`` meaning "as in Bulgarian":

    letter  streamlined  south-slavic  sr-Cyrl/mk  el
    ж       zh           ž             -           ζ
    й       y            j             ј           ι
    х       h            h             -           χ
    ц       ts           c             -           τσ
    ч       ch           č             -           τσ
    ш       sh           š             -           σ
    щ       sht          št            шт          στ
    ъ       a            a             а           α
    ь       y            j             ј           ι
    ю       yu           ju            ју          ιου
    я       ya           ja            ја          ια

* streamlined: the official Bulgarian system (Transliteration Act, 2009),
  with its two exceptions: "-ия" at the end of a word is "ia" (София ->
  Sofia), and the country's name is "Bulgaria". Used for en, sq, ro, tr and
  any other Latin-script language without a table of its own.
* south-slavic (hr, bs, sl, sr-Latn, cnr): the languages' own letters; "дж"
  comes out as "dž" letter by letter.
* sr-Cyrl and mk share one table: "дж" -> "џ", and a soft л/н (ль, ню, ля...)
  -> љ/њ (Кольо -> Кољо, Таня -> Тања). So serbian_to_latin of the sr-Cyrl
  form equals the sr-Latn form.
* el: a phonetic mapping as Greek writes foreign names: б -> μπ, д -> ντ,
  г -> γκ, в -> β, у -> ου; "кс" -> ξ, "пс" -> ψ, "дж" -> τζ, "нд" -> ντ,
  "мб" -> μπ, "ия" -> ια (София -> Σοφια); a final σ becomes ς. No stress marks: the stress of a Bulgarian name is unknown.
  "Надежда Чакърова" -> "Ναντεζντα Τσακαροβα".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from b40news import languages
from b40news.text.protect import LOOSE_PLACEHOLDER_RE, link_spans

# A word: letters/digits with combining marks, joined by inner hyphens or apostrophes.
_WORD = r"[\w\u0300-\u036f\u0483-\u0489]+"
_WORD_RE = re.compile(rf"{_WORD}(?:[-'’]{_WORD})*")
_RUN_RE = re.compile(_WORD)  # transliteration goes run by run: hyphen parts are words


@lru_cache(maxsize=4096)
def _char_script(char: str) -> str | None:
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    for prefix, script in (("CYRILLIC", "Cyrl"), ("LATIN", "Latn"), ("GREEK", "Grek")):
        if name.startswith(prefix) or name.startswith("FULLWIDTH " + prefix):
            return script
    return None


def _script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for char in text:
        script = _char_script(char)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return counts


def script_of(text: str) -> str | None:
    """The script most letters of ``text`` are in: "Cyrl", "Latn", "Grek" or None.

    Ties go to the script met first in the text. Letters of other scripts
    are not counted; None means no Cyrillic, Latin or Greek letter at all.
    """
    counts = _script_counts(LOOSE_PLACEHOLDER_RE.sub(" ", text))
    if not counts:
        return None
    return max(counts, key=lambda script: counts[script])  # dicts keep first-met order


def words_in_script(text: str, script: str) -> list[str]:
    """The words of ``text`` more than half of whose letters are in ``script``."""
    found = []
    for match in _WORD_RE.finditer(LOOSE_PLACEHOLDER_RE.sub(" ", text)):
        counts = _script_counts(match.group(0))
        letters = sum(1 for char in match.group(0) if char.isalpha())
        if letters and counts.get(script, 0) * 2 > letters:
            found.append(match.group(0))
    return found


@dataclass(frozen=True)
class _Scheme:
    """How to write Bulgarian letters in one target; all keys and values lowercase."""

    letters: Mapping[str, str]
    pairs: Mapping[str, str] = field(default_factory=dict)  # two letters, one sound
    word_endings: Mapping[str, str] = field(default_factory=dict)  # last two letters
    words: Mapping[str, str] = field(default_factory=dict)  # whole-word exceptions
    final_sigma: bool = False


def _table(bulgarian: str, written: str) -> dict[str, str]:
    return dict(zip(bulgarian.split(), written.split()))


_BG = "а б в г д е ж з и й к л м н о п р с т у ф х ц ч ш щ ъ ь ю я ѝ ѐ"
_STREAMLINED = _Scheme(
    _table(_BG, "a b v g d e zh z i y k l m n o p r s t u f h ts ch sh sht a y yu ya i e"),
    word_endings={"ия": "ia"},
    words={"българия": "bulgaria"},
)
_SOUTH_SLAVIC_LATIN = _Scheme(
    _table(_BG, "a b v g d e ž z i j k l m n o p r s t u f h c č š št a j ju ja i e"),
)
_SOFT = {"ль": "љ", "нь": "њ", "лю": "љу", "ню": "њу", "ля": "ља", "ня": "ња"}
_SOUTH_SLAVIC_CYRILLIC = _Scheme(
    _table(_BG, "а б в г д е ж з и ј к л м н о п р с т у ф х ц ч ш шт а ј ју ја и е"),
    pairs={"дж": "џ", **_SOFT},
)
_GREEK = _Scheme(
    _table(_BG, "α μπ β γκ ντ ε ζ ζ ι ι κ λ μ ν ο π ρ σ τ ου φ χ τσ τσ σ στ α ι ιου ια ι ε"),
    pairs={"дж": "τζ", "кс": "ξ", "пс": "ψ", "нд": "ντ", "мб": "μπ", "ия": "ια", "ию": "ιου"},
    final_sigma=True,
)
_SCHEMES: dict[str, _Scheme] = {
    "hr": _SOUTH_SLAVIC_LATIN,
    "bs": _SOUTH_SLAVIC_LATIN,
    "sl": _SOUTH_SLAVIC_LATIN,
    "sr-Latn": _SOUTH_SLAVIC_LATIN,
    "cnr": _SOUTH_SLAVIC_LATIN,
    "sr-Cyrl": _SOUTH_SLAVIC_CYRILLIC,
    "mk": _SOUTH_SLAVIC_CYRILLIC,
    "el": _GREEK,
}


def _scheme_for(target: str) -> _Scheme | None:
    language = languages.get(target)
    if language.code == languages.SOURCE:
        return None
    if language.code in _SCHEMES:
        return _SCHEMES[language.code]
    return {"Latn": _STREAMLINED, "Grek": _GREEK}.get(language.script)


def _is_all_caps(word: str) -> bool:
    cased = [char for char in word if char.isupper() or char.islower()]
    return len(cased) >= 2 and all(char.isupper() for char in cased)


def _cased(written: str, source: str, all_caps: bool) -> str:
    """``written`` (lowercase) in the case of the source letter(s)."""
    if not source[:1].isupper():
        return written
    return written.upper() if all_caps else written[:1].upper() + written[1:]


def _convert_word(word: str, letters: Mapping[str, str], pairs: Mapping[str, str],
                  endings: Mapping[str, str] | None = None) -> str:
    """Convert one word: two-letter pairs first, then single letters."""
    all_caps = _is_all_caps(word)
    lower = [char.lower() if len(char.lower()) == 1 else char for char in word]
    out: list[str] = []
    i = 0
    while i < len(word):
        two = "".join(lower[i:i + 2])
        if endings and i + 2 == len(word) and two in endings:
            out.append(_cased(endings[two], word[i], all_caps))
            i += 2
        elif two in pairs:
            out.append(_cased(pairs[two], word[i], all_caps))
            i += 2
        else:
            written = letters.get(lower[i])
            out.append(word[i] if written is None else _cased(written, word[i], all_caps))
            i += 1
    return "".join(out)


def _outside_links(text: str, convert_run: Callable[[str], str]) -> str:
    """Apply ``convert_run`` to every word run of ``text`` outside links and placeholders."""
    protected = [(s, e) for s, e, _ in link_spans(text)]
    protected += [(m.start(), m.end()) for m in LOOSE_PLACEHOLDER_RE.finditer(text)]
    protected.sort()
    pieces: list[str] = []
    position = 0
    for start, end in protected + [(len(text), len(text))]:
        if start < position:
            continue
        pieces.append(_RUN_RE.sub(lambda m: convert_run(m.group(0)), text[position:start]))
        pieces.append(text[start:end])
        position = end
    return "".join(pieces)


def _transliterate_word(word: str, scheme: _Scheme) -> str:
    if not any(_char_script(char) == "Cyrl" for char in word):
        return word
    word = unicodedata.normalize("NFC", word)  # "и" + combining breve -> "й"
    exception = scheme.words.get(word.lower())
    if exception is not None:
        if _is_all_caps(word):
            return exception.upper()
        return _cased(exception, word[0], False)
    out = _convert_word(word, scheme.letters, scheme.pairs, scheme.word_endings)
    if scheme.final_sigma and out.endswith("σ"):
        out = out[:-1] + "ς"
    return out


def transliterate(text: str, target: str) -> str:
    """Bulgarian Cyrillic in ``text`` as the ``target`` language writes it.

    ``target`` is a network language code (aliases accepted; an unknown code
    raises ``languages.UnknownLanguage``). "bg" returns the text unchanged.
    """
    scheme = _scheme_for(target)
    if scheme is None:
        return text
    return _outside_links(text, lambda word: _transliterate_word(word, scheme))


_SERBIAN_CYRILLIC = "а б в г д ђ е ж з и ј к л љ м н њ о п р с т ћ у ф х ц ч џ ш"
_SERBIAN_LATIN = "a b v g d đ e ž z i j k l lj m n nj o p r s t ć u f h c č dž š"
_TO_LATIN = {
    # Bulgarian letters an engine left behind: as the South Slavic table writes them.
    **_SOUTH_SLAVIC_LATIN.letters,
    **_table(_SERBIAN_CYRILLIC, _SERBIAN_LATIN),
}
_TO_CYRILLIC_PAIRS = {"lj": "љ", "nj": "њ", "dž": "џ"}
_TO_CYRILLIC = {
    **{latin: cyr for cyr, latin in _table(_SERBIAN_CYRILLIC, _SERBIAN_LATIN).items()
       if len(latin) == 1},
    "ǆ": "џ", "ǉ": "љ", "ǌ": "њ",
}
_SINGLE_DIGRAPHS = {"Ǆ": "Dž", "ǅ": "Dž", "Ǉ": "Lj", "ǈ": "Lj", "Ǌ": "Nj", "ǋ": "Nj"}
# Words where lj/nj/dž are two letters, not one (prefix + stem): in-jekcija, nad-živeti.
_SPLIT_DIGRAPH_PREFIXES = {
    "injek": "инјек", "konjug": "конјуг", "konjunk": "конјунк", "tanjug": "танјуг",
    "nadž": "надж", "podž": "подж",
}


def serbian_to_latin(text: str) -> str:
    """Serbian Cyrillic -> Gaj's Latin (Љубљана -> Ljubljana, ЉУБЉАНА -> LJUBLJANA)."""
    def convert(word: str) -> str:
        if not any(_char_script(char) == "Cyrl" for char in word):
            return word
        return _convert_word(unicodedata.normalize("NFC", word), _TO_LATIN, {})
    return _outside_links(text, convert)


def _is_serbian_latin(word: str) -> bool:
    """Only letters of the Serbian Latin alphabet: no q/w/x/y, no digits, no ü or é."""
    return all(
        char.lower() in _TO_CYRILLIC or char in _SINGLE_DIGRAPHS for char in word
    )


def _latin_word_to_cyrillic(word: str) -> str:
    word = unicodedata.normalize("NFC", word)
    if not _is_serbian_latin(word):
        return word
    for latin, cyrillic in _SPLIT_DIGRAPH_PREFIXES.items():
        if word.lower().startswith(latin):
            head = _cased(cyrillic, word[0], _is_all_caps(word))
            rest = word[len(latin):]
            return head + (_latin_word_to_cyrillic(rest) if rest else "")
    expanded = "".join(_SINGLE_DIGRAPHS.get(char, char) for char in word)
    return _convert_word(expanded, _TO_CYRILLIC, _TO_CYRILLIC_PAIRS)


def serbian_to_cyrillic(text: str) -> str:
    """Gaj's Latin -> Serbian Cyrillic (lj -> љ, nj -> њ, dž -> џ).

    Leaves alone what is clearly not Serbian: words with a letter outside the
    Serbian alphabet (q, w, x, y, ü, é, ...) or a digit (B40), URLs, e-mails
    and placeholders. Cyrillic stays Cyrillic.
    """
    return _outside_links(text, _latin_word_to_cyrillic)
