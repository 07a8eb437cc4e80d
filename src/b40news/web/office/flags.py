"""A segment's flags in plain words of the interface language, and the words each concerns.

Flags are stored as ``"code: reason"`` in English for operators and the CLI
(`translation.quality`, `translation.drafts`, `translation.service`); the
editor explains each code and marks the words the reason names.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

EXPLAINED = {
    "glossary": _("A glossary term is not in the text as approved."),
    "placeholder-lost": _("The machine dropped a protected part (a link, a number or a name)."),
    "placeholder-duplicated": _("The machine repeated a protected part (a link, a number or a name)."),
    "placeholder-repaired": _("A protected part (a link, a number or a name) was put back by a guess: check it."),
    "engine-marks": _("The machine did not know some words: they are marked."),
    "mostly-unknown": _("The machine did not know most words of this sentence: translate it yourself."),
    "source-script": _("Some words are still in Bulgarian letters: they are marked."),
    "transliterated": _("Bulgarian words the machine left were spelt in this language's letters: check them."),
    "untranslated-word": _("Bulgarian words were only spelt in Latin letters, not translated: translate them."),
    "wrong-sense": _("A word has a meaning known to be wrong here: the usual word is named."),
    "double-space": _("Two spaces in a row."),
    "capitalised-article": _("A capitalised article in the middle of a sentence."),
    "length-ratio": _("The translation is much shorter or longer than the original: something may be missing."),
    "title-too-long": _("The title is too long for an e-mail subject: shorten it."),
    "draft-fuzzy": _("A draft from a similar sentence translated before: check the marked words."),
    "draft-sibling": _("A draft made by rules from a neighbouring language: check it."),
    "empty": _("No translation yet: write one."),
}

_QUOTED = re.compile(r"'([^']+)'|\"([^\"]+)\"")
_LISTED = ("engine-marks", "source-script", "transliterated", "untranslated-word")


def code_of(flag: str) -> str:
    return flag.partition(":")[0].strip()


def words_of(flag: str) -> list[str]:
    """The words a flag names: quoted ones, or the list after its last colon."""
    quoted = [one or two for one, two in _QUOTED.findall(flag)]
    if quoted:
        return quoted
    code, _sep, reason = flag.partition(":")
    if code.strip() not in _LISTED:
        return []
    listed = re.split(r"did not know |shipped as |letters: |transliterated: ", reason)[-1]
    listed = re.sub(r" and \d+ more$", "", listed.strip())
    return [word.strip() for word in listed.split(",") if word.strip() and "→" not in word]


def explained(flags: list[str]) -> list[dict]:
    """Per flag: its plain explanation (the stored text when the code is unknown), the stored
    text itself, and the words it concerns."""
    return [{"text": str(EXPLAINED.get(code_of(flag), flag)), "detail": flag, "words": words_of(flag),
             "code": code_of(flag)} for flag in flags]
