"""Apertium (Debian packages) through its ``apertium`` command.

One process per batch, in null-flush mode (``-z``) on Apertium's own stream
format (``-f none``): each segment is written as ``[<sN/>]`` + escaped text +
NUL. The NUL makes every module of the pipeline finish the segment before the
next one starts (no context crosses segments); the numbered superblank comes
back untouched and tells which output belongs to which input.

Marks are kept on (no ``-u``): ``*`` unknown, ``#`` not generated, ``@`` no
translation. Literal ``* # @ ~`` in the source are swapped for private-use
characters on the way in, so every mark character in the output is a mark;
the marked words go to ``Output.unknown`` and the marks are removed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from b40news import languages

from b40news.translation import lexicon

from .base import MARK_CHARS, Engine, EngineError, Output

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = "/usr/share/apertium"
_STREAM_SPECIAL = set("\\[]^$/<>{}")
_PROTECT = {"*": "\ue001", "#": "\ue002", "@": "\ue003", "~": "\ue004"}
_RESTORE = str.maketrans({v: k for k, v in _PROTECT.items()})
_SEGMENT_RE = re.compile(r"\[<s(\d+)/>\]")
_STREAM_RE = re.compile(r"\\(.)|\[((?:\\.|[^\]\\])*)\]", re.S)
_MARKED_WORD_RE = re.compile(rf"[{MARK_CHARS}]*\w+(?:[-'’][{MARK_CHARS}]*\w+)*")
_MODE_FILE_RE = re.compile(r"'(/[^']+)'|(?<!\S)(/\S+)")


def apertium_codes() -> dict[str, str]:
    """Apertium's language codes -> the network's base codes."""
    return {lang.apertium: lang.base for lang in languages.LANGUAGES.values() if lang.apertium}


class ApertiumEngine(Engine):
    id = "apertium"

    def __init__(self, *, data_dir: str | Path = DEFAULT_DATA_DIR,
                 command: str = "apertium", timeout: float = 120.0,
                 lexicon_dir: str | Path | None = None) -> None:
        """``lexicon_dir``: where the project's lexicon (:mod:`..lexicon`) is compiled
        over the installed data at first use; ``None`` runs Apertium's data alone."""
        self.stock_dir = Path(data_dir)
        self.lexicon_dir = Path(lexicon_dir) if lexicon_dir is not None else None
        self.command = command
        self.timeout = timeout
        self._program_version: str | None = None
        self._data_dir: Path | None = None

    @property
    def data_dir(self) -> Path:
        """The installed data, or the lexicon compiled over it (built once, then reused)."""
        if self._data_dir is None:
            self._data_dir = self.stock_dir
            if self.lexicon_dir is not None and (self.stock_dir / "modes").is_dir():
                try:
                    self._data_dir = lexicon.ensure(self.stock_dir, self.lexicon_dir)
                except (lexicon.LexiconError, OSError, subprocess.SubprocessError) as error:
                    log.warning("Apertium runs without the project's lexicon: %s", error)
        return self._data_dir

    def modes(self) -> dict[tuple[str, str], str]:
        """(source, target) base codes -> Apertium mode name, from the modes dir."""
        codes = apertium_codes()
        found: dict[tuple[str, str], str] = {}
        for mode in sorted((self.data_dir / "modes").glob("*.mode")):
            parts = mode.stem.split("-")
            if len(parts) == 2 and parts[0] in codes and parts[1] in codes:
                found[(codes[parts[0]], codes[parts[1]])] = mode.stem
        return found

    def is_available(self) -> bool:
        return shutil.which(self.command) is not None and bool(self.modes())

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset(self.modes()) if shutil.which(self.command) else frozenset()

    def _program(self) -> str:
        if self._program_version is None:
            done = subprocess.run([self.command, "-V"], capture_output=True, text=True,
                                  timeout=self.timeout)
            self._program_version = done.stdout.strip() or done.stderr.strip() or "unknown"
        return self._program_version

    def _mode_digest(self, mode: str) -> str:
        """The mode file and the size and mtime of every data file it names."""
        text = (self.data_dir / "modes" / f"{mode}.mode").read_text(encoding="utf-8")
        digest = hashlib.sha256(text.encode())
        for match in _MODE_FILE_RE.finditer(text):
            path = Path(match.group(1) or match.group(2))
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        return digest.hexdigest()[:12]

    def version(self) -> str:
        modes = sorted(self.modes().values())
        joined = hashlib.sha256(",".join(self._mode_digest(m) for m in modes).encode())
        return f"{self._program()};{joined.hexdigest()[:12]}"

    def pair_version(self, source: str, target: str) -> str:
        mode = self.modes().get((source, target))
        if mode is None:
            return self.version()
        return f"{self._program()};{mode}:{self._mode_digest(mode)}"

    def _translate(self, segments: list[str], source: str, target: str) -> list[Output]:
        mode = self.modes()[(source, target)]
        edited = self.data_dir != self.stock_dir  # the lexicon's editing rules come with it
        if edited:
            segments = [lexicon.apply_edits(mode, "pre", text) for text in segments]
        stream = "".join(f"[<s{i}/>]{encode(text)}\0" for i, text in enumerate(segments))
        command = [self.command, "-z", "-f", "none", "-d", str(self.data_dir), mode]
        env = {**os.environ, "LC_ALL": "C.UTF-8"}
        try:
            done = subprocess.run(command, input=stream.encode("utf-8"), capture_output=True,
                                  timeout=self.timeout, env=env)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise EngineError(f"apertium {mode} could not run: {error}") from error
        if done.returncode != 0:
            tail = done.stderr.decode("utf-8", "replace").strip()[-500:]
            raise EngineError(f"apertium {mode} exited with {done.returncode}: {tail}")
        pieces = _SEGMENT_RE.split(done.stdout.decode("utf-8", "replace"))
        numbers = [int(number) for number in pieces[1::2]]
        if numbers != list(range(len(segments))):  # its pipeline can fail with status 0
            tail = done.stderr.decode("utf-8", "replace").strip()[-500:]
            raise EngineError(f"apertium {mode} returned {len(numbers)} of {len(segments)} "
                              f"segments{': ' + tail if tail else ''}")
        outputs = [read_marks(decode(piece)) for piece in pieces[2::2]]
        if edited:
            outputs = [Output(lexicon.apply_edits(mode, "post", o.text), o.unknown, o.repairs) for o in outputs]
        return outputs


def encode(text: str) -> str:
    """Text -> Apertium stream format, literal mark characters protected."""
    out = []
    for char in text.replace("\0", " "):
        char = _PROTECT.get(char, char)
        out.append("\\" + char if char in _STREAM_SPECIAL else char)
    return "".join(out)


def decode(stream: str) -> str:
    """Apertium stream format -> text (escapes undone, superblanks unwrapped)."""
    stream = stream.replace("\0", "")
    return _STREAM_RE.sub(
        lambda m: m.group(1) if m.group(1) is not None else decode(m.group(2)), stream
    )


def read_marks(text: str) -> Output:
    """Split marks off: the marked words, and the text without marks."""
    unknown = []
    for match in _MARKED_WORD_RE.finditer(text):
        word = match.group(0)
        if any(mark in word for mark in MARK_CHARS):
            unknown.append(word.translate(_STRIP_MARKS).translate(_RESTORE))
    clean = text.translate(_STRIP_MARKS).translate(_RESTORE)
    return Output(clean, tuple(dict.fromkeys(unknown)))


_STRIP_MARKS = str.maketrans("", "", MARK_CHARS)
