"""Tests of the synthetic argostranslate package built by tests/support/argos_model.py.

argostranslate reads ARGOS_PACKAGES_DIR, XDG_DATA_HOME, XDG_CONFIG_HOME and
XDG_CACHE_HOME once, when ``argostranslate.settings`` is first imported.  Two ways
are used here:

* in-process (fixture ``argos_package``): the variables are set with monkeypatch
  and argostranslate is imported inside the fixture, after them.  If another test
  imported argostranslate earlier in the same process, its settings are already
  frozen, so the fixture also points ``settings.package_data_dir`` and
  ``settings.package_dirs`` (read at call time by install_from_path and
  get_installed_packages) at the temporary folder.
* in a subprocess (``test_install_in_a_fresh_process``): a clean first import
  with only the environment variables, as in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import ctranslate2
import pytest
import sentencepiece as spm

from .argos_model import BG_TO_LATIN, MAX_DECODING_LENGTH, PLACEHOLDER_FAULTS, build_argos_package

SENTENCE = "Кметът на Стара Загора ⟦3⟧ 2021."
SENTENCE_LATIN = "Kmetǎt na Stara Zagora ⟦3⟧ 2021."
SEGMENTS = [
    SENTENCE,
    "а",
    "",
    "„Община Бургас“ (проект № 7/2024): 125 000 лв. – 40% от бюджета; вижте ⟦12⟧!",
    "Щъркел, ЮЖЕН вятър – ѝ; Ямбол?",
    "  два  интервала ",
]
SEGMENTS_LATIN = [
    SENTENCE_LATIN,
    "a",
    "",
    "„Obŝina Burgas“ (proekt № 7/2024): 125 000 lv. – 40% ot bûdžeta; vižte ⟦12⟧!",
    "Ŝǎrkel, ÛŽEN vâtǎr – ì; Âmbol?",
    "  dva  intervala ",
]
ARGOS_DIR_VARS = {
    "ARGOS_PACKAGES_DIR": "packages",
    "XDG_DATA_HOME": "data",
    "XDG_CONFIG_HOME": "config",
    "XDG_CACHE_HOME": "cache",
}


def transliterate(text: str) -> str:
    return "".join(BG_TO_LATIN.get(c, c) for c in text)


def translate(package_dir: Path, segments: list[str], **options) -> list[str]:
    """Runs the package's CTranslate2 model on segments, one batch, as b40news would."""
    translator = ctranslate2.Translator(
        str(package_dir / "model"), device="cpu", compute_type=options.pop("compute_type", "default")
    )
    sp = spm.SentencePieceProcessor(model_file=str(package_dir / "sentencepiece.model"))
    results = translator.translate_batch([sp.encode(s, out_type=str) for s in segments], **options)
    return [sp.decode(result.hypotheses[0]) for result in results]


@pytest.fixture
def argos_package(tmp_path, monkeypatch):
    """``argostranslate.package`` with all its folders under tmp_path (see module doc)."""
    for var, sub in ARGOS_DIR_VARS.items():
        (tmp_path / sub).mkdir()
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.setenv("ARGOS_DEVICE_TYPE", "cpu")
    import argostranslate.package
    import argostranslate.settings

    packages = tmp_path / "packages"
    monkeypatch.setattr(argostranslate.settings, "package_data_dir", packages)
    monkeypatch.setattr(argostranslate.settings, "package_dirs", [packages])
    return argostranslate.package


@pytest.fixture
def installed(tmp_path, argos_package):
    """A copy model and a BG_TO_LATIN model, both bg -> en, installed; by name."""
    build_dir = tmp_path / "build"
    argos_package.install_from_path(build_argos_package(build_dir, from_code="bg", to_code="en"))
    argos_package.install_from_path(
        build_argos_package(build_dir, from_code="bg", to_code="en", char_map=BG_TO_LATIN, name="bg_en-latin")
    )
    return {pkg.package_path.name: pkg for pkg in argos_package.get_installed_packages()}


def test_archive_layout(tmp_path):
    path = build_argos_package(tmp_path, from_code="bg", to_code="en")

    assert path == tmp_path / "translate-bg_en-1.0.argosmodel"
    names = zipfile.ZipFile(path).namelist()
    top = "translate-bg_en-1_0/"
    assert {n for n in names if not n.endswith("/")} == {
        top + "README.md",
        top + "metadata.json",
        top + "sentencepiece.model",
        top + "model/config.json",
        top + "model/model.bin",
        top + "model/shared_vocabulary.json",
    }
    metadata = json.loads(zipfile.ZipFile(path).read(top + "metadata.json"))
    assert metadata == {
        "package_version": "1.0",
        "argos_version": "1.0",
        "from_code": "bg",
        "from_name": "Bulgarian",
        "to_code": "en",
        "to_name": "English",
        "type": "translate",
        "links": [],
    }
    assert path.stat().st_size < 100_000


