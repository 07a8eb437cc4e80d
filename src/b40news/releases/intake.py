"""Reading a submitted release: every problem named, before anything is stored."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from b40news.text.titles import TITLE_MAX_CHARS, TitleTooLong, clean_title


class ReleaseError(ValueError):
    """A release (or its file) that cannot be accepted; the message says why."""


@dataclass(frozen=True)
class ReleaseText:
    title: str
    body: str


_CONTROL_OK = {"\n", "\t"}


def read_file(path: Path) -> bytes:
    """The bytes of a file to submit, or a ReleaseError saying why not."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReleaseError(f"cannot read {path}: {exc.strerror}") from None


def decode(raw: bytes, *, name: str, max_bytes: int) -> str:
    """The text of an uploaded release, or a ReleaseError naming the problem."""
    if len(raw) > max_bytes:
        raise ReleaseError(
            f"{name} is {len(raw) / 1_000_000:.1f} MB; a release may be at most "
            f"{max_bytes / 1_000_000:.1f} MB (B40NEWS_MAX_RELEASE_BYTES)"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReleaseError(
            f"{name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8 and submit it again"
        ) from None
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    for position, char in enumerate(text):
        if unicodedata.category(char) == "Cc" and char not in _CONTROL_OK:
            line = text.count("\n", 0, position) + 1
            raise ReleaseError(f"{name} has a control character U+{ord(char):04X} on line {line}")
    if not text.strip():
        raise ReleaseError(f"{name} is empty: there is nothing to translate")
    return text


def split_title(text: str, title: str | None, *, name: str) -> ReleaseText:
    """Without ``title`` the first line is the title and the rest the body."""
    if title is not None:
        title = checked_title(title)
        if not title:
            raise ReleaseError(_("the title is empty"))
        return ReleaseText(title=title, body=text.strip("\n"))
    first, _sep, rest = text.strip("\n").partition("\n")
    if not rest.strip():
        raise ReleaseError(
            f"{name} has only one line: give the title with --title, or put it on the first line"
        )
    title = checked_title(first, first_line=True)
    if not title:
        raise ReleaseError(_("the title is empty"))
    return ReleaseText(title=title, body=rest.strip("\n"))


def checked_title(raw: str, *, first_line: bool = False, limit: int = TITLE_MAX_CHARS) -> str:
    """A title as it may be stored (``text.titles.clean_title``), or a ReleaseError in the user's language.

    Every way a title enters — a release, a human translation, a corrected
    title segment — goes through here, so none reaches the database longer
    than its column.
    """
    try:
        return clean_title(raw, limit)
    except TitleTooLong as exc:
        message = _("The title is %(length)d characters long; at most %(limit)d are allowed.") % {
            "length": exc.length, "limit": exc.limit,
        }
        if first_line:
            message += " " + _("Is the first line a paragraph? Give the title separately.")
        raise ReleaseError(message) from None
