"""Prometheus instruments that the stages observe (exposed by ``ops/metrics.py``).

Plain prometheus-client, no Django import, so any stage may use it:

    with instruments.translation_timer():
        ...

Processes run in prometheus-client's multiprocess mode (settings point
``PROMETHEUS_MULTIPROC_DIR`` at one folder per host), so a Celery worker's
observations reach the web process that serves /metrics. An instrument is
made on first use, so only processes that observe it write a file there.
"""

from __future__ import annotations

import os
import re
import socket
import threading

from prometheus_client import Histogram, values

_HOST = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())
_lock = threading.Lock()


def _process_id() -> str:
    # In multiprocess mode each process writes files named after this. Containers
    # sharing the folder (compose.yaml) each count pids from 1, so the host name
    # (a container's own id) goes in too.
    return f"{_HOST}-{os.getpid()}"


def _use_the_shared_folder() -> None:
    """prometheus-client chooses between in-process and multiprocess values when
    it is first imported, from ``PROMETHEUS_MULTIPROC_DIR`` (which settings.py
    sets). Choose again when an instrument is made, so that the order of imports
    in a process never matters."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        values.ValueClass = values.MultiProcessValue(_process_id)


_translation: Histogram | None = None

# A release takes from tens of milliseconds (all in memory) to minutes (neural models).
TRANSLATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)


def translation_histogram() -> Histogram:
    global _translation
    with _lock:
        if _translation is None:
            _use_the_shared_folder()
            _translation = Histogram(
                "b40news_translation_seconds",
                "Time to translate one release into the languages asked for (translate_release).",
                buckets=TRANSLATION_BUCKETS,
            )
        return _translation


def translation_timer():
    """A context manager (and decorator) that observes its duration in the histogram."""
    return translation_histogram().time()
