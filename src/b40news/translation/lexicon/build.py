"""Compile the lexicon's tables into Apertium dictionaries merged with the installed ones."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from . import paradigms

log = logging.getLogger(__name__)

DATA = Path(__file__).with_name("data")
SOURCES = ("bg-mk.tsv", "mk-en.tsv", "bg.cg3", "adapt-bg-mk.tsv", "edits.tsv")
CODE = (Path(__file__), Path(__file__).with_name("paradigms.py"))
PREFERRED_WEIGHT = "-1"  # in front of the installed dictionary's translations (lt-proc sorts by weight)
SECTION = "b40lexicon"  # lt-append overwrites a section of the same name: never "main"
TOOLS = ("lt-comp", "lt-append", "cg-comp")
_ALPHABET = ("абвгдежзийклмнопрстуфхцчшщъьюяѐѝѓѕјљњќџ"
             "АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЬЮЯЀЍЃЅЈЉЊЌЏ"
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_lock = threading.Lock()


class LexiconError(Exception):
    """The lexicon's data is malformed, or Apertium's tools failed on it."""


@dataclass(frozen=True)
class Row:
    file: str
    line: int
    cells: tuple[str, ...]


def load_rows(name: str, width: int, data: Path = DATA) -> list[Row]:
    """The rows of one table: tab-separated, ``#`` comments, ``-`` for an empty cell."""
    rows = []
    for number, line in enumerate((data / name).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        cells += [""] * (width - len(cells))
        if len(cells) != width:
            raise LexiconError(f"{name}:{number}: {len(cells)} columns, expected {width}")
        rows.append(Row(name, number, tuple("" if cell == "-" else cell for cell in cells)))
    return rows


def _forms(row: Row, make, lemma: str, cls: str, extra: str):
    try:
        return make(lemma, cls, extra)
    except paradigms.ParadigmError as error:
        raise LexiconError(f"{row.file}:{row.line}: {error}") from error


def _text(value: str) -> str:
    """A lemma or form in a .dix: escaped, a space (or ``_`` in the tables) as ``<b/>``."""
    return escape(value).replace("_", " ").replace(" ", "<b/>")


def _tags(tags) -> str:
    return "".join(f'<s n="{tag}"/>' for tag in tags)


def _bidix_tags(cls: str, numbers: tuple[str, ...] = ("sg", "pl", "ct")) -> list[tuple[str, ...]]:
    """The tags a bilingual entry carries for a class (the rest pass through).

    Nouns carry their number: lt-proc takes the longest match, so an installed
    entry that spells out ``<sg>`` would otherwise win over ours."""
    if cls.startswith("n-"):
        gender = "m" if cls == "n-ms" else cls[2:]
        return [("n", gender, number) for number in numbers]
    if cls.startswith("vblex-"):
        aspect = cls.split("-", 1)[1]
        return [("vblex", aspect, "tv"), ("vblex", aspect, "iv")]
    return [(cls,)]


def _dictionary(entries: list[str], symbols: set[str]) -> str:
    sdefs = "".join(f'<sdef n="{s}"/>' for s in sorted(symbols))
    body = "\n".join(dict.fromkeys(entries))
    return (f"<dictionary><alphabet>{_ALPHABET}</alphabet><sdefs>{sdefs}</sdefs>"
            f'<section id="{SECTION}" type="standard">\n{body}\n</section></dictionary>\n')


def _mono(forms, symbols: set[str]) -> list[str]:
    out = []
    for surface, tags in forms:
        symbols.update(tags)
        lemma, form = _text(surface[1]), _text(surface[0])
        out.append(f"<e><p><l>{form}</l><r>{lemma}{_tags(tags)}</r></p></e>")
    return out


_ENTRY_RE = re.compile(r"<e><p><l>.*?</l><r>(.*?)</r></p></e>")


def _unknown_to(generator: Path, entries: list[str]) -> list[str]:
    """The monolingual entries whose form ``generator`` cannot generate yet
    (a form it has would come out twice: "во/во")."""
    units = []
    for entry in entries:
        right = _ENTRY_RE.match(entry).group(1)
        units.append("^" + re.sub(r'<s n="([^"]+)"/>', r"<\1>", right).replace("<b/>", " ") + "$")
    done = subprocess.run(["lt-proc", "-z", "-g", str(generator)], input="\0".join(units) + "\0",
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "LC_ALL": "C.UTF-8"})
    if done.returncode != 0:
        raise LexiconError(f"lt-proc -g {generator.name} failed: {done.stderr.strip()[-300:]}")
    outputs = done.stdout.split("\0")[: len(units)]
    return [entry for entry, out in zip(entries, outputs) if out.strip().startswith("#")]


