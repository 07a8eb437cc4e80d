"""The approved glossary of this installation, as every host sees it.

Read from the database once per process and kept; each call asks the state row
(one primary-key query) for the approved glossary's checksum and reloads only
when it differs from the checksum of the copy kept. A change approved on any
host therefore reaches every worker on its next call, with no restart, no file
and no message between hosts. The copy is named by its content, so a rolled
back change or another database never passes for it.
"""

from __future__ import annotations

import threading

from django.db import DEFAULT_DB_ALIAS, connections

from b40news.glossary.database import read, stored_checksum
from b40news.glossary.entries import Glossary

_lock = threading.Lock()
_cache: tuple[tuple, Glossary] | None = None


def current_glossary() -> Glossary:
    """The approved entries stored in the database."""
    global _cache
    where = connections[DEFAULT_DB_ALIAS].settings_dict
    database = tuple(where.get(key) for key in ("ENGINE", "HOST", "PORT", "NAME"))
    checksum = stored_checksum()
    with _lock:
        if _cache is not None and _cache[0] == (database, checksum):
            return _cache[1]
    glossary = read(approved_only=True)
    with _lock:
        _cache = ((database, glossary.checksum), glossary)
    return glossary
