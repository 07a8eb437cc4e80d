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

    @property
    def django(self) -> str:
        """Django's code for the interface language: ``sr`` is Cyrillic there, ``sr-latn`` Latin."""
        return _DJANGO.get(self.code, self.code)

    @property
    def locale(self) -> str:
        """The gettext catalogue directory (``locale/<this>/LC_MESSAGES``): ``sr``, ``sr_Latn``, ``cnr``."""
        return _LOCALE.get(self.code, self.code)


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

# Each language's plural rule, as its gettext catalogues' ``Plural-Forms``
# header states it (the forms of CLDR for whole numbers, as Django's catalogues
# have them): Croatian, Serbian, Bosnian and Montenegrin have three forms,
# Slovenian four, Romanian three.
_SLAVIC_THREE = "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
PLURAL_FORMS: dict[str, str] = {
    "bg": "nplurals=2; plural=(n != 1);",
    "en": "nplurals=2; plural=(n != 1);",
    "hr": _SLAVIC_THREE,
    "sr-Cyrl": _SLAVIC_THREE,
    "sr-Latn": _SLAVIC_THREE,
    "bs": _SLAVIC_THREE,
    "cnr": _SLAVIC_THREE,
    "mk": "nplurals=2; plural=(n % 10 == 1 && n % 100 != 11) ? 0 : 1;",
    "sq": "nplurals=2; plural=(n != 1);",
    "el": "nplurals=2; plural=(n != 1);",
    "tr": "nplurals=2; plural=(n > 1);",
    "ro": "nplurals=3; plural=(n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2);",
    "sl": "nplurals=4; plural=(n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3);",
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


# Django and gettext name Serbian by its scripts their own way (Django's ``sr``
# catalogues are Cyrillic); every other language keeps the network's code.
_DJANGO: dict[str, str] = {"sr-Cyrl": "sr", "sr-Latn": "sr-latn"}
_LOCALE: dict[str, str] = {"sr-Cyrl": "sr", "sr-Latn": "sr_Latn"}


class UnknownLanguage(ValueError):
    pass


def from_django(code: str) -> Language:
    """The language for one of Django's codes (``get_language()``): ``sr`` -> sr-Cyrl, ``sr-latn`` -> sr-Latn.

    Unlike ``get``, where a person's "sr" means Latin, Django's ``sr`` is its Cyrillic catalogue.
    """
    key = code.strip().lower()
    for language in LANGUAGES.values():
        if language.django == key:
            return language
    return get(code)


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


# Browsers' language tags (BCP 47, RFC 9110 Accept-Language) whose primary
# subtag names one of our languages under another code; the script subtag, where
# given, decides between Serbian's two scripts (``sr`` alone reads Latin here).
_BROWSER_PRIMARY: dict[str, str] = {
    "bg": "bg", "en": "en", "hr": "hr", "bs": "bs", "mk": "mk", "sq": "sq", "el": "el",
    "tr": "tr", "ro": "ro", "sl": "sl", "cnr": "cnr",
    "me": "cnr",  # not a language code, but people and some systems use it for Montenegrin
    "sh": "hr",  # Serbo-Croatian, as ALIASES has it
    "mo": "ro",  # Moldavian, deprecated in favour of ro
    "als": "sq", "aln": "sq",  # Tosk and Gheg Albanian
}
MAX_ACCEPT_LANGUAGE = 500  # characters of the header that are read


def from_browser_tag(tag: str) -> Language | None:
    """Our language for one browser language tag, or None.

    ``sr``, ``sr-RS``, ``sr-Latn-RS`` -> sr-Latn; ``sr-Cyrl``, ``sr-Cyrl-ME``
    -> sr-Cyrl; ``hr-HR`` -> hr; ``me``, ``cnr-ME`` -> cnr; ``sq-AL``, ``sq-MK``
    -> sq; ``*`` and languages the network does not use -> None.
    """
    parts = [part for part in tag.strip().lower().replace("_", "-").split("-") if part]
    if not parts or parts[0] == "*":
        return None
    primary, script = parts[0], next((p for p in parts[1:] if len(p) == 4 and p.isalpha()), "")
    if primary == "sr":
        return LANGUAGES["sr-Cyrl" if script == "cyrl" else "sr-Latn"]
    code = _BROWSER_PRIMARY.get(primary)
    return LANGUAGES[code] if code else None


def from_accept_language(header: str) -> Language | None:
    """The first of the network's languages in an ``Accept-Language`` header, by preference.

    Ranges are taken in order of their ``q`` (ties keep the header's order);
    ``q=0`` means "not this one" and is skipped, as is anything unreadable.
    """
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            ranges.append((-weight, position, tag))
    for _, _, tag in sorted(ranges):
        found = from_browser_tag(tag)
        if found is not None:
            return found
    return None


def parse_list(value: str) -> list[str]:
    """``"en, mk,sr"`` -> ``["en", "mk", "sr-Latn"]``; ``"all"`` -> every target."""
    if value.strip().lower() == "all":
        return list(TARGETS)
    codes = [get(part).code for part in value.split(",") if part.strip()]
    return list(dict.fromkeys(codes))
