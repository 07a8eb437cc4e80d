"""CSV export and import: one row per entry, one column per target language.

Columns, in this order: ``id, status, bg, variants, do_not_translate,
case_sensitive``, the network's target languages (``en`` ... ``sl``), then
``note, approved_by, approved_at, replaces``. Variants are joined by
`` | ``; flags are ``true``/``false``; an empty language cell means "no
target". The kind comes from the id. Spreadsheet-friendly and round-trip safe.
"""

from __future__ import annotations

import csv
import io

from b40news import languages
from b40news.glossary.entries import Entry, Glossary, GlossaryError
from b40news.glossary.schema import entry_from_dict, forms_text, parse_forms

VARIANT_SEPARATOR = " | "
COLUMNS = (
    "id", "status", "bg", "variants", "do_not_translate", "case_sensitive",
    *languages.TARGETS, "forms",
    "note", "approved_by", "approved_at", "replaces",
)
_TRUE, _FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n", ""}


def export_csv(glossary: Glossary) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for entry in sorted(glossary.entries, key=lambda e: e.id):
        if any(VARIANT_SEPARATOR.strip() in variant for variant in entry.variants):
            raise GlossaryError("a variant contains '|', which CSV uses to join variants",
                                file="CSV", entry_id=entry.id, field="variants")
        row = {
            "id": entry.id, "status": entry.status, "bg": entry.bg,
            "variants": VARIANT_SEPARATOR.join(entry.variants),
            "do_not_translate": _flag(entry.do_not_translate),
            "case_sensitive": _flag(entry.case_sensitive),
            "note": entry.note, "approved_by": entry.approved_by,
            "approved_at": entry.approved_at, "replaces": entry.replaces,
        }
        row.update({code: entry.targets.get(code, "") for code in languages.TARGETS})
        row["forms"] = forms_text(entry.targets)
        writer.writerow(row)
    return out.getvalue()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def import_csv(text: str) -> list[Entry]:
    """Entries from CSV text; :class:`GlossaryError` names the row, entry and field.

    Unknown columns are an error (a typo would silently drop data); missing
    optional columns are fine, ``id`` and ``bg`` are required.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise GlossaryError(f"unknown column(s) {', '.join(unknown)}; expected: {', '.join(COLUMNS)}",
                            file="CSV", field=unknown[0])
    for required in ("id", "bg"):
        if required not in header:
            raise GlossaryError("missing column", file="CSV", field=required)
    entries = []
    for number, raw in enumerate(reader, start=2):
        row = {(key or "").strip(): (value or "") for key, value in raw.items()}
        where = f"CSV line {number}"
        fields: dict = {
            "id": row["id"].strip(), "bg": row["bg"],
            "variants": [v.strip() for v in row.get("variants", "").split(VARIANT_SEPARATOR.strip())
                         if v.strip()],
            "targets": {code: row[code] for code in languages.TARGETS if row.get(code, "").strip()},
            "status": row.get("status", "").strip() or "proposed",
        }
        try:
            fields["targets"].update(parse_forms(row.get("forms", "")))
        except GlossaryError as error:
            raise GlossaryError(str(error), file=where, entry_id=fields["id"], field="forms") from None
        for name in ("note", "approved_by", "approved_at", "replaces"):
            if row.get(name, "").strip():
                fields[name] = row[name]
        for name in ("do_not_translate", "case_sensitive"):
            value = row.get(name, "").strip().lower()
            if value not in _TRUE | _FALSE:
                raise GlossaryError(f"must be true or false, not {value!r}", file=where,
                                    entry_id=fields["id"], field=name)
            fields[name] = value in _TRUE
        entries.append(entry_from_dict(fields, file=where, index=number - 2))
    return entries
