"""The sibling-language tables: reading and checking ``sibling_data/`` (plain Python).

The file formats are described in ``sibling_data/README.md``; :mod:`siblings`
uses what is read here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "sibling_data"
LATIN_MEMBERS: tuple[str, ...] = ("hr", "bs", "cnr", "sr-Latn")  # the columns of lexicon.tsv
WORD_RE = re.compile(r"[^\W\d_]+")  # runs of letters: hyphenated words are two words


class SiblingDataError(ValueError):
    """A malformed data file; the message names the file and line."""


@dataclass(frozen=True)
class Form:
    """One cell of a table: a whole word, ``stem-`` (any ending) or ``stem(a|e|u)``."""

    stem: str
    endings: tuple[str, ...] | None  # None: any ending; ("",): the whole word only

    @classmethod
    def parse(cls, cell: str, where: str) -> Form:
        cell = unicodedata.normalize("NFC", cell.strip().lower())
        if cell.endswith("-"):
            form = cls(cell[:-1], None)
        elif cell.endswith(")") and "(" in cell:
            stem, _, rest = cell[:-1].partition("(")
            form = cls(stem, tuple(rest.split("|")))
        else:
            form = cls(cell, ("",))
        if not form.stem or not all(WORD_RE.fullmatch(part) for part in form.stem.split(" ")):
            raise SiblingDataError(f"{where}: {cell!r} is not a word, a stem- or a stem(endings)")
        return form

    @property
    def whole(self) -> bool:
        return self.endings == ("",)

    def ending_of(self, word: str) -> str | None:
        """The ending ``word`` has after this stem, or None when it does not match."""
        if not word.startswith(self.stem):
            return None
        ending = word[len(self.stem):]
        if self.endings is None or ending in self.endings:
            return ending
        return None


@dataclass(frozen=True)
class Row:
    cells: dict[str, tuple[Form, ...]]  # language -> forms; the first is the one written
    where: str


@dataclass
class Table:
    """Rows of forms per language, looked up by word: whole words first, then the longest stem."""

    rows: list[Row] = field(default_factory=list)
    _index: dict[tuple[str, str], list[Row]] = field(default_factory=dict, repr=False)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        for language, forms in row.cells.items():
            for first in {form.stem[:1] for form in forms}:
                bucket = self._index.setdefault((language, first), [])
                if not bucket or bucket[-1] is not row:
                    bucket.append(row)

    def lookup(self, word: str, source: str, target: str) -> str | None:
        best: tuple[int, str] | None = None
        for row in self._index.get((source, word[:1]), ()):
            if target not in row.cells:
                continue
            for form in row.cells[source]:
                ending = form.ending_of(word)
                if ending is None:
                    continue
                rank = 10_000 if form.whole else len(form.stem)
                if best is None or rank > best[0]:
                    written = row.cells[target][0]
                    best = (rank, written.stem + ("" if written.whole else ending))
        return best[1] if best else None


def _rows(path: Path) -> Iterable[tuple[str, list[str]]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        yield f"{path.name}:{number}", line.rstrip("\n").split("\t")


def _alternatives(cell: str) -> list[str]:
    """"a|b(x|y)" -> ["a", "b(x|y)"]: a bar inside parentheses separates endings."""
    parts, depth, current = [], 0, ""
    for char in cell:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _table(path: Path, columns: Sequence[str]) -> Table:
    table = Table()
    for where, cells in _rows(path):
        if len(cells) < len(columns):
            raise SiblingDataError(f"{where}: {len(cells)} column(s), expected {len(columns)} "
                                   f"({', '.join(columns)}), separated by tabs")
        row: dict[str, tuple[Form, ...]] = {}
        for column, cell in zip(columns, cells):
            if cell.strip():
                row[column] = tuple(Form.parse(alt, where) for alt in _alternatives(cell))
        kinds = {form.whole for forms in row.values() for form in forms}
        if len(kinds) > 1:
            raise SiblingDataError(f"{where}: a row is either whole words or stems in every column")
        if len(row) < 2:
            raise SiblingDataError(f"{where}: a row needs at least two languages")
        table.add(Row(row, where))
    return table


@dataclass(frozen=True)
class Exceptions:
    """Words the reflex rules leave alone. Lowercase entries match any case; an entry
    written with a capital (a name: "Rijeka", "Bijeljina") matches only so written."""

    any_case: frozenset[str]
    any_case_stems: tuple[str, ...]
    exact: frozenset[str]
    exact_stems: tuple[str, ...]

    def name(self, word: str) -> bool:
        return word in self.exact or word.startswith(self.exact_stems)

    def __contains__(self, word: str) -> bool:
        lower = word.lower()
        return self.name(word) or lower in self.any_case or lower.startswith(self.any_case_stems)


def _exceptions(path: Path) -> Exceptions:
    any_case, any_stems, exact, exact_stems = set(), [], set(), []
    for where, cells in _rows(path):
        entry = unicodedata.normalize("NFC", cells[0].split("#")[0].strip())
        if not entry:
            continue
        stem = entry.endswith("-")
        word = entry.rstrip("-")
        if not WORD_RE.fullmatch(word):
            raise SiblingDataError(f"{where}: {entry!r} is not a word or a stem-")
        if word[:1].isupper():
            (exact_stems.append(word) if stem else exact.add(word))
        else:
            (any_stems.append(word) if stem else any_case.add(word))
    return Exceptions(frozenset(any_case), tuple(any_stems), frozenset(exact), tuple(exact_stems))


@dataclass(frozen=True)
class SiblingData:
    lexicon: Table
    jat: Table  # columns "ekavian", "ijekavian"
    exceptions: Exceptions


@lru_cache(maxsize=4)
def load(directory: Path = DATA_DIR) -> SiblingData:
    """The tables of ``directory`` (the package's own by default), checked."""
    directory = Path(directory)
    return SiblingData(
        lexicon=_table(directory / "lexicon.tsv", LATIN_MEMBERS),
        jat=_table(directory / "jat.tsv", ("ekavian", "ijekavian")),
        exceptions=_exceptions(directory / "jat-exceptions.txt"),
    )
