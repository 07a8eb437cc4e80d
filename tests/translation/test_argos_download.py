"""Downloading Argos packages from a local mirror of the index, all or none.

The mirror is an HTTP server on 127.0.0.1 (http.server in a thread) serving an
``index.json`` and the deterministic test packages under the real file names
(``translate-bg_en-1_9.argosmodel``). It can cut a file after N bytes (the
connection closes half-way) or go silent, so the failure paths run for real.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from b40news.translation import argos_download, argos_index, argos_models
from b40news.translation.engines import ArgosEngine, EngineError

from .conftest import BG_TO_LATIN, build_argos_package

PAIRS = {("bg", "en"): ("1.9", BG_TO_LATIN), ("en", "el"): ("1.9", None), ("en", "tr"): ("1.5", None)}


class Mirror:
    """An Argos index and its files on 127.0.0.1, with faults on request."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cut_after: dict[str, int] = {}  # file name -> bytes sent before the connection closes
        self.silent: dict[str, float] = {}  # file name -> seconds of silence after 100 bytes
        self.requests: list[str] = []
        handler = functools.partial(_Handler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.mirror = self
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.index_url = self.base + "index.json"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def write_index(self, entries: list[dict]) -> None:
        (self.root / "index.json").write_text(json.dumps(entries))

    def entry(self, source: str, target: str, version: str, *, link: str | None = None, checks=False) -> dict:
        name = argos_index.file_name(source, target, version)
        entry = {"package_version": version, "argos_version": "1.0", "from_code": source, "to_code": target,
                 "code": f"translate-{source}_{target}", "links": [link or self.base + name]}
        if checks:
            data = (self.root / name).read_bytes()
            entry.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        return entry


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        mirror = self.server.mirror
        name = self.path.lstrip("/")
        mirror.requests.append(name)
        if name not in mirror.cut_after and name not in mirror.silent:
            return super().do_GET()
        data = (mirror.root / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: mirror.cut_after.get(name, 100)])
        self.wfile.flush()
        time.sleep(mirror.silent.get(name, 0))
        self.close_connection = True  # the server closes the socket: the rest never comes


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> list[Path]:
    """The test packages under the names the index serves (``translate-bg_en-1_9.argosmodel``)."""
    folder = tmp_path_factory.mktemp("argos-built")
    files = []
    for (source, target), (version, char_map) in PAIRS.items():
        path = build_argos_package(folder / "build", from_code=source, to_code=target,
                                   package_version=version, char_map=char_map)
        files.append(path.rename(folder / argos_index.file_name(source, target, version)))
    return files


@pytest.fixture
def mirror(tmp_path, built):
    served = Mirror(tmp_path / "mirror")
    served.root.mkdir()
    for path in built:
        shutil.copy(path, served.root / path.name)
    served.write_index([served.entry(s, t, v) for (s, t), (v, _) in PAIRS.items()])
    served.thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()


