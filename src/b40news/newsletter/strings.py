"""Per-language interface strings for e-mails: one YAML file per language.

``email_templates/strings/<code>.yaml`` holds flat ``key: "text"`` pairs, one file per
language so a translator touches one file. English (``en.yaml``) is the
reference: its keys are the keys, and a key a language lacks falls back to the
English text (a test keeps every file complete, so the fallback is a safety
net, not a habit). Placeholders are ``str.format`` fields: ``{list}``,
``{city}``, ``{email}``.

Plain Python, no Django: read by the renderer in Celery workers and the CLI.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

from b40news import languages

REFERENCE = "en"
STRINGS_DIR = "strings"


class StringsError(ValueError):
    """A strings file that cannot be used: unreadable YAML, not a flat mapping."""


def strings_path(templates_dir: Path, language: str) -> Path:
    return Path(templates_dir) / STRINGS_DIR / f"{languages.get(language).code}.yaml"


def read_strings_file(path: Path) -> dict[str, str]:
    """One file as written, without fallback: ``{}`` when the file is absent."""
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise StringsError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StringsError(f"{path}: expected a mapping of key: text")
    bad = sorted(str(key) for key, value in data.items() if not isinstance(value, str))
    if bad:
        raise StringsError(f"{path}: values must be text, not for {', '.join(bad)}")
    return {str(key): value for key, value in data.items()}


@lru_cache(maxsize=64)
def _load(templates_dir: Path, code: str) -> Mapping[str, str]:
    merged = read_strings_file(strings_path(templates_dir, REFERENCE))
    if code != REFERENCE:
        merged.update(read_strings_file(strings_path(templates_dir, code)))
    return MappingProxyType(merged)


def load_strings(templates_dir: Path, language: str) -> Mapping[str, str]:
    """The strings for ``language`` (aliases accepted), English filling gaps.

    Cached per (directory, language) for the life of the process; call
    ``load_strings.cache_clear()`` after editing files in a long-lived process.
    Raises ``languages.UnknownLanguage`` for a code the network does not use.
    """
    return _load(Path(templates_dir).resolve(), languages.get(language).code)


load_strings.cache_clear = _load.cache_clear  # type: ignore[attr-defined]


def missing_keys(templates_dir: Path, language: str) -> list[str]:
    """Keys of the English reference that ``language``'s own file lacks or leaves empty."""
    reference = read_strings_file(strings_path(templates_dir, REFERENCE))
    own = read_strings_file(strings_path(templates_dir, language))
    return sorted(key for key in reference if not own.get(key, "").strip())


def placeholders(text: str) -> set[str]:
    """The ``{field}`` names a string uses (``{{`` escapes are not fields)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
