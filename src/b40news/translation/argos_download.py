"""Download Argos packages from an index (the public one or a mirror): all or none.

``download_packages(["bg:en", "en:el"], packages_dir, index_url=...)`` reads the
index, picks the newest package of each pair (every pair must be there before
anything is fetched), downloads each file to a temporary file in the packages
folder, checks it (size and SHA-256 when the index gives them, the length the
server announced, the archive itself and that it holds the pair asked for),
and only when every file is complete installs them together
(:func:`argos_models.install_packages`: atomic, rolled back as a whole). When
any file fails, nothing is installed, the temporary files are removed and the
:class:`EngineError` names the package, the link and why; running the command
again starts afresh.

``timeout`` is per file, and counts the seconds the server may stay silent
(connecting, or between two reads): a large model on a slow but working link
takes as long as it takes; a stalled one fails after ``timeout`` seconds. No
overall budget. Links may be ``http(s)://`` or ``file://`` (a mirror on disk);
a mirror's ``index.json`` may name its files relative to itself.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import tempfile
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from b40news.translation import argos_index, argos_models
from b40news.translation.argos_index import Entry
from b40news.translation.engines.base import EngineError

USER_AGENT = "b40news (argos package download)"
CHUNK = 1 << 16
MANUAL = ("or copy the .argosmodel files to this machine and run "
          "`b40news models install FILE…`")


def index_location(url: str) -> str:
    """A folder URL (``…/argospm-index/main/``, as ``ARGOS_PACKAGE_INDEX``) means its ``index.json``."""
    return url + "index.json" if url.endswith("/") else url


def _open(url: str, timeout: float):
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    return urllib.request.urlopen(request, timeout=timeout)


def fetch_index(index_url: str, timeout: float) -> list[Entry]:
    url = index_location(index_url)
    try:
        with _open(url, timeout) as response:
            data = json.loads(response.read())
        return argos_index.read_index(data, url)
    except (OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", None) or error
        raise EngineError(f"cannot read the Argos package index {url} (network problem: {reason}); "
                          f"set B40NEWS_ARGOS_INDEX_URL to a mirror, {MANUAL}") from None
    except ValueError as error:
        raise EngineError(f"the Argos package index {url} is not a package index: {error}") from None


def _fetch_to(entry: Entry, link: str, file, timeout: float) -> None:
    """Stream ``link`` into ``file``, checking the announced length, size and checksum."""
    digest, received = hashlib.sha256(), 0
    with _open(link, timeout) as response:
        announced = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        while chunk := response.read(CHUNK):
            file.write(chunk)
            digest.update(chunk)
            received += len(chunk)
    file.flush()
    expected = int(announced) if announced and announced.isdigit() else entry.size
    if expected is not None and received != expected:
        raise EngineError(f"the connection closed after {received} of {expected} bytes")
    if entry.size is not None and received != entry.size:
        raise EngineError(f"{received} bytes, the index says {entry.size}")
    if entry.sha256 and digest.hexdigest() != entry.sha256:
        raise EngineError(f"SHA-256 {digest.hexdigest()} differs from the index's {entry.sha256}")


def _download(entry: Entry, root: Path, timeout: float) -> argos_models.Archive:
    """One package into a checked temporary file in ``root``; every link is tried in turn."""
    problems = []
    for link in entry.links:
        handle = tempfile.NamedTemporaryFile(dir=root, prefix=f"{argos_models.STAGING_PREFIX}download-",
                                             suffix=f"-{entry.file_name}.part", delete=False)
        try:
            with handle:
                _fetch_to(entry, link, handle, timeout)
            return argos_models.check_archive(handle.name, (entry.source, entry.target), entry.file_name)
        except BaseException as error:  # interrupted too: no temporary file stays behind
            Path(handle.name).unlink(missing_ok=True)
            if not isinstance(error, (OSError, http.client.HTTPException, EngineError)):
                raise
            reason = getattr(error, "reason", None) or error
            if isinstance(error, TimeoutError) or "timed out" in str(reason):
                reason = f"no data for {timeout:g} s"
            problems.append(f"{link}: {reason}")
    raise EngineError("; ".join(problems))


def download_packages(codes: Iterable[str | tuple[str, str]], packages_dir: str | Path, *,
                      index_url: str = argos_index.PUBLIC_INDEX_URL, timeout: float = 60,
                      progress: Callable[[str], None] | None = None) -> list[argos_models.ArgosPackage]:
    """Download and install the packages of ``codes`` (``"bg:en"``), all or none."""
    try:
        pairs = argos_index.parse_pairs(codes)
    except ValueError as error:
        raise EngineError(str(error)) from None
    if not pairs:
        raise EngineError("give pairs as SOURCE:TARGET, e.g. bg:en")
    entries = fetch_index(index_url, timeout)
    chosen, missing = argos_index.choose(entries, pairs)
    if missing:
        offered = sorted({e.pair for e in entries})
        raise EngineError(f"not in the Argos package index {index_location(index_url)}: "
                          f"{', '.join(missing)}; nothing was downloaded. It has "
                          f"{', '.join(offered) or 'no translate packages'}")
    root = Path(packages_dir)
    root.mkdir(parents=True, exist_ok=True)
    archives: list[argos_models.Archive] = []
    try:
        for entry in chosen:
            if progress:
                progress(f"downloading {entry.pair} {entry.version} ({entry.file_name})")
            try:
                archives.append(_download(entry, root, timeout))
            except EngineError as error:
                done = [a.pair for a in archives]
                kept = (f" ({', '.join(':'.join(p) for p in done)} downloaded, not installed)"
                        if done else "")
                raise EngineError(f"downloading {entry.pair} ({entry.file_name}) failed: {error}; "
                                  f"nothing was installed{kept}; run the command again, "
                                  f"{MANUAL}") from None
        return argos_models.install_packages(archives, root)
    finally:
        for archive in archives:
            os.unlink(archive.path)
