"""ArgosEngine and argos_models on synthetic, deterministic CTranslate2 packages.

The models come from tests/support/argos_model.py: a hand-weighted
Transformer that maps characters one to one (BG_TO_LATIN) or copies them, so
every output is known exactly. Installing is checked and atomic
(argos_models); downloading from an index is tested in test_argos_download.
"""

from __future__ import annotations

import json
import shutil

import pytest

from b40news.translation import argos_models
from b40news.translation.engines import ArgosEngine, EngineError

from .conftest import BG_TO_LATIN, PLACEHOLDER_FAULTS, build_argos_package

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


def test_install_replaces_an_older_install_of_the_same_folder_atomically(tmp_path, monkeypatch):
    packages = tmp_path / "packages"
    old = argos_models.install_package(
        build_argos_package(tmp_path / "old", from_code="bg", to_code="en", char_map=BG_TO_LATIN), packages)
    copy_model = build_argos_package(tmp_path / "new", from_code="bg", to_code="en")  # same folder name
    other = build_argos_package(tmp_path / "new", from_code="en", to_code="el")
    real = argos_models.zipfile.ZipFile.extractall

    def disk_full(self, path=None, *args, **kwargs):
        if "en_el" in str(self.filename):
            raise OSError(28, "No space left on device")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(argos_models.zipfile.ZipFile, "extractall", disk_full)
    with pytest.raises(EngineError, match="nothing installed: .*No space left on device"):
        argos_models.install_packages([copy_model, other], packages)
    assert sorted(p.name for p in packages.iterdir()) == ["translate-bg_en-1_0"]  # no staging left
    assert argos_models.list_packages(packages) == [old]
    assert ArgosEngine(packages_dir=packages).translate_batch(["Кмет"], "bg", "en") == ["Kmet"]  # the old one
    monkeypatch.undo()
    argos_models.install_packages([copy_model, other], packages)
    assert ArgosEngine(packages_dir=packages).translate_batch(["Кмет"], "bg", "en") == ["Кмет"]  # replaced


def test_install_refuses_archives_that_leave_their_folder(tmp_path):
    import zipfile

    bad = tmp_path / "evil.argosmodel"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("translate-bg_en-1_0/metadata.json", json.dumps({"from_code": "bg", "to_code": "en"}))
        archive.writestr("translate-bg_en-1_0/../../outside.txt", "x")
    with pytest.raises(EngineError, match="leaves its folder"):
        argos_models.install_package(bad, tmp_path / "packages")
    assert not (tmp_path / "outside.txt").exists()


FAULTY = ["Кметът на ⟦0⟧ посрещна ⟦1⟧ и ⟦2⟧ в ⟦3⟧ на ⟦4⟧.", "Без имена.", "Писмо до ⟦5⟧ и ⟦12⟧."]


def test_placeholders_the_model_gets_wrong_are_repaired_along_its_attention(tmp_path):
    model = build_argos_package(tmp_path / "build", from_code="bg", to_code="en", char_map=BG_TO_LATIN,
                                piece_map=PLACEHOLDER_FAULTS)
    argos_models.install_package(model, tmp_path / "packages")
    engine = ArgosEngine(packages_dir=tmp_path / "packages")
    translator, tokenizer = engine._load(engine.packages()[("bg", "en")])
    raw = [tokenizer.decode_pieces(r.hypotheses[0])
           for r in translator.translate_batch([tokenizer.encode(s, out_type=str) for s in FAULTY])]
    # What the model itself writes: ⟦1⟧ and ⟦2⟧ swapped, ⟦3⟧ gone, ⟦4⟧ twice.
    assert raw == ["Kmetǎt na ⟦0⟧ posreŝna ⟦2⟧ i ⟦1⟧ v   na ⟦4⟧ ⟦4⟧.", "Bez imena.", "Pismo do ⟦5⟧ i ⟦12⟧."]

    calls = []

    class Spy:  # the real translator, with its calls recorded
        def translate_batch(self, tokens, **options):
            calls.append((len(tokens), options["replace_unknowns"], options["return_attention"]))
            return translator.translate_batch(tokens, **options)

    key = next(iter(engine._loaded))
    engine._loaded[key] = (Spy(), tokenizer)
    outputs = engine.translate_detailed(FAULTY, "bg", "en")
    assert [o.text for o in outputs] == [
        "Kmetǎt na ⟦0⟧ posreŝna ⟦1⟧ i ⟦2⟧ v ⟦3⟧ na ⟦4⟧.", "Bez imena.", "Pismo do ⟦5⟧ i ⟦12⟧."]
    assert [[(f.token, f.problem, f.how, f.written) for f in o.repairs] for o in outputs] == [
        [("⟦1⟧", "renumbered", "alignment", "⟦2⟧"), ("⟦2⟧", "renumbered", "alignment", "⟦1⟧"),
         ("⟦4⟧", "repeated", "alignment", "2"), ("⟦3⟧", "dropped", "alignment", "")],
        [],
        [],
    ]
    # Only the row whose placeholders came back wrong is decoded again, with attention.
    assert calls == [(3, False, False), (1, True, True)]