def test_install_from_path_lists_the_package(tmp_path, argos_package):
    path = build_argos_package(tmp_path / "build", from_code="bg", to_code="en")

    argos_package.install_from_path(path)

    packages = argos_package.get_installed_packages()
    assert [(p.from_code, p.to_code, p.type) for p in packages] == [("bg", "en", "translate")]
    pkg = packages[0]
    assert pkg.package_path == tmp_path / "packages" / "translate-bg_en-1_0"
    assert (pkg.from_name, pkg.to_name, pkg.package_version) == ("Bulgarian", "English", "1.0")
    assert sorted(p.name for p in (pkg.package_path / "model").iterdir()) == [
        "config.json",
        "model.bin",
        "shared_vocabulary.json",
    ]
    assert pkg.tokenizer.encode(SENTENCE)[:3] == ["▁", "К", "м"]
    assert pkg.tokenizer.decode(pkg.tokenizer.encode(SENTENCE)).strip() == SENTENCE


def test_install_in_a_fresh_process(tmp_path):
    """Clean first import of argostranslate with only the environment variables set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGOS_", "XDG_"))}
    for var, sub in ARGOS_DIR_VARS.items():
        env[var] = str(tmp_path / sub)
    env.update(HOME=str(tmp_path / "home"), ARGOS_DEVICE_TYPE="cpu", PYTHONHASHSEED="12345")
    script = textwrap.dedent(
        """
        import json, sys
        from pathlib import Path
        sys.path.insert(0, sys.argv[1])
        from argos_model import BG_TO_LATIN, build_argos_package
        path = build_argos_package(Path(sys.argv[2]), from_code="bg", to_code="en", char_map=BG_TO_LATIN)
        import argostranslate.package, argostranslate.settings
        argostranslate.package.install_from_path(path)
        print(json.dumps({
            "package_data_dir": str(argostranslate.settings.package_data_dir),
            "installed": [[str(p.package_path), p.from_code, p.to_code]
                          for p in argostranslate.package.get_installed_packages()],
        }))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent), str(tmp_path / "build")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    report = json.loads(done.stdout.strip().splitlines()[-1])
    packages = tmp_path / "packages"
    assert report == {
        "package_data_dir": str(packages),
        "installed": [[str(packages / "translate-bg_en-1_0"), "bg", "en"]],
    }
    assert not (tmp_path / "home").exists()  # nothing written outside the temporary folders
    # Another process with another hash seed builds the very same bytes.
    here = build_argos_package(tmp_path / "here", from_code="bg", to_code="en", char_map=BG_TO_LATIN)
    there = tmp_path / "build" / here.name
    assert here.read_bytes() == there.read_bytes()
    assert translate(packages / "translate-bg_en-1_0", [SENTENCE]) == [SENTENCE_LATIN]


@pytest.mark.parametrize("compute_type", ["default", "float32", "auto"])
@pytest.mark.parametrize(
    "options",
    [{}, {"beam_size": 4, "num_hypotheses": 4, "length_penalty": 0.2, "replace_unknowns": True}],
    ids=["ctranslate2-defaults", "argostranslate-options"],
)
def test_installed_models_translate_a_batch(installed, compute_type, options):
    assert sorted(installed) == ["bg_en-latin", "translate-bg_en-1_0"]

    options = dict(options, compute_type=compute_type)
    copy = translate(installed["translate-bg_en-1_0"].package_path, SEGMENTS, **options)
    latin = translate(installed["bg_en-latin"].package_path, SEGMENTS, **options)

    assert copy[0] == "Кметът на Стара Загора ⟦3⟧ 2021."
    assert copy == SEGMENTS
    assert latin[0] == "Kmetǎt na Stara Zagora ⟦3⟧ 2021."
    assert latin == SEGMENTS_LATIN
    assert latin == [transliterate(s) for s in SEGMENTS]


def test_one_segment_alone_equals_the_same_segment_in_a_batch(installed):
    package_dir = installed["bg_en-latin"].package_path
    alone = [translate(package_dir, [s])[0] for s in SEGMENTS]
    assert alone == translate(package_dir, SEGMENTS) == SEGMENTS_LATIN


