"""Argos Translate model packages on this machine: read, list, check, install.

Everything is read from each package's ``metadata.json``, without importing
``argostranslate`` (it reads ``ARGOS_PACKAGES_DIR`` and friends once, at its
first import, and keeps global caches). Installing is what argostranslate's
``install_from_path`` does (unzip the ``.argosmodel`` into the packages
folder), done here so that it is checked and atomic: every archive is checked
first (a zip whose members pass their CRC, one top folder with a translate
``metadata.json``, no path leaving that folder), then unpacked into a staging
folder inside the packages folder and moved into place with one rename each.
If anything fails, every package of the call is rolled back (a replaced older
install comes back) and nothing is left behind. Downloading lives in
:mod:`b40news.translation.argos_download`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from b40news.translation.argos_index import version_key
from b40news.translation.engines.base import EngineError

STAGING_PREFIX = ".b40news-"  # temporary files and folders in the packages folder


@dataclass(frozen=True)
class ArgosPackage:
    path: Path
    from_code: str
    to_code: str
    package_version: str
    target_prefix: str = ""
    problem: str = ""  # why the engine cannot use it; "" when usable

    @property
    def pair(self) -> tuple[str, str]:
        return (self.from_code, self.to_code)

    @property
    def usable(self) -> bool:
        return not self.problem

    def fingerprint(self) -> str:
        """Changes with the metadata or the model files (size and mtime)."""
        digest = hashlib.sha256((self.path / "metadata.json").read_bytes())
        for name in ("model/model.bin", "sentencepiece.model"):
            file = self.path / name
            if file.is_file():
                stat = file.stat()
                digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        return digest.hexdigest()[:12]


def read_package(path: Path) -> ArgosPackage | None:
    """The package installed in ``path``, or None if it is not one."""
    try:
        meta = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("type", "translate") != "translate" or not meta.get("from_code"):
        return None
    problem = ""
    if not (path / "model" / "model.bin").is_file():
        problem = "no CTranslate2 model (model/model.bin)"
    elif not (path / "sentencepiece.model").is_file():
        problem = "no sentencepiece.model (BPE packages are not supported)"
    return ArgosPackage(path, meta["from_code"], meta.get("to_code", ""),
                        str(meta.get("package_version", "")),
                        meta.get("target_prefix") or "", problem)


def list_packages(packages_dir: str | Path) -> list[ArgosPackage]:
    """Every Argos translate package installed in ``packages_dir``, sorted."""
    root = Path(packages_dir)
    if not root.is_dir():
        return []
    found = (read_package(child) for child in root.iterdir() if child.is_dir())
    return sorted((p for p in found if p), key=lambda p: (p.pair, version_key(p.package_version)))




@dataclass(frozen=True)
class Archive:
    """A checked ``.argosmodel``: its top folder and its metadata."""

    path: Path
    top: str
    metadata: dict

    @property
    def pair(self) -> tuple[str, str]:
        return (str(self.metadata.get("from_code") or ""), str(self.metadata.get("to_code") or ""))


def check_archive(path: str | Path, pair: tuple[str, str] | None = None, name: str = "") -> Archive:
    """``path`` checked as an Argos translate package (for ``pair``, if given);
    :class:`EngineError` saying what is wrong (about ``name``, if given) otherwise."""
    path = Path(path)
    label = name or path.name
    if not path.is_file():
        raise EngineError(f"no such model file: {path}")
    if not zipfile.is_zipfile(path):
        raise EngineError(f"{label} is not an Argos model (.argosmodel is a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            broken = archive.testzip()
            tops = {member.split("/", 1)[0] for member in names if member.strip("/")}
            top = next(iter(tops)) if len(tops) == 1 else ""
            if broken is not None:
                raise EngineError(f"{label} is damaged ({broken} fails its checksum)")
            if not top or f"{top}/metadata.json" not in names:
                raise EngineError(f"{label}: expected one folder holding metadata.json")
            metadata = json.loads(archive.read(f"{top}/metadata.json"))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise EngineError(f"{label} cannot be read as an Argos model: {error}") from None
    unsafe = [n for n in names if PurePosixPath(n).is_absolute() or ".." in PurePosixPath(n).parts]
    if unsafe or top in (".", "..") or top.startswith(STAGING_PREFIX):
        raise EngineError(f"{label}: refused, member {(unsafe or [top])[0]!r} leaves its folder")
    found = Archive(path, top, metadata if isinstance(metadata, dict) else {})
    if found.metadata.get("type", "translate") != "translate" or not all(found.pair):
        raise EngineError(f"{label} holds no translate package (metadata.json has no from_code/to_code)")
    if pair and found.pair != tuple(pair):
        raise EngineError(f"{label} holds {':'.join(found.pair)}, not {':'.join(pair)}")
    return found


def install_package(path: str | Path, packages_dir: str | Path) -> ArgosPackage:
    """Install one ``.argosmodel`` file into ``packages_dir``; return it."""
    return install_packages([path], packages_dir)[0]


def install_packages(paths: list, packages_dir: str | Path) -> list[ArgosPackage]:
    """Install ``.argosmodel`` files (or checked :class:`Archive` s) all or none."""
    archives = [p if isinstance(p, Archive) else check_archive(p) for p in paths]
    tops = [archive.top for archive in archives]
    if len(set(tops)) != len(tops):
        raise EngineError(f"two of the files unpack into the same folder: {', '.join(tops)}")
    root = Path(packages_dir)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}install-", dir=root))
    done: list[tuple[Path, Path | None]] = []  # (installed folder, the older install it replaced)
    try:
        for archive in archives:
            with zipfile.ZipFile(archive.path) as opened:
                opened.extractall(staging / "new")
        for top in tops:
            final, backup = root / top, None
            if final.exists():
                backup = staging / "old" / top
                backup.parent.mkdir(exist_ok=True)
                final.rename(backup)
            done.append((final, backup))
            (staging / "new" / top).rename(final)
    except BaseException as error:
        for final, backup in reversed(done):
            if final.exists():
                shutil.rmtree(final)
            if backup is not None:
                backup.rename(final)
        if isinstance(error, OSError):
            raise EngineError(f"installing into {root} failed, nothing installed: {error}") from error
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    installed = [read_package(root / top) for top in tops]
    return [package for package in installed if package is not None]
