from __future__ import annotations

from pathlib import Path

import pytest

from b40news.glossary.entries import Entry, Glossary
from b40news.glossary.store import load
from b40news.languages import TARGETS

REPO = Path(__file__).resolve().parents[2]
SEED_DIR = REPO / "src" / "b40news" / "glossary" / "seed"  # the seed files in the checkout
SEED = REPO.parent / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"


def make(entry_id: str, bg: str, *, variants=(), status="approved", targets=None, **fields) -> Entry:
    """An entry with every language filled ("<bg> [<lang>]") unless given."""
    if targets is None:
        targets = {code: f"{entry_id}:{code}" for code in TARGETS}
    if status == "approved":
        fields.setdefault("approved_by", "tester")
        fields.setdefault("approved_at", "2026-11-25")
    return Entry(id=entry_id, kind=entry_id.split(".")[0], bg=bg, variants=tuple(variants),
                 targets=targets, status=status, **fields)


@pytest.fixture(scope="session")
def glossary() -> Glossary:
    """The seed files' glossary (no database): what a fresh database starts from."""
    return load(SEED_DIR)


def checkout_files() -> dict[str, tuple[bytes, int]]:
    """Every file of the checkout's glossary folders, with its modification time."""
    files = [*SEED_DIR.iterdir(), *(REPO / "glossary").iterdir()]
    return {str(p.relative_to(REPO)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(files)}


@pytest.fixture
def untouched_checkout():
    """Fails the test if it wrote into the checkout's glossary folders."""
    before = checkout_files()
    yield
    assert checkout_files() == before


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")
