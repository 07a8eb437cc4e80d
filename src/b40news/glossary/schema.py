"""One entry <-> one plain mapping, validated field by field.

Shared by the YAML store and the CSV/TBX importers so that every way in
checks the same rules and names the same fields in its errors.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from b40news import languages
from b40news.glossary.entries import FORMS, ID_RE, KINDS, STATUSES, Entry, GlossaryError

# The order fields are written in, and the only keys an entry may have.
FIELDS = (
    "id", "bg", "variants", "targets", "do_not_translate", "case_sensitive",
    "note", "status", "approved_by", "approved_at", "replaces",
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip())


def entry_from_dict(data: Any, *, file: str = "", index: int = 0, kind: str | None = None) -> Entry:
    """Build an :class:`Entry` from a mapping, or raise :class:`GlossaryError`.

    ``kind``, when given, is the kind the surrounding file holds.
    """
    entry_id = str(data.get("id", "")) if isinstance(data, Mapping) else ""

    def fail(message: str, field: str = "") -> GlossaryError:
        return GlossaryError(message, file=file, entry_id=entry_id or f"#{index + 1}", field=field)

    if not isinstance(data, Mapping):
        raise fail(f"an entry must be a mapping, not {type(data).__name__}")
    unknown = sorted(set(map(str, data)) - set(FIELDS))
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(FIELDS)}", unknown[0])

    match = ID_RE.match(entry_id)
    if not match:
        raise fail("id must look like 'city.stara-zagora' (kind, dot, lower-case slug)", "id")
    entry_kind = match.group("kind")
    if entry_kind not in KINDS:
        raise fail(f"unknown kind {entry_kind!r}; known: {', '.join(KINDS)}", "id")
    if kind is not None and entry_kind != kind:
        raise fail(f"a {entry_kind} entry in the file for {kind} entries", "id")

    def text(name: str, *, required: bool = False) -> str:
        value = data.get(name)
        if value is None:
            if required:
                raise fail("missing", name)
            return ""
        if isinstance(value, dt.date):
            value = value.isoformat()
        if not isinstance(value, str):
            raise fail(f"must be text, not {type(value).__name__}", name)
        return _nfc(value)

    def flag(name: str) -> bool:
        value = data.get(name, False)
        if not isinstance(value, bool):
            raise fail(f"must be true or false, not {value!r}", name)
        return value

    bg = text("bg", required=True)
    if not bg:
        raise fail("must not be empty", "bg")

    variants_raw = data.get("variants") or []
    if not isinstance(variants_raw, list) or not all(isinstance(v, str) and v.strip() for v in variants_raw):
        raise fail("must be a list of non-empty texts", "variants")
    variants = tuple(dict.fromkeys(_nfc(v) for v in variants_raw))

    targets_raw = data.get("targets") or {}
    if not isinstance(targets_raw, Mapping):
        raise fail("must be a mapping of language code to text", "targets")
    targets: dict[str, str] = {}
    for code, value in targets_raw.items():
        language, _, form = str(code).partition(":")
        if form and form not in FORMS:
            raise fail(f"unknown form {form!r}; forms: {', '.join(FORMS)} (e.g. mk:def)", f"targets.{code}")
        if language not in languages.TARGETS:
            raise fail(f"unknown target language {code!r}; known: {', '.join(languages.TARGETS)}",
                       f"targets.{code}")
        if not isinstance(value, str):
            raise fail(f"must be text, not {type(value).__name__}", f"targets.{code}")
        targets[str(code)] = _nfc(value)

    status = text("status") or "proposed"
    if status not in STATUSES:
        raise fail(f"must be one of {', '.join(STATUSES)}, not {status!r}", "status")
    approved_by, approved_at = text("approved_by"), text("approved_at")
    if approved_at and not _DATE_RE.match(approved_at):
        raise fail("must be a date, YYYY-MM-DD", "approved_at")
    if status == "approved":
        if not approved_by:
            raise fail("an approved entry names who approved it", "approved_by")
        if not approved_at:
            raise fail("an approved entry gives the date of approval", "approved_at")

    replaces = text("replaces")
    if replaces and not ID_RE.match(replaces):
        raise fail("must be an entry id", "replaces")

    return Entry(
        id=entry_id, kind=entry_kind, bg=bg, variants=variants, targets=targets,
        do_not_translate=flag("do_not_translate"), case_sensitive=flag("case_sensitive"),
        note=text("note"), status=status, approved_by=approved_by, approved_at=approved_at,
        replaces=replaces,
    )


FORMS_SEPARATOR = " | "


def forms_text(targets: Mapping[str, str]) -> str:
    """The forms of ``targets`` ("mk:def" keys) as one text: ``mk:def=... | en:pl=...``
    (CSV's ``forms`` column, TBX's ``b40-forms`` description)."""
    return FORMS_SEPARATOR.join(f"{key}={value}" for key, value in targets.items() if ":" in key)


def parse_forms(text: str) -> dict[str, str]:
    """The inverse of :func:`forms_text`; the schema then checks the keys."""
    forms = {}
    for part in text.split(FORMS_SEPARATOR.strip()):
        key, sep, value = part.partition("=")
        if part.strip():
            if not sep:
                raise GlossaryError(f"a form is written language:form=text, not {part.strip()!r}",
                                    field="forms")
            forms[key.strip()] = value.strip()
    return forms


def _target_order(code: str) -> tuple[int, int, int, str]:
    """The network's language order, then the grammatical forms ("mk:def") after every
    base language, by language and FORMS order: one order whatever the database gave
    back (PostgreSQL's jsonb keeps an object's keys in an order of its own)."""
    base, _sep, form = code.partition(":")
    order = list(languages.LANGUAGES)
    language = order.index(base) if base in order else len(order)
    if not form:
        return (0, language, 0, code)
    return (1, language, FORMS.index(form) if form in FORMS else len(FORMS), code)


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """The mapping written to YAML: stable field order, defaults left out.

    ``do_not_translate`` entries are written without targets (they are ``bg``
    in every language by definition); other targets in the network's order.
    """
    data: dict[str, Any] = {"id": entry.id, "bg": entry.bg}
    if entry.variants:
        data["variants"] = list(entry.variants)
    if not entry.do_not_translate:
        data["targets"] = {code: entry.targets[code] for code in sorted(entry.targets, key=_target_order)}
    data["do_not_translate"] = entry.do_not_translate
    data["case_sensitive"] = entry.case_sensitive
    if entry.note:
        data["note"] = entry.note
    data["status"] = entry.status
    if entry.approved_by:
        data["approved_by"] = entry.approved_by
    if entry.approved_at:
        data["approved_at"] = dt.date.fromisoformat(entry.approved_at)
    if entry.replaces:
        data["replaces"] = entry.replaces
    return data
