"""The translation memory in the database, behind the pipeline's Memory protocol."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping, Sequence

from django.db.models import Q
from django.utils import timezone

from b40news.translation.models import MemoryEntry
from b40news.translation.pipeline import MemoryItem


def source_key(source: str, language: str) -> str:
    """Human work is found by what was said and in which language, whatever the route."""
    normal = " ".join(unicodedata.normalize("NFC", source).split())
    return hashlib.sha256(f"{language}\x00{normal}".encode()).hexdigest()


class DatabaseMemory:
    def lookup(self, keys: Sequence[str]) -> Mapping[str, MemoryItem]:
        found: dict[str, MemoryItem] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            for entry in MemoryEntry.objects.filter(key__in=unique[start : start + 500]):
                found[entry.key] = MemoryItem(
                    source=entry.source,
                    target=entry.target,
                    language=entry.language,
                    route=entry.route,
                    engine_version=entry.engine_version,
                    glossary_version=entry.glossary_version,
                    flags=tuple(entry.flags),
                )
        return found

    def store(self, items: Mapping[str, MemoryItem]) -> None:
        MemoryEntry.objects.bulk_create(
            [
                MemoryEntry(
                    key=key,
                    source_key=source_key(item.source, item.language),
                    source=item.source,
                    target=item.target,
                    language=item.language,
                    route=item.route,
                    engine_version=item.engine_version,
                    glossary_version=item.glossary_version,
                    flags=list(item.flags),
                )
                for key, item in items.items()
            ],
            ignore_conflicts=True,
        )


def human_targets(sources: Sequence[str], language: str) -> dict[str, str]:
    """Source segment -> the latest human translation of it into ``language``."""
    return {source: entry.target for source, entry in human_entries(sources, language).items()}


def human_entries(sources: Sequence[str], language: str, *, approved_only: bool = False,
                  exclude_release: int | None = None, only_release: int | None = None
                  ) -> dict[str, MemoryEntry]:
    """Source segment -> its latest human entry.

    ``approved_only``: entries a reviewer approved, and those kept before the
    memory recorded releases and approvals (no release), which were human
    work all the same. ``exclude_release``: leave out that release's own
    entries (its drafts come from *earlier* work); ``only_release``: those alone.
    """
    keys = {source_key(source, language): source for source in sources}
    rows = _reusable(MemoryEntry.objects.filter(source_key__in=list(keys), origin=MemoryEntry.Origin.HUMAN),
                     approved_only, exclude_release)
    if only_release is not None:
        rows = rows.filter(release_id=only_release)
    found: dict[str, MemoryEntry] = {}
    for entry in rows.select_related("reviewer").order_by("created_at", "id"):  # the latest wins
        found[keys[entry.source_key]] = entry
    return found


def approved_human(language: str, *, exclude_release: int | None = None):
    """The reusable human entries of ``language``, newest first (the candidates for fuzzy matches)."""
    rows = MemoryEntry.objects.filter(language=language, origin=MemoryEntry.Origin.HUMAN)
    return _reusable(rows, True, exclude_release).order_by("-created_at", "-pk")


def _reusable(rows, approved_only: bool, exclude_release: int | None):
    if approved_only:
        rows = rows.filter(Q(approved_at__isnull=False) | Q(release__isnull=True))
    if exclude_release is not None:
        rows = rows.exclude(release_id=exclude_release)
    return rows


def _human_key(source: str, language: str, release_id: int | None) -> str:
    key = source_key(source, language)
    if release_id is None:  # entries made before memory kept releases apart
        return hashlib.sha256(f"human\x00{key}".encode()).hexdigest()
    return hashlib.sha256(f"human\x00{key}\x00{release_id}".encode()).hexdigest()


def remember_human(pairs: Sequence[tuple[str, str]], language: str, *, release=None, author=None) -> None:
    """Store human-made segments (a correction, an upload): they win over machine output.

    One entry per source, language and release: a later correction in the same
    release replaces that release's entry (and waits for approval again); another
    release's entry is never touched.
    """
    release_id = getattr(release, "pk", release)
    now = timezone.now()
    for source, target in pairs:
        MemoryEntry.objects.update_or_create(
            key=_human_key(source, language, release_id),
            defaults={
                "source_key": source_key(source, language),
                "source": source,
                "target": target,
                "language": language,
                "route": "human",
                "origin": MemoryEntry.Origin.HUMAN,
                "release_id": release_id,
                "author": author if getattr(author, "is_authenticated", False) else None,
                "reviewer": None,
                "approved_at": None,
                "created_at": now,
            },
        )


def approve_human(pairs: Sequence[tuple[str, str]], language: str, *, release, reviewer=None) -> None:
    """Segments of an approved translation: remembered as approved, with their reviewer."""
    release_id = getattr(release, "pk", release)
    reviewer = reviewer if getattr(reviewer, "is_authenticated", False) else None
    now = timezone.now()
    for source, target in pairs:
        entry, created = MemoryEntry.objects.get_or_create(
            key=_human_key(source, language, release_id),
            defaults={"source_key": source_key(source, language), "source": source, "target": target,
                      "language": language, "route": "human", "origin": MemoryEntry.Origin.HUMAN,
                      "release_id": release_id, "reviewer": reviewer, "approved_at": now, "created_at": now},
        )
        if not created:
            entry.target, entry.reviewer, entry.approved_at = target, reviewer, now
            entry.save(update_fields=["target", "reviewer", "approved_at"])
