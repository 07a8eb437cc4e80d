"""Is an approved glossary target present in a person's text, in any inflected form? (plain Python)

Machine output carries a term exactly as the glossary gives it (it is put back
from a placeholder), so its check is a plain substring test. A person writes
the form the sentence needs: Croatian "u Zagrebu", "Mreže balkanskih gradova
B40", "Grada Sofije". For human text each word of the approved target may
therefore end differently, within limits:

* a word of four letters or more keeps its stem (the word without a final
  vowel) and may take up to :data:`MAX_ENDING` further letters: "Sofija" reads
  "Sofije", "Sofiji"; "Grad" reads "Grada", "Gradu"; "Zagreb" reads "Zagrebu";
* shorter words, words with digits ("B40") and punctuation stay as written;
* whitespace matches any whitespace, case is ignored, and the match starts and
  ends at word edges, so "Grad" never matches inside "Gradonačelnik".

A term still not found is not an error of the text: the person may have chosen
another word, which the review shows as a terminology question.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_ENDING = 3
MIN_STEM_WORD = 4
VOWELS = frozenset("aeiouyаеиоуъюяѐѝіїєыэ")
_TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")


def _word(word: str) -> str:
    if len(word) < MIN_STEM_WORD or not word.isalpha():
        return re.escape(word)
    stem = word[:-1] if word[-1].lower() in VOWELS else word
    return re.escape(stem) + rf"\w{{0,{MAX_ENDING}}}"


@lru_cache(maxsize=4096)
def pattern(term: str) -> re.Pattern[str]:
    """The expression that finds ``term`` and its inflected forms."""
    parts = []
    for token in _TOKEN_RE.findall(term.strip()):
        if token.isspace():
            parts.append(r"\s+")
        elif token[0].isalnum() or token[0] == "_":
            parts.append(_word(token))
        else:
            parts.append(re.escape(token))
    return re.compile(r"(?<!\w)" + "".join(parts) + r"(?!\w)", re.IGNORECASE)


def find(term: str, text: str) -> tuple[int, int] | None:
    """Where ``term`` (in some form) stands in ``text``, or None."""
    if not term.strip():
        return None
    found = pattern(term).search(text)
    return (found.start(), found.end()) if found else None


def contains(term: str, text: str) -> bool:
    return find(term, text) is not None
