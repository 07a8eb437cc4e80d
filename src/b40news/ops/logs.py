"""One JSON object per log line (``B40NEWS_LOG_FORMAT=json``), stdlib logging only.

    {"time": "2025-01-31T09:15:02.123Z", "level": "WARNING", "logger": "b40news.delivery",
     "message": "…", "process": 4121, "release": 12}

Fields passed with ``extra=`` come along as top-level keys; an exception comes
as ``exception`` (the formatted traceback). Gunicorn's access lines also get
``http`` with the request's method, path, status, size and duration — never
its headers (they carry cookies and bearer tokens).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

# The attributes every LogRecord has; anything else came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Gunicorn's access-log atoms worth a field each (see gunicorn.glogging.Logger.atoms).
_ACCESS = {"h": "remote", "m": "method", "U": "path", "q": "query", "s": "status", "B": "bytes",
           "M": "duration_ms", "a": "user_agent"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            http = {field: record.args.get(atom) for atom, field in _ACCESS.items()}
            if isinstance(http["status"], str) and http["status"].isdigit():
                http["status"] = int(http["status"])
            entry["http"] = http
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