def contents(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_download_two_packages_from_a_mirror(mirror, tmp_path):
    packages = tmp_path / "packages"
    said = []
    installed = argos_download.download_packages(["bg:en", "en:el"], packages, index_url=mirror.index_url,
                                                 progress=said.append)
    assert [(p.pair, p.package_version) for p in installed] == [(("bg", "en"), "1.9"), (("en", "el"), "1.9")]
    assert said == ["downloading bg:en 1.9 (translate-bg_en-1_9.argosmodel)",
                    "downloading en:el 1.9 (translate-en_el-1_9.argosmodel)"]
    assert contents(packages) == ["translate-bg_en-1_9", "translate-en_el-1_9"]  # no temporary files
    assert ArgosEngine(packages_dir=packages).translate_batch(["Кметът дойде."], "bg", "en") == ["Kmetǎt dojde."]
    assert mirror.requests == ["index.json", "translate-bg_en-1_9.argosmodel", "translate-en_el-1_9.argosmodel"]


def test_a_folder_url_relative_links_and_checksums(mirror, tmp_path):
    entry = mirror.entry("bg", "en", "1.9", link="translate-bg_en-1_9.argosmodel", checks=True)
    entry["links"] = ["ipfs://QmNotFetched", *entry["links"]]
    mirror.write_index([entry])
    # A folder URL, as ARGOS_PACKAGE_INDEX is written, means its index.json.
    [package] = argos_download.download_packages([("bg", "en")], tmp_path / "packages", index_url=mirror.base)
    assert package.pair == ("bg", "en")
    assert mirror.requests == ["index.json", "translate-bg_en-1_9.argosmodel"]


@pytest.mark.parametrize("cut", ["translate-bg_en-1_9.argosmodel", "translate-en_el-1_9.argosmodel"])
def test_a_download_cut_half_way_installs_nothing_and_a_second_run_succeeds(mirror, tmp_path, cut):
    packages = tmp_path / "packages"
    size = (mirror.root / cut).stat().st_size
    mirror.cut_after[cut] = size // 2
    with pytest.raises(EngineError) as error:
        argos_download.download_packages(["bg:en", "en:el"], packages, index_url=mirror.index_url)
    message = str(error.value)
    pair = "bg:en" if "bg_en" in cut else "en:el"
    assert message.startswith(f"downloading {pair} ({cut}) failed: {mirror.base}{cut}: "
                              f"the connection closed after {size // 2} of {size} bytes; nothing was installed")
    if pair == "en:el":
        assert "(bg:en downloaded, not installed)" in message
    assert "run the command again" in message and "b40news models install FILE" in message
    assert contents(packages) == []  # no package, no half package, no temporary file
    assert argos_models.list_packages(packages) == []

    del mirror.cut_after[cut]
    installed = argos_download.download_packages(["bg:en", "en:el"], packages, index_url=mirror.index_url)
    assert [p.pair for p in installed] == [("bg", "en"), ("en", "el")]
    assert contents(packages) == ["translate-bg_en-1_9", "translate-en_el-1_9"]


def test_a_silent_server_times_out_per_file(mirror, tmp_path):
    mirror.silent["translate-en_el-1_9.argosmodel"] = 3
    with pytest.raises(EngineError, match=r"downloading en:el .*: no data for 0\.5 s; nothing was installed"):
        argos_download.download_packages(["bg:en", "en:el"], tmp_path / "packages",
                                         index_url=mirror.index_url, timeout=0.5)
    assert contents(tmp_path / "packages") == []  # (the server would have answered after 3 s: the timeout cut it)


def test_a_checksum_that_differs_installs_nothing(mirror, tmp_path):
    entry = mirror.entry("en", "el", "1.9", checks=True)
    entry["sha256"] = "0" * 64
    mirror.write_index([mirror.entry("bg", "en", "1.9"), entry])
    with pytest.raises(EngineError, match="en:el .*SHA-256 [0-9a-f]{64} differs from the index's 0{64}"):
        argos_download.download_packages(["bg:en", "en:el"], tmp_path / "packages", index_url=mirror.index_url)
    assert contents(tmp_path / "packages") == []


def test_a_file_holding_another_pair_is_refused(mirror, tmp_path):
    wrong = mirror.entry("en", "el", "1.9", link=mirror.base + "translate-en_tr-1_5.argosmodel")
    mirror.write_index([wrong])
    with pytest.raises(EngineError, match=r"argosmodel: translate-en_el-1_9\.argosmodel holds en:tr, not en:el"):
        argos_download.download_packages(["en:el"], tmp_path / "packages", index_url=mirror.index_url)
    assert contents(tmp_path / "packages") == []


def test_links_are_tried_in_turn(mirror, tmp_path):
    entry = mirror.entry("en", "tr", "1.5")
    entry["links"] = [mirror.base + "gone.argosmodel", *entry["links"]]
    mirror.write_index([entry])
    [package] = argos_download.download_packages(["en:tr"], tmp_path / "packages", index_url=mirror.index_url)
    assert package.pair == ("en", "tr") and package.package_version == "1.5"
    assert mirror.requests == ["index.json", "gone.argosmodel", "translate-en_tr-1_5.argosmodel"]


def test_a_pair_the_index_lacks_is_named_before_anything_is_fetched(mirror, tmp_path):
    with pytest.raises(EngineError) as error:
        argos_download.download_packages(["bg:en", "en:sr"], tmp_path / "packages", index_url=mirror.index_url)
    assert str(error.value) == (f"not in the Argos package index {mirror.index_url}: en:sr; nothing was "
                                "downloaded. It has bg:en, en:el, en:tr")
    assert mirror.requests == ["index.json"]


def test_an_unreachable_index_fails_fast_and_says_what_to_do(tmp_path):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/index.json"
    with pytest.raises(EngineError) as error:
        argos_download.download_packages(["bg:en"], tmp_path / "packages", index_url=url, timeout=3)
    message = str(error.value)
    assert message.startswith(f"cannot read the Argos package index {url} (network problem: ")
    assert "B40NEWS_ARGOS_INDEX_URL" in message and "b40news models install FILE" in message


@pytest.mark.parametrize("codes", [["bg-en"], ["bg:en:el"], [""], []])
def test_download_needs_pairs(tmp_path, codes):
    with pytest.raises(EngineError, match="SOURCE:TARGET"):
        argos_download.download_packages(codes, tmp_path)


def test_index_reading():
    entries = argos_index.read_index([
        {"from_code": "bg", "to_code": "en", "package_version": "1.9", "links": ["b.argosmodel"]},
        {"from_code": "bg", "to_code": "en", "package_version": "1.10", "links": ["c.argosmodel"]},
        {"from_code": "en", "to_code": "el", "package_version": "1.9", "links": ["ipfs://only"]},
        {"type": "sbd", "from_code": "bg", "to_code": "", "links": ["https://x/sbd.argosmodel"]},
    ], "https://mirror.example/argos/index.json")
    assert [(e.pair, e.version, e.links) for e in entries] == [
        ("bg:en", "1.9", ("https://mirror.example/argos/b.argosmodel",)),
        ("bg:en", "1.10", ("https://mirror.example/argos/c.argosmodel",)),
    ]
    chosen, missing = argos_index.choose(entries, [("bg", "en"), ("en", "el")])
    assert [e.version for e in chosen] == ["1.10"] and missing == ["en:el"]
    assert argos_index.file_name("bg", "en") == "translate-bg_en-1_9.argosmodel"
    assert argos_index.file_name("en", "tr") == "translate-en_tr-1_5.argosmodel"
    assert argos_index.file_name("bg", "hr") == "translate-bg_hr-*.argosmodel"
    with pytest.raises(ValueError):
        argos_index.read_index({"not": "a list"}, "x")
