"""The approved glossary of this installation, loaded once per process.

Reloaded when a file in the glossary folder changes, so a worker never needs a
restart after an approved change, and never rereads files it has already read.
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from b40news.glossary.entries import Glossary
from b40news.glossary.store import load

_lock = threading.Lock()
_cache: tuple[tuple, Glossary] | None = None


def _signature(directory: Path) -> tuple:
    # The directory is part of it: a copy of the folder has the same names, times and sizes.
    files = tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in directory.glob("*.yaml")))
    return (str(directory.resolve()), files)


def current_glossary() -> Glossary:
    """The approved entries of ``settings.GLOSSARY_DIR``."""
    global _cache
    directory = Path(settings.GLOSSARY_DIR)
    signature = _signature(directory)
    with _lock:
        if _cache is None or _cache[0] != signature:
            _cache = (signature, load(directory).approved())
        return _cache[1]