def test_unknown_characters(installed):
    package_dir = installed["translate-bg_en-1_0"].package_path
    segment = "λ ☃\tб"  # Greek, a snowman and a tab are outside the vocabulary

    assert translate(package_dir, [segment]) == [" ⁇   ⁇ б"]
    # The cross-attention head is the alignment head: unknowns are copied back.
    assert translate(package_dir, [segment], replace_unknowns=True) == [segment]


def test_max_decoding_length_caps_each_output(installed):
    package_dir = installed["bg_en-latin"].package_path
    short, long = "Абв гд. " * 31 + "еж.", "Абв гд. " * 40  # 251 and 320 characters

    # The dummy-prefix piece "▁" counts: at most 255 characters come back by default.
    assert MAX_DECODING_LENGTH == 256
    assert translate(package_dir, [short, long]) == [transliterate(short), transliterate(long)[:255]]
    assert translate(package_dir, [long], max_decoding_length=1024) == [transliterate(long)]


def test_char_map_targets_outside_the_base_characters(tmp_path):
    char_map = {"а": "α", "е": "ε", "К": "Κ", "о": "ο"}  # Greek letters are not in BASE_CHARACTERS
    path = build_argos_package(tmp_path, from_code="bg", to_code="el", char_map=char_map, name="greekish")
    zipfile.ZipFile(path).extractall(tmp_path / "x")

    assert path.name == "translate-bg_el-1.0.argosmodel"
    assert translate(tmp_path / "x" / "greekish", [SENTENCE]) == ["Κмεтът нα Стαрα Зαгοрα ⟦3⟧ 2021."]


def test_builds_are_deterministic(tmp_path):
    first = build_argos_package(tmp_path / "a", from_code="bg", to_code="en", char_map=BG_TO_LATIN)
    second = build_argos_package(tmp_path / "b", from_code="bg", to_code="en", char_map=BG_TO_LATIN)
    copy = build_argos_package(tmp_path / "c", from_code="bg", to_code="en")

    def model_bin(path: Path) -> bytes:
        return zipfile.ZipFile(path).read("translate-bg_en-1_0/model/model.bin")

    assert first.read_bytes() == second.read_bytes()
    assert model_bin(first) == model_bin(second)
    assert model_bin(first) != model_bin(copy)


@pytest.mark.parametrize(
    "char_map",
    [{"а": "ab"}, {"аб": "a"}, {"а": ""}, {"а": "\n"}, {"а": "▁"}, {"а": " "}, {" ": "_"}],
    ids=["two-char-value", "two-char-key", "empty-value", "newline", "space-piece", "to-space", "from-space"],
)
def test_rejects_a_char_map_that_is_not_one_character_to_one(tmp_path, char_map):
    with pytest.raises(ValueError):
        build_argos_package(tmp_path, from_code="bg", to_code="en", char_map=char_map)
    assert not list(tmp_path.iterdir())


def test_piece_map_drops_repeats_and_swaps_placeholders(tmp_path):
    path = build_argos_package(tmp_path / "a", from_code="bg", to_code="en", char_map=BG_TO_LATIN,
                               piece_map=PLACEHOLDER_FAULTS)
    again = build_argos_package(tmp_path / "b", from_code="bg", to_code="en", char_map=BG_TO_LATIN,
                                piece_map=PLACEHOLDER_FAULTS)
    assert path.read_bytes() == again.read_bytes()  # deterministic
    zipfile.ZipFile(path).extractall(tmp_path / "x")
    out = translate(tmp_path / "x" / "translate-bg_en-1_0",
                    ["Кметът на ⟦0⟧ посрещна ⟦1⟧ и ⟦2⟧ в ⟦3⟧ на ⟦4⟧.", "⟦12⟧ и ⟦5⟧ ⟦13⟧"])
    assert out == ["Kmetǎt na ⟦0⟧ posreŝna ⟦2⟧ i ⟦1⟧ v   na ⟦4⟧ ⟦4⟧.", "⟦12⟧ i ⟦5⟧ ⟦13⟧"]


@pytest.mark.parametrize("piece_map", [{"⟦ 1⟧": "x"}, {"": "x"}, {"⟦1⟧": ""}])
def test_rejects_a_piece_map_with_spaces_in_keys_or_empty_strings(tmp_path, piece_map):
    with pytest.raises(ValueError):
        build_argos_package(tmp_path, from_code="bg", to_code="en", piece_map=piece_map)
    assert not list(tmp_path.iterdir())

