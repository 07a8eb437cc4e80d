"""The translation memory in the database, behind the pipeline's Memory protocol."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping, Sequence

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
    keys = {source_key(source, language): source for source in sources}
    found: dict[str, str] = {}
    for key, target in (
        MemoryEntry.objects.filter(source_key__in=list(keys), origin=MemoryEntry.Origin.HUMAN)
        .order_by("created_at", "id")
        .values_list("source_key", "target")
    ):
        found[keys[key]] = target
    return found


def remember_human(pairs: Sequence[tuple[str, str]], language: str) -> None:
    """Store reviewed or human-made segments; they win over machine output."""
    for source, target in pairs:
        key = source_key(source, language)
        MemoryEntry.objects.update_or_create(
            key=hashlib.sha256(f"human\x00{key}".encode()).hexdigest(),
            defaults={
                "source_key": key,
                "source": source,
                "target": target,
                "language": language,
                "route": "human",
                "origin": MemoryEntry.Origin.HUMAN,
            },
        )
