"""ArgosEngine and argos_models on synthetic, deterministic CTranslate2 packages.

The models come from tests/support/argos_model.py: a hand-weighted
Transformer that maps characters one to one (BG_TO_LATIN) or copies them, so
every output is known exactly. Installing goes through argostranslate's own
install_from_path in a child process; the network is not needed, and the
download test's local index is served over HTTP from this process.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
import time

import pytest

from b40news.translation import argos_models
from b40news.translation.engines import ArgosEngine, EngineError

from .conftest import BG_TO_LATIN, build_argos_package

SEGMENTS = [
    "Кметът на Стара Загора участва в срещата в Загреб.",
    "Информация на ⟦1⟧ и ⟦2⟧.",
    "Щастливи юбилеи, ясни дни!",
]
EXPECTED = [
    "Kmetǎt na Stara Zagora učastva v sreŝata v Zagreb.",
    "Informaciâ na ⟦1⟧ i ⟦2⟧.",
    "Ŝastlivi ûbilei, âsni dni!",
]


def test_install_and_list(tmp_path):
    path = build_argos_package(tmp_path / "build", from_code="bg", to_code="en", char_map=BG_TO_LATIN,
                               package_version="1.2")
    package = argos_models.install_package(path, tmp_path / "packages")
    assert package.pair == ("bg", "en") and package.package_version == "1.2" and package.usable
    assert (tmp_path / "packages" / package.path.name / "model" / "model.bin").is_file()
    assert argos_models.list_packages(tmp_path / "packages") == [package]
    assert argos_models.list_packages(tmp_path / "nowhere") == []


def test_install_rejects_what_is_not_a_package(tmp_path):
    (tmp_path / "notes.argosmodel").write_text("not a zip")
    with pytest.raises(EngineError, match="zip"):
        argos_models.install_package(tmp_path / "notes.argosmodel", tmp_path / "packages")
    with pytest.raises(EngineError, match="no such model file"):
        argos_models.install_package(tmp_path / "missing.argosmodel", tmp_path / "packages")


def test_translate_batch_exact(packages_dir):
    engine = ArgosEngine(packages_dir=packages_dir)
    assert {("bg", "en"), ("en", "el"), ("en", "sr")} <= engine.pairs()
    assert engine.translate_batch(SEGMENTS, "bg", "en") == EXPECTED
    copy = engine.translate_batch(["Hello ⟦1⟧, Zagreb!"], "en", "el")
    assert copy == ["Hello ⟦1⟧, Zagreb!"]


def test_all_segments_go_in_one_ctranslate2_call(packages_dir):
    engine = ArgosEngine(packages_dir=packages_dir, max_batch_size=2)
    translator, _ = engine._load(engine.packages()[("bg", "en")])
    calls = []
    original = translator.translate_batch

    class Spy:  # the real translator, with its calls counted
        def translate_batch(self, tokens, **options):
            calls.append(len(tokens))
            return original(tokens, **options)

    key = next(iter(engine._loaded))
    engine._loaded[key] = (Spy(), engine._loaded[key][1])
    assert engine.translate_batch(SEGMENTS * 3, "bg", "en") == EXPECTED * 3
    assert calls == [3]  # duplicates folded, one call; max_batch_size splits inside CTranslate2


def test_characters_the_model_does_not_know_are_copied_through(packages_dir):
    engine = ArgosEngine(packages_dir=packages_dir)
    translator, _ = engine._load(engine.packages()[("en", "el")])
    calls = []
    original = translator.translate_batch

    class Spy:  # the real translator, with its options recorded
        def translate_batch(self, tokens, **options):
            calls.append((len(tokens), options["replace_unknowns"]))
            return original(tokens, **options)

    key = next(k for k in engine._loaded if engine._loaded[k][0] is translator)
    engine._loaded[key] = (Spy(), engine._loaded[key][1])
    out = engine.translate_batch(["Zagreb ☃ 2026", "Hello Zagreb"], "en", "el")
    assert out == ["Zagreb ☃ 2026", "Hello Zagreb"]
    # Only the row with an unknown piece is decoded again, copying it through.
    assert calls == [(2, False), (1, True)]


def test_long_segments_are_not_cut_at_256(packages_dir):
    engine = ArgosEngine(packages_dir=packages_dir)
    long = " ".join(["Кмет"] * 80)  # 399 characters, one piece each
    assert engine.translate_batch([long], "bg", "en") == [" ".join(["Kmet"] * 80)]


@pytest.mark.parametrize("compute_type", ["int8", "float32", "int16", "float16"])
def test_compute_types_fall_back_when_unsupported(packages_dir, compute_type):
    # This CPU has no int16/float16 kernels: the engine falls back to "default".
    engine = ArgosEngine(packages_dir=packages_dir, compute_type=compute_type, beam_size=1, threads=1)
    assert engine.translate_batch(SEGMENTS[:1], "bg", "en") == EXPECTED[:1]


def test_version_changes_with_package_version(packages_dir, tmp_path):
    engine = ArgosEngine(packages_dir=packages_dir)
    before, pair_before = engine.version(), engine.pair_version("bg", "en")
    other_pair = engine.pair_version("en", "el")
    newer = build_argos_package(tmp_path / "build", from_code="bg", to_code="en", package_version="1.1",
                                char_map=BG_TO_LATIN)
    argos_models.install_package(newer, packages_dir)
    assert engine.packages()[("bg", "en")].package_version == "1.1"  # the highest version wins
    assert engine.pair_version("bg", "en") != pair_before and "1.1" in engine.pair_version("bg", "en")
    assert engine.version() != before
    assert engine.pair_version("en", "el") == other_pair  # other pairs' memory stays valid
    assert engine.translate_batch(SEGMENTS[:1], "bg", "en") == EXPECTED[:1]


def test_reinstalled_package_is_reloaded(packages_dir, tmp_path):
    engine = ArgosEngine(packages_dir=packages_dir)
    assert engine.translate_batch(["Кмет"], "bg", "en") == ["Kmet"]
    # The same folder, now holding a copy model: the fingerprint changes, the translator reloads.
    copy = build_argos_package(tmp_path / "build", from_code="bg", to_code="en", package_version="1.0")
    argos_models.install_package(copy, packages_dir)
    assert engine.translate_batch(["Кмет"], "bg", "en") == ["Кмет"]
    engine.reload()
    assert engine._loaded == {}
    assert engine.translate_batch(["Кмет"], "bg", "en") == ["Кмет"]


def test_cuda_without_gpu_is_unavailable(packages_dir):
    engine = ArgosEngine(packages_dir=packages_dir, device="cuda")
    assert not engine.is_available()
    with pytest.raises(EngineError):
        engine.translate_batch(SEGMENTS, "bg", "en")


def test_bpe_packages_are_listed_but_not_used(packages_dir):
    folder = packages_dir / "translate-bg_tr-1_0"
    shutil.copytree(packages_dir / "translate-en_tr-1_0" / "model", folder / "model")
    (folder / "bpe.model").write_text("#version: 0.2\n")
    (folder / "metadata.json").write_text(json.dumps({"from_code": "bg", "to_code": "tr"}))
    [listed] = [p for p in argos_models.list_packages(packages_dir) if p.pair == ("bg", "tr")]
    assert not listed.usable and "BPE" in listed.problem
    assert ("bg", "tr") not in ArgosEngine(packages_dir=packages_dir).pairs()


def test_download_offline_fails_fast_and_clearly(tmp_path):
    started = time.perf_counter()
    with pytest.raises(EngineError) as error:
        argos_models.download_packages(["bg:en", "en:el"], tmp_path / "packages", timeout=3)
    assert time.perf_counter() - started < 30
    message = str(error.value)
    assert "cannot reach the Argos package index" in message
    assert "network problem" in message and "b40news models install FILE" in message
    assert argos_models.list_packages(tmp_path / "packages") == []


def test_download_from_a_reachable_index(tmp_path):
    served = tmp_path / "served"
    path = build_argos_package(served, from_code="bg", to_code="en", char_map=BG_TO_LATIN)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        index = [{"from_code": "bg", "to_code": "en", "package_version": "1.0", "type": "translate",
                  "links": [base + path.name]}]
        (served / "index.json").write_text(json.dumps(index))
        assert argos_models.download_packages(["bg:en"], tmp_path / "packages", index_url=base) == ["bg:en"]
        engine = ArgosEngine(packages_dir=tmp_path / "packages")
        assert engine.translate_batch(SEGMENTS, "bg", "en") == EXPECTED
        with pytest.raises(EngineError, match="not in the Argos package index: en:el"):
            argos_models.download_packages([("en", "el")], tmp_path / "packages", index_url=base)
    finally:
        server.shutdown()
        server.server_close()


def test_download_needs_pairs(tmp_path):
    with pytest.raises(EngineError, match="SOURCE:TARGET"):
        argos_models.download_packages(["bg-en"], tmp_path)
