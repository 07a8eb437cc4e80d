"""The glossary as YAML files, ``<kind>s.yaml``, reviewable in a diff: the seed
shipped in ``seed/`` and the import/export format (``b40news glossary export
--format yaml DIR``, ``import DIR``, ``load-seed DIR``). The glossary itself
lives in the database (``database.py``); nothing at run time writes these files.

One file per kind (:data:`~b40news.glossary.entries.KINDS`), each a YAML list
of entries sorted by id, fields in a fixed order, one target language per
line in the network's order. :func:`dump` writes exactly what :func:`load`
reads back, so ``dump(load(d), d)`` leaves a clean tree unchanged.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import yaml

from b40news.glossary.entries import KINDS, Entry, Glossary, GlossaryError
from b40news.glossary.schema import entry_from_dict, entry_to_dict

_FILE_KINDS = {file: kind for kind, file in KINDS.items()}
HEADER = (
    "# b40news glossary: {kind} entries. One entry per item, sorted by id.\n"
    "# Fields: id, bg, variants, targets (every network language), do_not_translate,\n"
    "# case_sensitive, note, status (approved|proposed|rejected), approved_by,\n"
    "# approved_at, replaces. Inflected forms of bg are matched without listing them.\n"
    "# do_not_translate entries list no targets: bg is their text in every language.\n"
)


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, data: list):
    flow = all(isinstance(item, str) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def load(directory: Path | str) -> Glossary:
    """Every entry of every ``*.yaml`` file in ``directory``.

    Raises :class:`GlossaryError` naming the file, the entry and the field.
    Duplicate ids are kept (``lint`` reports them).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise GlossaryError("no such glossary directory", file=str(directory))
    entries: list[Entry] = []
    for path in sorted(directory.glob("*.yaml")):
        entries.extend(load_file(path))
    return Glossary(tuple(entries))


def load_file(path: Path) -> list[Entry]:
    name = path.name
    kind = _FILE_KINDS.get(name)
    if kind is None:
        raise GlossaryError(f"unknown glossary file; expected one of {', '.join(_FILE_KINDS)}",
                            file=name)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise GlossaryError(f"not valid YAML{where}: {problem}", file=name) from error
    if data is None:
        return []
    if not isinstance(data, list):
        raise GlossaryError("the file must hold a list of entries", file=name)
    return [entry_from_dict(item, file=name, index=i, kind=kind) for i, item in enumerate(data)]


def dumps_kind(entries: list[Entry], kind: str) -> str:
    """The text of one kind's file."""
    out = [HEADER.format(kind=kind)]
    ordered = sorted(entries, key=lambda e: e.id)
    if not ordered:
        out.append("[]\n")
    for entry in ordered:
        out.append("\n")
        out.append(yaml.dump(
            [entry_to_dict(entry)], Dumper=_Dumper, allow_unicode=True, sort_keys=False,
            default_flow_style=False, width=4096,
        ))
    return "".join(out)


def dump(glossary: Glossary, directory: Path | str) -> None:
    """Write every kind's file; a kind's file that exists but has no entries
    left is written as an empty list rather than deleted.

    A file whose text is unchanged is not touched (readers that watch
    modification times see no change); a changed one is written to a
    temporary file and renamed over the old one, so a reader in another
    process never sees half a file.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for kind, file in KINDS.items():
        entries = [e for e in glossary.entries if e.kind == kind]
        path = directory / file
        if not entries and not path.exists():
            continue
        text = dumps_kind(entries, kind)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        temporary = path.with_name(f".{file}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
