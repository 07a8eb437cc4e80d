"""Processes as /proc shows them, for tests that watch real workers."""

from __future__ import annotations

from pathlib import Path


def children(pid: int) -> list[int]:
    """Live direct children of a process (a Celery worker's pool), from /proc; zombies left out."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:  # ended meanwhile
                continue
            if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
    return found
