"""ApertiumEngine on the real Debian packages (apertium-mkd-bul, apertium-mkd-eng)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from b40news.translation.engines import ApertiumEngine, EngineError
from b40news.translation.engines.apertium import decode, encode, read_marks

from .conftest import SEGMENTS_BG

SENTENCE = "Кметът на Стара Загора участва в срещата в Загреб."


@pytest.fixture(scope="module")
def engine():
    return ApertiumEngine()


def test_pairs_come_from_the_installed_modes(engine):
    assert {("bg", "mk"), ("mk", "en")} <= engine.pairs()
    assert engine.modes()[("bg", "mk")] == "bul-mkd"
    assert ("bg", "en") not in engine.pairs()  # no such mode: routes pivot through mk


def test_bulgarian_to_macedonian_exact(engine):
    assert engine.translate_batch([SENTENCE], "bg", "mk") == [
        "Градоначалникот на Стара Загора учествува во состанокот во Загреб."
    ]


def test_chain_through_macedonian_gives_english_gist(engine):
    mk = engine.translate_batch([SENTENCE], "bg", "mk")
    assert engine.translate_batch(mk, "mk", "en") == [
        "The governor of Stara Zagora is featuring in the meeting in Zagreb."
    ]


def test_fifty_segments_stay_one_to_one_and_context_free(engine):
    assert len(SEGMENTS_BG) == 50
    batch = engine.translate_detailed(SEGMENTS_BG, "bg", "mk")
    assert len(batch) == 50
    alone = [engine.translate_detailed([s], "bg", "mk")[0] for s in SEGMENTS_BG]
    assert batch == alone
    english = engine.translate_batch([o.text for o in batch], "mk", "en")
    assert len(english) == 50
    assert english[:10] == [engine.translate_batch([o.text], "mk", "en")[0] for o in batch[:10]]


def test_one_word_per_segment_does_not_join_neighbours(engine):
    # Translated together without separation, "Стара Загора" is a name; as two
    # segments "Стара" is the adjective "old" and "Загора" unknown.
    old, zagora = engine.translate_detailed(["Стара", "Загора"], "bg", "mk")
    assert zagora.unknown == ("Загора",)
    assert engine.translate_detailed(["Стара Загора"], "bg", "mk")[0].unknown == ()


def test_nonsense_word_is_reported_unknown_and_unmarked(engine):
    [output] = engine.translate_detailed(["Кметът Гльорбофски откри изложбата."], "bg", "mk")
    assert output.unknown == ("Гльорбофски",)
    assert "Гльорбофски" in output.text
    assert not set(output.text) & set("*#@")
    [english] = engine.translate_detailed([output.text], "mk", "en")
    assert "Гльорбофски" in english.unknown and "*" not in english.text


def test_hyphenated_unknown_word_is_one_word(engine):
    [output] = engine.translate_detailed(["Блабла-бла каза."], "bg", "mk")
    assert output == output.__class__("Блабла-бла кажа.", ("Блабла-бла",))


def test_literal_special_characters_survive_and_are_not_marks(engine):
    text = "Кметът каза: 5 * 3 # 2 @ ~ [бележка] {x} <y> a/b \\ ^$ „цитат“ — 10:30"
    [output] = engine.translate_detailed([text], "bg", "mk")
    for char in "*#@~[]{}<>/\\^$„“—:":
        assert output.text.count(char) == text.count(char), char
    assert output.text.startswith("Градоначалникот кажа: 5 * 3 # 2 @ ~ [")


def test_stream_format_round_trip():
    text = "a*b #c @d ~e [f] {g} <h> i/j \\k ^l$ ⟦1⟧"
    assert read_marks(decode(encode(text))).text == text
    assert read_marks("*Гльорбофски каза #нещо @друго").unknown == ("Гльорбофски", "нещо", "друго")


def test_one_process_per_batch(engine, monkeypatch):
    """Starting Apertium costs 80-130 ms: a batch of 700 segments is one call (bench/translate.py times it)."""
    from b40news.translation.engines import apertium

    calls = []
    real_run = apertium.subprocess.run
    monkeypatch.setattr(apertium.subprocess, "run", lambda *a, **k: calls.append(a[0]) or real_run(*a, **k))
    segments = [f"{s} {i}" for i, s in enumerate(SEGMENTS_BG * 14)]  # 700 segments
    outputs = engine.translate_batch(segments, "bg", "mk")
    assert len(outputs) == 700 and all(o.endswith(str(i)) for i, o in enumerate(outputs))
    assert len([command for command in calls if "-V" not in command]) == 1


def _copy_data(tmp_path: Path, mode: str = "bul-mkd", package: str = "apertium-mkd-bul") -> Path:
    """An Apertium data dir of our own: the mode file pointing at copied data."""
    data = tmp_path / "apertium"
    shutil.copytree(f"/usr/share/apertium/{package}", data / package)
    (data / "modes").mkdir()
    text = Path(f"/usr/share/apertium/modes/{mode}.mode").read_text()
    (data / "modes" / f"{mode}.mode").write_text(text.replace("/usr/share/apertium/", f"{data}/"))
    return data


def test_version_follows_the_data(tmp_path):
    data = _copy_data(tmp_path)
    engine = ApertiumEngine(data_dir=data)
    assert engine.pairs() == {("bg", "mk")}
    assert engine.translate_batch([SENTENCE], "bg", "mk")[0].startswith("Градоначалникот")
    before, pair_before = engine.version(), engine.pair_version("bg", "mk")
    assert "Apertium" in before and "bul-mkd" in pair_before
    dictionary = data / "apertium-mkd-bul" / "bul-mkd.autobil.bin"
    stat = dictionary.stat()
    os.utime(dictionary, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert engine.version() != before
    assert engine.pair_version("bg", "mk") != pair_before


def test_pair_version_is_per_mode(engine):
    assert engine.pair_version("bg", "mk") != engine.pair_version("mk", "en")


def test_a_failing_pipeline_is_an_engine_error(tmp_path):
    data = tmp_path / "apertium"
    (data / "modes").mkdir(parents=True)
    (data / "modes" / "bul-mkd.mode").write_text("lt-proc -w '/nonexistent/bul-mkd.automorf.bin'\n")
    engine = ApertiumEngine(data_dir=data)
    assert engine.pairs() == {("bg", "mk")}
    with pytest.raises(EngineError, match="bul-mkd"):
        engine.translate_batch([SENTENCE], "bg", "mk")


def test_missing_program_means_unavailable():
    engine = ApertiumEngine(command="/nonexistent/apertium")
    assert not engine.is_available()
    assert engine.pairs() == frozenset()
    with pytest.raises(EngineError):
        engine.translate_batch([SENTENCE], "bg", "mk")
