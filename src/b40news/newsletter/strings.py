"""What subscribers read around the news, per language: gettext's ``mail`` domain.

The e-mails and the public pages (sign-up, confirmation, unsubscribe,
preferences, archive) take their words from
``email_templates/locale/<dir>/LC_MESSAGES/mail.po``, one catalogue per language in
the same format as the office's Django catalogues (``<dir>`` is
``languages.Language.locale``: ``sr`` for Serbian Cyrillic, ``sr_Latn``,
``cnr`` ...). Each entry's ``msgctxt`` is the key the templates use
(``confirm_button``), its ``msgid`` the English text and its ``msgstr`` the
translation. English (``en``) is the reference: its keys are the keys, and a
key a language lacks, or translated from other English than today's, falls
back to the English text (a test keeps every catalogue complete, so the
fallback is a safety net, not a habit). Placeholders are ``str.format`` fields
(``#, python-brace-format``): ``{list}``, ``{city}``, ``{email}``.

The compiled ``mail.mo`` beside each ``mail.po`` is what is read, with the
standard library's ``gettext``; after editing a ``.po``, compile it
(``msgfmt --check -o mail.mo mail.po``, or ``django-admin compilemessages``).

Plain Python, no Django: read by the renderer in Celery workers and the CLI.
"""

from __future__ import annotations

import gettext
import string
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from b40news import languages

REFERENCE = "en"
DOMAIN = "mail"
LOCALE_DIR = "locale"
_CONTEXT = "\x04"  # gettext joins msgctxt and msgid with EOT in a compiled catalogue


class StringsError(ValueError):
    """A catalogue that cannot be used: not a compiled gettext catalogue."""


def strings_path(templates_dir: Path, language: str) -> Path:
    """The compiled catalogue of ``language`` (aliases accepted) under ``templates_dir``."""
    locale = languages.get(language).locale
    return Path(templates_dir) / LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _entries(path: Path) -> dict[str, tuple[str, str]]:
    """key -> (English msgid, text) of one compiled catalogue; ``{}`` when it is absent."""
    if not path.exists():
        return {}
    try:
        with open(path, "rb") as handle:
            catalogue = gettext.GNUTranslations(handle)
    except (OSError, UnicodeDecodeError) as exc:  # gettext says "Bad magic number" as an OSError
        raise StringsError(f"{path}: not a compiled gettext catalogue: {exc}") from exc
    entries = {}
    # _catalog is the parsed file: Django's own JavaScriptCatalog reads it the same way.
    for source, text in catalogue._catalog.items():  # type: ignore[attr-defined]
        if isinstance(source, str) and _CONTEXT in source:
            key, _, msgid = source.partition(_CONTEXT)
            entries[key] = (msgid, text)
    return entries


def read_strings_file(path: Path) -> dict[str, str]:
    """One catalogue as written, without fallback: key -> text (``{}`` when the file is absent)."""
    return {key: text for key, (_, text) in _entries(Path(path)).items()}


def _translated(templates_dir: Path, code: str) -> dict[str, str]:
    """The keys ``code`` translates from today's English, with their text."""
    reference = _entries(strings_path(templates_dir, REFERENCE))
    own = _entries(strings_path(templates_dir, code))
    return {
        key: text for key, (msgid, text) in own.items()
        if key in reference and reference[key][0] == msgid and text.strip()
    }


@lru_cache(maxsize=64)
def _load(templates_dir: Path, code: str) -> Mapping[str, str]:
    merged = read_strings_file(strings_path(templates_dir, REFERENCE))
    if code != REFERENCE:
        merged.update(_translated(templates_dir, code))
    return MappingProxyType(merged)


def load_strings(templates_dir: Path, language: str) -> Mapping[str, str]:
    """The strings for ``language`` (aliases accepted), English filling gaps.

    Cached per (directory, language) for the life of the process; call
    ``load_strings.cache_clear()`` after compiling catalogues in a long-lived process.
    Raises ``languages.UnknownLanguage`` for a code the network does not use.
    """
    return _load(_resolved(str(templates_dir)), languages.get(language).code)


# Resolving the directory costs a system call per path component, and every
# newsletter sent "via" another city asks for its strings: once per directory.
@lru_cache(maxsize=16)
def _resolved(templates_dir: str) -> Path:
    return Path(templates_dir).resolve()


def _clear() -> None:
    _load.cache_clear()
    _resolved.cache_clear()


load_strings.cache_clear = _clear  # type: ignore[attr-defined]


def missing_keys(templates_dir: Path, language: str) -> list[str]:
    """Keys of the English reference that ``language``'s catalogue lacks, leaves empty or translates from old English."""
    reference = read_strings_file(strings_path(templates_dir, REFERENCE))
    own = _translated(Path(templates_dir), languages.get(language).code)
    return sorted(key for key in reference if key not in own)


def placeholders(text: str) -> set[str]:
    """The ``{field}`` names a string uses (``{{`` escapes are not fields)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
