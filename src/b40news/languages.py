"""The network's languages as data: one table, read by every stage.

A code names a language *and* the script its subscribers read, where that
matters (``sr-Cyrl``, ``sr-Latn``). Engines speak their own dialects of codes
(Apertium's three letters, Argos' two); the mapping lives here and nowhere else.
Plain Python: no Django import.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "bg"


@dataclass(frozen=True)
class Language:
    code: str  # the network's code, BCP 47 style: "sr-Latn"
    name: str  # English name
    native: str  # the language's own name for itself
    script: str  # ISO 15924: Cyrl, Latn, Grek
    base: str  # the language without script: "sr" for "sr-Latn"
    apertium: str | None = None  # Apertium's code, where Apertium knows it
    direction: str = "ltr"

    @property
    def argos(self) -> str:
        """Argos package codes are ISO 639-1 without a script."""
        return self.base


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("bg", "Bulgarian", "български", "Cyrl", "bg", apertium="bul"),
        Language("en", "English", "English", "Latn", "en", apertium="eng"),
        Language("hr", "Croatian", "hrvatski", "Latn", "hr", apertium="hbs_HR"),
        Language("sr-Cyrl", "Serbian (Cyrillic)", "српски", "Cyrl", "sr"),
        Language("sr-Latn", "Serbian (Latin)", "srpski", "Latn", "sr", apertium="hbs_SR"),
        Language("bs", "Bosnian", "bosanski", "Latn", "bs", apertium="hbs_BS"),
        Language("cnr", "Montenegrin", "crnogorski", "Latn", "cnr"),
        Language("mk", "Macedonian", "македонски", "Cyrl", "mk", apertium="mkd"),
        Language("sq", "Albanian", "shqip", "Latn", "sq"),
        Language("el", "Greek", "ελληνικά", "Grek", "el"),
        Language("tr", "Turkish", "Türkçe", "Latn", "tr"),
        Language("ro", "Romanian", "română", "Latn", "ro"),
        Language("sl", "Slovenian", "slovenščina", "Latn", "sl", apertium="slv"),
    )
}

# The languages a release is translated into, in the order they are shown.
TARGETS: tuple[str, ...] = tuple(code for code in LANGUAGES if code != SOURCE)

# Spellings people and other systems use for our codes.
ALIASES: dict[str, str] = {
    "sr": "sr-Latn",
    "sr_latn": "sr-Latn",
    "sr_cyrl": "sr-Cyrl",
    "sr@latin": "sr-Latn",
    "me": "cnr",
    "sh": "hr",
}


class UnknownLanguage(ValueError):
    pass


def get(code: str) -> Language:
    """The language for a code, accepting aliases and any letter case."""
    key = code.strip()
    for candidate in (key, ALIASES.get(key.lower(), ""), _canonical_case(key)):
        if candidate in LANGUAGES:
            return LANGUAGES[candidate]
    known = ", ".join(LANGUAGES)
    raise UnknownLanguage(f"unknown language {code!r}; known: {known}")


def _canonical_case(code: str) -> str:
    parts = code.replace("_", "-").split("-")
    if len(parts) == 2:
        return f"{parts[0].lower()}-{parts[1].title()}"
    return code.lower()


def parse_list(value: str) -> list[str]:
    """``"en, mk,sr"`` -> ``["en", "mk", "sr-Latn"]``; ``"all"`` -> every target."""
    if value.strip().lower() == "all":
        return list(TARGETS)
    codes = [get(part).code for part in value.split(",") if part.strip()]
    return list(dict.fromkeys(codes))