def dictionaries(stock: Path, data: Path = DATA) -> dict[str, str]:
    """The .dix files, as text: bg, mk (analysers), mk-gen, en (generators: only the
    forms the installed generators lack), bg-mk, mk-en (bilingual)."""
    bg, mk, en, bgmk, mken = [], [], [], [], []
    syms = {name: set() for name in ("bg", "mk", "en", "bg-mk", "mk-en")}
    for row in load_rows("bg-mk.tsv", 6, data):
        b, bcls, bextra, m, mcls, mextra = row.cells
        if not (b and bcls and m and mcls):
            raise LexiconError(f"{row.file}:{row.line}: lemma and class are needed on both sides")
        bforms = _forms(row, paradigms.bulgarian, b, bcls, bextra)
        mforms = _forms(row, paradigms.macedonian, m, mcls, mextra)
        bg += _mono([((form, b), tags) for form, tags in bforms], syms["bg"])
        mk += _mono([((form, m), tags) for form, tags in mforms], syms["mk"])
        for left, right in zip(_bidix_tags(bcls), _bidix_tags(mcls)):
            syms["bg-mk"].update(left + right)
            bgmk.append(f'<e w="{PREFERRED_WEIGHT}"><p><l>{_text(b)}{_tags(left)}</l>'
                        f"<r>{_text(m)}{_tags(right)}</r></p></e>")
    for row in load_rows("mk-en.tsv", 4, data):
        m, mcls, e, eextra = row.cells
        if not (m and mcls and e):
            raise LexiconError(f"{row.file}:{row.line}: Macedonian lemma, class and English are needed")
        if mcls not in paradigms.CLASSES:
            raise LexiconError(f"{row.file}:{row.line}: unknown class {mcls!r}")
        ecls = "n" if mcls.startswith("n-") else "vblex" if mcls.startswith("vblex-") else mcls
        if ecls in ("n", "adj", "adv"):
            en += _mono([((form, e), tags) for form, tags in
                         _forms(row, paradigms.english, e, ecls, eextra)], syms["en"])
        for left in _bidix_tags(mcls, ("sg", "pl")):
            right = (ecls, left[2]) if ecls == "n" else (ecls,)
            syms["mk-en"].update(left + right)
            mken.append(f'<e w="{PREFERRED_WEIGHT}"><p><l>{_text(m)}{_tags(left)}</l>'
                        f"<r>{_text(e)}{_tags(right)}</r></p></e>")
    generators = {"mk-gen.dix": (mk, syms["mk"], stock / "apertium-mkd-bul" / "bul-mkd.autogen.bin"),
                  "en.dix": (en, syms["en"], stock / "apertium-mkd-eng" / "mkd-eng.autogen.bin")}
    out = {"bg.dix": _dictionary(bg, syms["bg"]), "mk.dix": _dictionary(mk, syms["mk"]),
           "bg-mk.dix": _dictionary(bgmk, syms["bg-mk"]), "mk-en.dix": _dictionary(mken, syms["mk-en"])}
    for name, (entries, symbols, generator) in generators.items():
        entries = list(dict.fromkeys(entries))
        out[name] = _dictionary(_unknown_to(generator, entries) if generator.is_file() else entries, symbols)
    return out


# Installed binary -> (our dictionary, lt-comp direction) merged into it.
MERGES = {
    ("apertium-mkd-bul", "bul-mkd.automorf.bin"): ("bg.dix", "lr"),
    ("apertium-mkd-bul", "bul-mkd.autobil.bin"): ("bg-mk.dix", "lr"),
    ("apertium-mkd-bul", "bul-mkd.autogen.bin"): ("mk-gen.dix", "rl"),
    ("apertium-mkd-eng", "mkd-eng.automorf.bin"): ("mk.dix", "lr"),
    ("apertium-mkd-eng", "mkd-eng.autobil.bin"): ("mk-en.dix", "lr"),
    ("apertium-mkd-eng", "mkd-eng.autogen.bin"): ("en.dix", "rl"),
}
MODES = ("bul-mkd", "mkd-eng")


