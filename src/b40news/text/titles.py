"""Titles as they enter: no invisible direction overrides, one line, a bounded length.

A title becomes an e-mail subject, a page heading and an archive entry. The
Unicode bidirectional controls (embeddings and overrides U+202A–U+202E,
isolates U+2066–U+2069, the marks U+200E/U+200F) are invisible and reorder
what a reader sees: ``U+202E`` makes ``Invoice fdp.exe`` read as
``Invoice exe.pdf`` in a subject line. None of the network's languages needs
them (Arabic and Hebrew are not among them, and even there a title needs no
explicit override), so they are removed wherever a title enters:
``clean_title`` (release submit, human translation title, a corrected title
segment) and ``strip_bidi_controls`` for any other text that becomes a
subject.
"""

from __future__ import annotations

import re
import unicodedata

# Stored in Release.title and Translation.title (CharField(max_length=300)).
TITLE_MAX_CHARS = 300

BIDI_CONTROLS = frozenset(
    chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)
)
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")


class TitleTooLong(ValueError):
    """A title over ``limit`` characters (after cleaning); ``length`` says how long it is."""

    def __init__(self, length: int, limit: int = TITLE_MAX_CHARS):
        super().__init__(f"the title is {length} characters long (at most {limit})")
        self.length, self.limit = length, limit


def strip_bidi_controls(text: str) -> str:
    """``text`` without the bidirectional control characters (see the module's text)."""
    return _BIDI.sub("", text)


def clean_title(raw: str, limit: int = TITLE_MAX_CHARS) -> str:
    """One line of text: bidi controls and other control characters removed, whitespace runs as one
    space; ``TitleTooLong`` past ``limit``.

    May return "" (the caller decides whether an empty title is an error).
    """
    visible = "".join(
        char for char in strip_bidi_controls(raw) if char.isspace() or unicodedata.category(char) != "Cc"
    )
    title = " ".join(visible.split())
    if len(title) > limit:
        raise TitleTooLong(len(title), limit)
    return title
