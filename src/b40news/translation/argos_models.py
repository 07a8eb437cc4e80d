"""Argos Translate model packages: list, install, download.

Reading is done here, from each package's ``metadata.json``, without importing
``argostranslate``: that library reads ``ARGOS_PACKAGES_DIR`` and friends once,
at its first import, and keeps global caches. Installing and downloading go
through argostranslate's own code, but in a child process (``python -c``) whose
environment points it at ``packages_dir`` and at a throw-away home, so this
process never imports it and two calls with different folders cannot mix.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from b40news.translation.engines.base import EngineError

INSTALL_SCRIPT = """
import sys
from pathlib import Path
import argostranslate.package as package
for path in sys.argv[1:]:
    package.install_from_path(Path(path))
"""

DOWNLOAD_SCRIPT = """
import json, socket, sys, urllib.request
socket.setdefaulttimeout(float(sys.argv[1]))
import argostranslate.package as package, argostranslate.settings as settings
def answer(**data):
    print(json.dumps(data)); sys.exit(0)
package.update_package_index()  # logs and returns on failure; find out why
if not settings.local_package_index.exists():
    try:
        urllib.request.urlopen(settings.remote_package_index).close()
        reason = "the index could not be saved"
    except Exception as error:
        reason = str(error)
    answer(error="index", url=settings.remote_package_index, reason=reason)
available = [p for p in package.get_available_packages() if p.type == "translate"]
chosen, missing = [], []
for source, target in json.loads(sys.argv[2]):
    found = [p for p in available if (p.from_code, p.to_code) == (source, target)]
    if not found:
        missing.append(f"{source}:{target}")
    else:
        chosen.append(max(found, key=lambda p: [int(x) for x in p.package_version.split(".") if x.isdigit()]))
if missing:
    pairs = sorted(f"{p.from_code}:{p.to_code}" for p in available)
    answer(error="missing", missing=missing, available=pairs)
for pkg in chosen:
    try:
        package.install_from_path(pkg.download())
    except Exception as error:
        answer(error="download", package=f"{pkg.from_code}:{pkg.to_code}", links=pkg.links, reason=str(error))
answer(installed=[f"{p.from_code}:{p.to_code}" for p in chosen])
"""


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


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


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


def package_file_name(source: str, target: str) -> str:
    return f"translate-{source}_{target}.argosmodel"


def install_package(path: str | Path, packages_dir: str | Path, *, timeout: float = 300) -> ArgosPackage:
    """Install one ``.argosmodel`` file into ``packages_dir``; return it."""
    return install_packages([path], packages_dir, timeout=timeout)[0]


def install_packages(paths: list[str | Path], packages_dir: str | Path, *,
                     timeout: float = 300) -> list[ArgosPackage]:
    """Install ``.argosmodel`` files (checked first, then one argostranslate run)."""
    files = [Path(path).resolve() for path in paths]
    tops = [_package_folder(file) for file in files]
    packages_dir = Path(packages_dir).resolve()
    _run_argos(INSTALL_SCRIPT, [str(file) for file in files], packages_dir, timeout)
    installed = []
    for file, top in zip(files, tops):
        package = read_package(packages_dir / top)
        if package is None:
            raise EngineError(f"{file.name} installed but holds no translate package")
        installed.append(package)
    return installed


def _package_folder(path: Path) -> str:
    """The one top folder of a valid ``.argosmodel``; EngineError otherwise."""
    if not path.is_file():
        raise EngineError(f"no such model file: {path}")
    if not zipfile.is_zipfile(path):
        raise EngineError(f"{path.name} is not an Argos model (.argosmodel is a zip archive)")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    tops = {name.split("/", 1)[0] for name in names if name.strip("/")}
    if len(tops) != 1 or f"{next(iter(tops))}/metadata.json" not in names:
        raise EngineError(f"{path.name}: expected one folder holding metadata.json")
    return tops.pop()


def download_packages(codes: list[str] | list[tuple[str, str]], packages_dir: str | Path, *,
                      index_url: str | None = None, timeout: float = 10) -> list[str]:
    """Download and install packages (``"en:el"`` or ``("en", "el")``) from the
    Argos package index; return the pairs installed. Fails fast with an
    :class:`EngineError` when the index cannot be reached."""
    pairs = [tuple(c.split(":")) if isinstance(c, str) else tuple(c) for c in codes]
    if not pairs or any(len(pair) != 2 or not all(pair) for pair in pairs):
        raise EngineError(f"give pairs as SOURCE:TARGET, e.g. bg:en (got {codes!r})")
    extra = {"ARGOS_PACKAGE_INDEX": index_url.rstrip("/") + "/"} if index_url else {}
    result = _run_argos(DOWNLOAD_SCRIPT, [str(timeout), json.dumps(pairs)],
                        Path(packages_dir), timeout * 4 + 60, extra)
    manual = "copy the .argosmodel files to this machine and run `b40news models install FILE`"
    if result.get("error") == "index":
        raise EngineError(f"cannot reach the Argos package index {result['url']} "
                          f"(network problem: {result['reason']}); {manual}")
    if result.get("error") == "missing":
        raise EngineError(f"not in the Argos package index: {', '.join(result['missing'])}; "
                          f"it has {', '.join(result['available']) or 'nothing'}")
    if result.get("error") == "download":
        raise EngineError(f"downloading {result['package']} from {', '.join(result['links'])} "
                          f"failed ({result['reason']}); {manual}")
    return list(result["installed"])


def _run_argos(script: str, args: list[str], packages_dir: Path, timeout: float,
               extra_env: dict[str, str] | None = None) -> dict:
    packages_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="b40news-argos-") as home:
        env = {key: value for key, value in os.environ.items() if not key.startswith("ARGOS_")}
        env.update(ARGOS_PACKAGES_DIR=str(packages_dir), HOME=home, XDG_DATA_HOME=f"{home}/data",
                   XDG_CONFIG_HOME=f"{home}/config", XDG_CACHE_HOME=f"{home}/cache",
                   **(extra_env or {}))
        try:
            done = subprocess.run([sys.executable, "-c", script, *args], env=env,
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise EngineError(f"argostranslate did not finish in {timeout:.0f} s") from error
    if done.returncode != 0:
        raise EngineError(f"argostranslate failed: {done.stderr.strip()[-800:]}")
    lines = done.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1]) if lines else {}
    except ValueError:
        return {}