def checksum(stock: Path, data: Path = DATA) -> str:
    """Of the lexicon's sources, the installed modes and the binaries they name."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (data / name).read_bytes() + b"\0")
    for path in CODE:
        digest.update(path.read_bytes())
    for mode in sorted((stock / "modes").glob("*.mode")):
        digest.update(mode.read_bytes())
    for package, binary in MERGES:
        path = stock / package / binary
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def tools_available() -> bool:
    return all(shutil.which(tool) for tool in TOOLS)


def ensure(stock: Path | str, cache: Path | str, data: Path = DATA) -> Path:
    """The data directory with the lexicon compiled in, built on first use.

    ``stock`` is Apertium's installed data directory, ``cache`` a folder of
    the project's data directory; the result is ``cache/<checksum>``, built
    in a temporary folder and renamed into place (concurrent builders are
    safe). Raises :class:`LexiconError` when the tools are missing or fail.
    """
    stock, cache = Path(stock), Path(cache)
    target = cache / checksum(stock, data)
    if (target / "modes").is_dir():
        return target
    with _lock:
        if (target / "modes").is_dir():
            return target
        missing = [tool for tool in TOOLS if not shutil.which(tool)]
        if missing:
            raise LexiconError(f"{', '.join(missing)} not found: apt-get install lttoolbox-dev cg3")
        cache.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".build-", dir=cache))
        try:
            _build(stock, work, target, data)
            try:
                os.rename(work, target)
            except OSError:  # another process finished first
                if not (target / "modes").is_dir():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log.info("Apertium lexicon compiled into %s", target)
    return target


def _run(*command: str | Path) -> None:
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                          env={**os.environ, "LC_ALL": "C.UTF-8"}, timeout=300)
    if done.returncode != 0:
        raise LexiconError(f"{Path(str(command[0])).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")


def _build(stock: Path, work: Path, final: Path, data: Path) -> None:
    """Build in ``work``; the modes name the files where they will be after the rename to ``final``."""
    source = work / "source"
    source.mkdir()
    for name, text in dictionaries(stock, data).items():
        (source / name).write_text(text, encoding="utf-8")
    compiled: dict[tuple[str, str], Path] = {}
    for (package, binary), (dix, direction) in MERGES.items():
        installed = stock / package / binary
        if not installed.is_file():
            continue
        if (dix, direction) not in compiled:
            out = source / f"{dix}.{direction}.bin"
            _run("lt-comp", direction, source / dix, out)
            compiled[(dix, direction)] = out
        (work / package).mkdir(exist_ok=True)
        _run("lt-append", installed, compiled[(dix, direction)], work / package / binary)
    rules = work / "apertium-mkd-bul" / "b40-bul.rlx.bin"
    rules.parent.mkdir(exist_ok=True)
    _run("cg-comp", data / "bg.cg3", rules)
    (work / "modes").mkdir()
    for mode in sorted((stock / "modes").glob("*.mode")):
        text = mode.read_text(encoding="utf-8")
        if mode.stem in MODES:
            for package, binary in MERGES:
                if (work / package / binary).is_file():
                    text = text.replace(f"'{stock / package / binary}'", f"'{final / package / binary}'")
            if mode.stem == "bul-mkd":
                rule_file = final / rules.relative_to(work)
                text = re.sub(r"(cg-proc[^|]*\|)", lambda m: f"{m.group(1)} cg-proc -w '{rule_file}' |",
                              text, count=1)
        (work / "modes" / mode.name).write_text(text, encoding="utf-8")


@lru_cache(maxsize=1)
def _adaptations(data: Path = DATA) -> tuple[tuple[str, str], ...]:
    rows = load_rows("adapt-bg-mk.tsv", 2, data)
    return tuple(sorted(((r.cells[0], r.cells[1]) for r in rows), key=lambda pair: -len(pair[0])))


def adapt_unknown(word: str) -> str:
    """A Bulgarian word no dictionary knows, its ending rewritten the Macedonian way
    (основния -> основниот, сесията -> сесијата), before transliteration."""
    lower = word.lower()
    for ending, replacement in _adaptations():
        if lower.endswith(ending) and len(lower) > len(ending) + 1:
            stem = word[: len(word) - len(ending)]
            if word.isupper():
                replacement = replacement.upper()
            return stem + replacement
    return word


@lru_cache(maxsize=8)
def edits(mode: str, stage: str, data: Path = DATA) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The pre- or post-editing rules of one Apertium mode (``edits.tsv``), compiled.

    Cells are tab-separated and kept as written (a replacement may be a space)."""
    rules = []
    for number, line in enumerate((data / "edits.tsv").read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) < 4:
            raise LexiconError(f"edits.tsv:{number}: mode, stage, pattern and replacement are needed")
        if cells[0].strip() == mode and cells[1].strip() == stage:
            try:
                rules.append((re.compile(cells[2]), cells[3]))
            except re.error as error:
                raise LexiconError(f"edits.tsv:{number}: {error}") from error
    return tuple(rules)


def apply_edits(mode: str, stage: str, text: str) -> str:
    for pattern, replacement in edits(mode, stage):
        text = pattern.sub(replacement, text)
    return text
