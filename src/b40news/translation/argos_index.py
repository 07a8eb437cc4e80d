"""The Argos package index: what it offers this network, and how to read one.

``PUBLIC_PACKAGES`` is the one place that says which Argos packages exist for
the network's languages: the routes are derived from it (``routes``), the
hints name its files, and ``b40news models download`` reads a live index (the
public one or a mirror) in the same shape. It is a snapshot of the public
index (``index.json`` of 2025-06-21): Bulgarian→English and English→Greek,
Romanian, Slovenian, Albanian and Turkish. Serbian was removed from it in
December 2023; Croatian, Bosnian, Montenegrin and Macedonian were never in it.

An index is a JSON list of entries such as::

    {"from_code": "bg", "to_code": "en", "package_version": "1.9",
     "code": "translate-bg_en", "links": ["https://argos-net.com/v1/translate-bg_en-1_9.argosmodel"]}

optionally with ``type`` (``translate`` when absent), ``size`` (bytes) and
``sha256``, which the download then checks. Plain Python: no Django import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

PUBLIC_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"

# (source, target) -> package version in the public index (2025-06-21).
PUBLIC_PACKAGES: dict[tuple[str, str], str] = {
    ("bg", "en"): "1.9",
    ("en", "el"): "1.9",
    ("en", "ro"): "1.9",
    ("en", "sl"): "1.9",
    ("en", "sq"): "1.9",
    ("en", "tr"): "1.5",
}
PUBLIC_PAIRS = frozenset(PUBLIC_PACKAGES)


def file_name(source: str, target: str, version: str | None = None) -> str:
    """``translate-bg_en-1_9.argosmodel``: the file the index serves for a pair.

    Without ``version``, the public index's version; for a pair it does not
    have, the pattern ``translate-bg_hr-*.argosmodel``."""
    version = version or PUBLIC_PACKAGES.get((source, target))
    tail = version.replace(".", "_") if version else "*"
    return f"translate-{source}_{target}-{tail}.argosmodel"


def parse_pairs(codes: Iterable[str | tuple[str, str]]) -> list[tuple[str, str]]:
    """``["bg:en", ("en", "el")]`` -> ``[("bg", "en"), ("en", "el")]``; ValueError otherwise."""
    pairs = []
    for code in codes:
        pair = tuple(code.split(":")) if isinstance(code, str) else tuple(code)
        if len(pair) != 2 or not all(re.fullmatch(r"[a-z]{2,3}", part or "") for part in pair):
            raise ValueError(f"give pairs as SOURCE:TARGET, e.g. bg:en (got {code!r})")
        pairs.append(pair)
    return list(dict.fromkeys(pairs))


@dataclass(frozen=True)
class Entry:
    """One translate package of an index, with its links made absolute."""

    source: str
    target: str
    version: str
    links: tuple[str, ...]
    size: int | None = None
    sha256: str | None = None

    @property
    def pair(self) -> str:
        return f"{self.source}:{self.target}"

    @property
    def file_name(self) -> str:
        return file_name(self.source, self.target, self.version)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def read_index(data: object, index_url: str) -> list[Entry]:
    """The translate packages of a parsed ``index.json``; links relative to the
    index (a mirror's ``translate-bg_en-1_9.argosmodel``) are resolved against
    ``index_url``; only http, https and file links are kept (not ipfs)."""
    if not isinstance(data, list):
        raise ValueError("an Argos package index is a JSON list of packages")
    entries = []
    for item in data:
        if not isinstance(item, dict) or item.get("type", "translate") != "translate":
            continue
        links = tuple(urljoin(index_url, str(link)) for link in item.get("links") or ())
        links = tuple(link for link in links if link.split(":", 1)[0] in ("http", "https", "file"))
        if item.get("from_code") and item.get("to_code") and links:
            size = item.get("size")
            entries.append(Entry(str(item["from_code"]), str(item["to_code"]),
                                 str(item.get("package_version", "")), links,
                                 int(size) if isinstance(size, int) else None,
                                 str(item["sha256"]).lower() if item.get("sha256") else None))
    return entries


def choose(entries: list[Entry], pairs: list[tuple[str, str]]) -> tuple[list[Entry], list[str]]:
    """The newest entry for each pair, and the pairs (``"en:sr"``) the index lacks."""
    chosen, missing = [], []
    for source, target in pairs:
        found = [e for e in entries if (e.source, e.target) == (source, target)]
        if found:
            chosen.append(max(found, key=lambda e: version_key(e.version)))
        else:
            missing.append(f"{source}:{target}")
    return chosen, missing
