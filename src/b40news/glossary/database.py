"""The glossary in the database: every entry, the write lock, saving a change, the seed.

Every host reads and writes the same rows (``models.py``), so an installation
has one glossary. A writer takes :func:`locked` (the state row, ``SELECT ...
FOR UPDATE``; on SQLite the IMMEDIATE write transaction already serialises
writers), computes the new glossary as a value (``review.py``) and
:func:`save` writes the difference with the state row's checksums in the same
transaction, so every host's :func:`~b40news.glossary.current.current_glossary`
sees the change on its next call. Nothing here writes a file.

The seed (``settings.GLOSSARY_DIR``: the YAML files shipped in
``b40news/glossary/seed/`` unless configured) fills an empty glossary after
``migrate`` and after ``flush`` (:func:`seed_if_empty`, a ``post_migrate``
handler), so a fresh database and every test database start from it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps as global_apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from b40news.glossary.entries import KINDS, Entry, Glossary, GlossaryError
from b40news.glossary.models import GlossaryEntry, GlossaryState
from b40news.glossary.store import load


def as_entry(row) -> Entry:
    """The :class:`Entry` of a :class:`GlossaryEntry` row."""
    return Entry(
        id=row.entry_id, kind=row.kind, bg=row.bg, variants=tuple(row.variants), targets=row.targets,
        do_not_translate=row.do_not_translate, case_sensitive=row.case_sensitive, note=row.note,
        status=row.status, approved_by=row.approved_by,
        approved_at=row.approved_at.isoformat() if row.approved_at else "", replaces=row.replaces,
    )


def row_fields(entry: Entry) -> dict:
    """The column values of ``entry`` (do_not_translate entries store no targets, as in YAML)."""
    return {
        "entry_id": entry.id, "kind": entry.kind, "bg": entry.bg, "variants": list(entry.variants),
        "targets": {} if entry.do_not_translate else dict(entry.targets),
        "do_not_translate": entry.do_not_translate, "case_sensitive": entry.case_sensitive,
        "note": entry.note, "status": entry.status, "approved_by": entry.approved_by,
        "approved_at": dt.date.fromisoformat(entry.approved_at) if entry.approved_at else None,
        "replaces": entry.replaces,
    }


def ordered(entries: Iterable[Entry]) -> Glossary:
    """A glossary in the order the YAML files give: kind's file, then id."""
    return Glossary(tuple(sorted(entries, key=lambda e: (KINDS[e.kind], e.id))))


def read(*, approved_only: bool = False, using: str | None = None) -> Glossary:
    """Every stored entry (approved, proposed, rejected), or only the approved ones."""
    rows = GlossaryEntry.objects.using(using or DEFAULT_DB_ALIAS).all()
    if approved_only:
        rows = rows.filter(status="approved")
    return ordered(map(as_entry, rows))


def stored_checksum(using: str | None = None) -> str | None:
    """The approved glossary's checksum as the state row says: one primary-key
    query, in plain SQL (the ORM's own cost was 8 times the query's on SQLite)."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    table = connection.ops.quote_name(GlossaryState._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT checksum FROM {table} WHERE id = 1")  # noqa: S608 (no user input)
        row = cursor.fetchone()
    return row[0] if row else None


@contextmanager
def locked(using: str | None = None) -> Iterator[Glossary]:
    """A transaction holding the glossary's write lock; yields every entry as stored.

    Every write of the glossary happens inside one, on every host: a lint check
    or a new revision number is computed on a glossary no one else changes
    before the commit.
    """
    using = using or DEFAULT_DB_ALIAS
    with transaction.atomic(using=using):
        GlossaryState.objects.using(using).get_or_create(pk=1)
        GlossaryState.objects.using(using).select_for_update().get(pk=1)
        yield read(using=using)


def save(before: Glossary, after: Glossary, *, using: str | None = None) -> None:
    """Store ``after`` where ``before`` (as read in :func:`locked`) was: rows added,
    changed and deleted by id, and the state row's checksums."""
    _write(GlossaryEntry, GlossaryState, before, after, using or DEFAULT_DB_ALIAS)


def _write(entry_model, state_model, before: Glossary, after: Glossary, using: str) -> None:
    # The models are arguments: the post_migrate handler passes the migration state's.
    old = {entry.id: entry for entry in before.entries}
    new = {entry.id: entry for entry in after.entries}
    if len(new) < len(after.entries):
        twice = sorted(entry_id for entry_id, n in Counter(e.id for e in after.entries).items() if n > 1)
        raise GlossaryError(f"an entry id is given twice: {', '.join(twice)}")
    rows, now = entry_model.objects.using(using), timezone.now()
    rows.filter(entry_id__in=[entry_id for entry_id in old if entry_id not in new]).delete()
    rows.bulk_create([entry_model(**row_fields(entry), updated_at=now)
                      for entry_id, entry in new.items() if entry_id not in old])
    for entry_id, entry in new.items():
        if entry_id in old and old[entry_id] != entry:
            rows.filter(entry_id=entry_id).update(**row_fields(entry), updated_at=now)
    approved = after.approved()
    state_model.objects.using(using).update_or_create(
        pk=1, defaults={"version": approved.version, "checksum": approved.checksum, "updated_at": now})


_seeds: dict[tuple, Glossary] = {}


def seed(directory: Path | str | None = None) -> Glossary:
    """The seed glossary's YAML files (``settings.GLOSSARY_DIR`` unless given),
    parsed once per process while the files stay as they are (a test database
    is flushed and seeded again many times)."""
    directory = Path(directory or settings.GLOSSARY_DIR).resolve()
    files = sorted(directory.glob("*.yaml"))
    key = (str(directory), tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    if key not in _seeds:
        _seeds.clear()
        _seeds[key] = load(directory)
    return _seeds[key]


def seed_if_empty(sender=None, *, using: str = DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> int:
    """``post_migrate``: load the seed into an empty glossary; returns how many entries.

    An installation's glossary is empty only before its first ``migrate`` and
    after ``flush`` (a rejected entry stays as a row), so this never touches a
    glossary in use. Installations upgrading from the glossary in files bring
    theirs in with ``b40news glossary load-seed DIR --replace``.
    """
    try:
        entry_model = apps.get_model("glossary", "GlossaryEntry")
        state_model = apps.get_model("glossary", "GlossaryState")
    except LookupError:  # migrated back to before the tables
        return 0
    if entry_model.objects.using(using).exists():
        return 0
    glossary = seed()
    with transaction.atomic(using=using):
        _write(entry_model, state_model, Glossary(), glossary, using)
    return len(glossary)
