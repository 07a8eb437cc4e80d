"""translate_segments end to end on real engines (Apertium + synthetic Argos models)."""

from __future__ import annotations

import re

import pytest

from b40news.translation import argos_models
from b40news.translation.engines import ApertiumEngine, ArgosEngine, Engine, Output, SerbianScriptEngine
from b40news.translation.pipeline import memory_key, translate_segments
from b40news.translation.routes import DEFAULT_ROUTES, Route, Step

from .conftest import (
    BG_TO_LATIN,
    PLACEHOLDER_FAULTS,
    SEGMENTS_BG,
    CountingApertium,
    CountingArgos,
    CountingSerbian,
    DictMemory,
    all_calls,
    build_argos_package,
    engine_set,
    packages_subset,
)

SEGMENTS = SEGMENTS_BG[:12] + ["", "⟦9⟧", SEGMENTS_BG[0]]  # a blank, a lone placeholder, a repeat
CYRILLIC = re.compile("[\u0400-\u04ff]")


@pytest.fixture
def counting(packages_dir):
    return engine_set(CountingApertium(), CountingArgos(packages_dir=packages_dir), CountingSerbian())


@pytest.fixture
def apertium_counting(tmp_path):
    return engine_set(CountingApertium(), CountingArgos(packages_dir=tmp_path / "none"), CountingSerbian())


def test_pivot_is_computed_once(counting):
    results = translate_segments(SEGMENTS, ["en", "el", "tr", "sr-Latn", "sr-Cyrl", "mk"], counting)
    assert {r.status for r in results.values()} == {"translated", "no_engine"}
    # Serbian has no route (no Argos package in the index): the installed en→sr model is not used.
    assert results["sr-Latn"].status == results["sr-Cyrl"].status == "no_engine"
    calls = sorted(all_calls(counting))
    distinct = len([s for s in set(SEGMENTS) if re.search(r"[^\W\d_]", s)])
    assert calls == sorted([
        ("apertium", "bg", "mk", distinct),
        ("argos", "bg", "en", distinct),
        ("argos", "en", "el", distinct),
        ("argos", "en", "tr", distinct),
    ])
    en = results["en"]
    assert en.route == ["argos:bg-en"] and en.tier == "good"
    assert [s.target for s in en.segments][:2] == [
        "Kmetǎt na Stara Zagora učastva v sreŝata v Zagreb.",
        "Sreŝata na mrežata na balkanskite gradove ŝe se provede na 12 maj 2024 g.",
    ]
    # The copy models pass English on: el and tr read the same text.
    assert results["el"].segments[0].target == results["tr"].segments[0].target == en.segments[0].target
    assert [s.target for s in en.segments[12:]] == ["", "⟦9⟧", en.segments[0].target]


def test_macedonian_pivot_shared_with_english_gist(apertium_counting):
    results = translate_segments(SEGMENTS, ["mk", "en"], apertium_counting)
    assert [c[:3] for c in all_calls(apertium_counting)] == [("apertium", "bg", "mk"), ("apertium", "mk", "en")]
    assert results["mk"].segments[0].target == "Градоначалникот на Стара Загора учествува во состанокот во Загреб."
    assert results["en"].segments[0].target == "The governor of Stara Zagora is featuring in the meeting in Zagreb."
    assert results["en"].tier == "gist"


def test_second_run_with_memory_makes_no_engine_call(counting):
    memory = DictMemory()
    clean = SEGMENTS_BG[:3] + ["⟦1⟧"]
    first = translate_segments(clean, ["en", "el", "tr"], counting, memory=memory, glossary_version="g1")
    assert all_calls(counting) and memory.items
    assert not any(s.from_memory for r in first.values() for s in r.segments)
    for engine in counting.values():
        engine.calls.clear()
    second = translate_segments(clean, ["en", "el", "tr"], counting, memory=memory, glossary_version="g1")
    assert all_calls(counting) == []
    assert memory.lookups == 2  # one lookup per run, for every language at once
    for code in first:
        assert [s.target for s in second[code].segments] == [s.target for s in first[code].segments]
        assert [s.from_memory for s in second[code].segments] == [True, True, True, False]
    # A new glossary version is a different key: the engines run again.
    translate_segments(clean, ["en"], counting, memory=memory, glossary_version="g2")
    assert [c[:3] for c in all_calls(counting)] == [("argos", "bg", "en")]


def test_memory_key():
    route = DEFAULT_ROUTES["en"][0]
    key = memory_key("Кметът  на\nСтара Загора", "en", route, "v1", "g1")
    assert key == memory_key(" Кметът на Стара Загора ", "en", route, "v1", "g1")
    assert key == memory_key("Кметът на Стара Загора".replace("й", "й"), "en", route, "v1", "g1")
    assert memory_key("и\u0306", "en", route, "v1", "g1") == memory_key("й", "en", route, "v1", "g1")  # NFC
    others = {memory_key("Кметът на Стара Загора", *args) for args in [
        ("mk", route, "v1", "g1"), ("en", DEFAULT_ROUTES["en"][1], "v1", "g1"),
        ("en", route, "v2", "g1"), ("en", route, "v1", "g2")]}
    assert len(others) == 4 and key not in others
    assert re.fullmatch("[0-9a-f]{64}", key)


def test_flagged_segments_are_remembered_with_their_flags(apertium_counting):
    memory = DictMemory()
    segments = ["Кметът на Стара Загора участва в срещата в Загреб.", "Кметът Гльорбофски откри изложбата."]
    results = translate_segments(segments, ["en"], apertium_counting, memory=memory)
    flags = [s.flags for s in results["en"].segments]
    # Apertium alone writes "The governor of Stara Zagora": a known wrong sense holds the segment
    assert [f.split(":")[0] for f in flags[0]] == ["wrong-sense"] and flags[1]
    assert sorted(item.source for item in memory.items.values()) == sorted(segments)
    item = next(i for i in memory.items.values() if i.source == segments[0])
    assert item.route == "apertium:bg-mk apertium:mk-en" and item.language == "en"
    assert "bul-mkd" in item.engine_version and "mkd-eng" in item.engine_version
    calls = len(all_calls(apertium_counting))
    again = translate_segments(segments, ["en"], apertium_counting, memory=memory)
    assert len(all_calls(apertium_counting)) == calls  # no engine call: both were remembered
    assert [s.flags for s in again["en"].segments] == flags
    assert all(s.from_memory for s in again["en"].segments)


def test_leftover_bulgarian_is_transliterated_and_flagged(apertium_counting):
    results = translate_segments(["Кметът Гльорбофски откри изложбата в града днес."], ["en", "mk"], apertium_counting,
                                 flagged_share_limit=1.0)
    [en] = results["en"].segments
    assert not CYRILLIC.search(en.target)
    assert "Glyorbofski" in en.target
    # a name is transliterated and not flagged; Apertium alone's "governor" is
    assert [f.split(":")[0] for f in en.flags] == ["wrong-sense"]
    [mk] = results["mk"].segments
    assert "Гљорбофски" in mk.target  # Macedonian letters, not Bulgarian ль
    assert mk.flags == []


def test_too_many_failed_segments_fail_the_language_but_keep_segments(apertium_counting):
    segments = ["Гльорбофски зъбърчи.", "Зъбърчански фльорбира.", "Кметът дойде."]
    results = translate_segments(segments, ["mk"], apertium_counting, flagged_share_limit=0.5)
    mk = results["mk"]
    assert mk.status == "failed" and mk.flagged == 2
    assert "2 of 3 segments failed the quality checks" in mk.reason
    assert len(mk.segments) == 3 and mk.segments[2].flags == []
    assert translate_segments(segments, ["mk"], apertium_counting, flagged_share_limit=0.7)["mk"].status == "translated"


def test_a_few_unknown_words_flag_a_segment_without_failing_the_route(apertium_counting):
    segments = ["Кметът откри зъбърчанската изложба в града.", "Кметът фльорбира в града днес.", "Кметът дойде.",
                "Кметът Гльорбофски дойде в града."]  # an unknown name is not flagged
    mk = translate_segments(segments, ["mk"], apertium_counting, flagged_share_limit=0.5)["mk"]
    assert mk.status == "translated" and mk.flagged == 2
    assert not any("mostly-unknown" in flag for s in mk.segments for flag in s.flags)


def test_a_model_that_breaks_placeholders_is_repaired_along_its_attention(installed_packages, tmp_path):
    packages = packages_subset(installed_packages, tmp_path / "packages", {("bg", "en")})
    breaking = build_argos_package(tmp_path, from_code="en", to_code="tr", char_map={"⟦": "[", "⟧": "]"})
    argos_models.install_package(breaking, packages)
    engines = engine_set(ApertiumEngine(), ArgosEngine(packages_dir=packages))
    segments = ["Пишете на ⟦1⟧.", "Обадете се на ⟦2⟧ или ⟦3⟧.", "Кметът дойде днес."]
    results = translate_segments(segments, ["tr", "en"], engines)
    tr = results["tr"]
    # The model writes [1] for ⟦1⟧; its attention says what it wrote it for.
    assert [s.target for s in tr.segments] == ["Pišete na ⟦1⟧.", "Obadete se na ⟦2⟧ ili ⟦3⟧.", "Kmetǎt dojde dnes."]
    back = "did not come back from the engine; put back by the engine's alignment"
    assert [s.flags for s in tr.segments] == [
        [f"placeholder-repaired: ⟦1⟧ {back}"],
        [f"placeholder-repaired: ⟦2⟧ {back}", f"placeholder-repaired: ⟦3⟧ {back}"],
        [],
    ]
    assert tr.status == "translated" and tr.flagged == 2  # repaired: review, not a failed route
    assert results["en"].status == "translated" and results["en"].flagged == 0


FAULTY = [
    "Кметът на ⟦0⟧ посрещна ⟦1⟧ и ⟦2⟧ в ⟦3⟧ на ⟦4⟧.",
    "Среща в ⟦3⟧.",
    "Кметът дойде.",
]


@pytest.fixture
def faulty(installed_packages, tmp_path):
    """bg→en: the transliterating model that swaps ⟦1⟧/⟦2⟧, drops ⟦3⟧ and repeats ⟦4⟧; en→el copies."""
    packages = packages_subset(installed_packages, tmp_path / "packages", {("en", "el")})
    model = build_argos_package(tmp_path, from_code="bg", to_code="en", char_map=BG_TO_LATIN,
                                piece_map=PLACEHOLDER_FAULTS)
    argos_models.install_package(model, packages)
    return engine_set(CountingApertium(), CountingArgos(packages_dir=packages))


def test_placeholders_an_argos_model_drops_repeats_and_swaps_are_repaired_and_flagged(faulty):
    memory = DictMemory()
    results = translate_segments(FAULTY, ["en", "el"], faulty, memory=memory)
    en, el = results["en"], results["el"]
    expected = ["Kmetǎt na ⟦0⟧ posreŝna ⟦1⟧ i ⟦2⟧ v ⟦3⟧ na ⟦4⟧.", "Sreŝa v ⟦3⟧.", "Kmetǎt dojde."]
    assert [s.target for s in en.segments] == expected
    first = [
        "placeholder-repaired: the engine wrote ⟦2⟧ for ⟦1⟧; corrected by the alignment",
        "placeholder-repaired: the engine wrote ⟦1⟧ for ⟦2⟧; corrected by the alignment",
        "placeholder-repaired: ⟦4⟧ came back 2 times; kept the one the alignment points to",
        "placeholder-repaired: ⟦3⟧ did not come back from the engine; put back by the engine's alignment",
    ]
    second = ["placeholder-repaired: ⟦3⟧ did not come back from the engine; put back by the engine's alignment"]
    assert [s.flags for s in en.segments] == [first, second, []]
    assert en.status == "translated" and en.flagged == 2
    # Greek goes through the repaired English: same text (copy model), the same flags carried on.
    assert [s.target for s in el.segments] == expected
    assert [s.flags for s in el.segments] == [first, second, []]
    # The memory keeps the repaired text and its flags: a second run shows them again, with no engine call.
    for engine in faulty.values():
        engine.calls.clear()
    again = translate_segments(FAULTY, ["en", "el"], faulty, memory=memory)
    assert all_calls(faulty) == []
    assert [s.target for s in again["en"].segments] == expected
    assert [s.flags for s in again["el"].segments] == [first, second, []]


class Garbling(Engine):
    """bg→en without alignment: spells Bulgarian in Latin letters, drops ⟦2⟧, repeats ⟦3⟧, writes ⟦7⟧ for ⟦4⟧."""

    id = "garbling"
    FAULTS = {"⟦2⟧": "", "⟦3⟧": "⟦3⟧ ⟦3⟧", "⟦4⟧": "⟦7⟧"}

    def is_available(self):
        return True

    def version(self):
        return "1"

    def pairs(self):
        return frozenset({("bg", "en")})

    def _translate(self, segments, source, target):
        outputs = []
        for segment in segments:
            text = "".join(BG_TO_LATIN.get(char, char) for char in segment)
            for token, fault in self.FAULTS.items():
                text = text.replace(token, fault)
            outputs.append(Output(" ".join(text.split())))
        return outputs


def test_without_alignment_placeholders_are_put_back_by_position_and_flagged():
    routes = {"en": (Route((Step("garbling", "bg", "en"),), "good"),)}
    segments = ["Среща в ⟦1⟧ и ⟦2⟧ днес.", "Обадете се на ⟦3⟧.", "Пишете на ⟦4⟧.", "Кметът дойде."]
    en = translate_segments(segments, ["en"], engine_set(Garbling()), routes=routes)["en"]
    assert [s.target for s in en.segments] == [
        "Sreŝa v ⟦1⟧ i ⟦2⟧ dnes.", "Obadete se na ⟦3⟧.", "Pišete na ⟦4⟧.", "Kmetǎt dojde."]
    assert [s.flags for s in en.segments] == [
        ["placeholder-lost: ⟦2⟧ did not come back from the engine; put back at a guessed place"],
        ["placeholder-duplicated: ⟦3⟧ came back 2 times; kept the one best placed"],
        ["placeholder-repaired: the engine wrote ⟦7⟧ for ⟦4⟧; corrected by position"],
        [],
    ]
    # A guess counts as the route failing on the segment: 2 of 4 is not more than half.
    assert en.status == "translated"
    assert translate_segments(segments, ["en"], engine_set(Garbling()), routes=routes,
                              flagged_share_limit=0.4)["en"].status == "failed"


def test_engine_error_fails_only_its_languages(packages_dir, tmp_path):
    data = tmp_path / "apertium"
    (data / "modes").mkdir(parents=True)
    (data / "modes" / "bul-mkd.mode").write_text("lt-proc -w '/nonexistent/bul-mkd.automorf.bin'\n")
    engines = engine_set(ApertiumEngine(data_dir=data), ArgosEngine(packages_dir=packages_dir))
    results = translate_segments(SEGMENTS_BG[:3], ["mk", "en", "hr"], engines)
    assert results["mk"].status == "failed" and "apertium:bg-mk" in results["mk"].reason
    assert "Cannot open file '/nonexistent/bul-mkd.automorf.bin'" in results["mk"].reason
    assert results["mk"].route == ["apertium:bg-mk"]
    assert results["en"].status == "translated"
    assert results["hr"].status == "no_engine" and "--language hr" in results["hr"].reason
    assert list(results) == ["mk", "en", "hr"]


def test_failed_pivot_fails_every_language_that_uses_it(tmp_path):
    data = tmp_path / "apertium"
    (data / "modes").mkdir(parents=True)
    for mode in ("bul-mkd", "mkd-eng"):
        (data / "modes" / f"{mode}.mode").write_text("lt-proc -w '/nonexistent/x.bin'\n")
    engines = engine_set(CountingApertium(data_dir=data))
    results = translate_segments(SEGMENTS_BG[:3], ["mk", "en"], engines)
    assert results["mk"].status == results["en"].status == "failed"
    assert results["en"].reason == results["mk"].reason
    assert [c[:3] for c in all_calls(engines)] == [("apertium", "bg", "mk")]  # mk→en never ran


def test_custom_routes(apertium_counting):
    routes = {"en": (Route((Step("apertium", "bg", "mk"), Step("apertium", "mk", "en")), "good"),)}
    results = translate_segments(SEGMENTS_BG[:2], ["en", "mk"], apertium_counting, routes=routes)
    assert results["en"].tier == "good"
    assert results["mk"].status == "no_engine"


def test_no_route_output_carries_marks_or_wrong_script(packages_dir, installed_packages, tmp_path):
    segments = SEGMENTS_BG + ["Кметът Гльорбофски каза: 5 * 3 # 2 @ ⟦1⟧.", "Щастливи юбилеи!"]
    full = engine_set(ApertiumEngine(), ArgosEngine(packages_dir=packages_dir), SerbianScriptEngine())
    en_only = packages_subset(installed_packages, tmp_path / "en-x", {("en", "el"), ("en", "tr")})
    gist = engine_set(ApertiumEngine(), ArgosEngine(packages_dir=en_only), SerbianScriptEngine())
    targets = ["en", "mk", "el", "tr"]
    runs = [translate_segments(segments, targets, full, flagged_share_limit=1.0),
            translate_segments(segments, ["en", "el", "tr"], gist, flagged_share_limit=1.0)]
    assert runs[1]["el"].route == ["apertium:bg-mk", "apertium:mk-en", "argos:en-el"]
    seen = 0
    for results in runs:
        for code, result in results.items():
            assert result.status == "translated", (code, result.reason)
            for segment in result.segments:
                seen += 1
                for mark in "*#@":
                    assert segment.target.count(mark) == segment.source.count(mark), (code, segment)
                if code in ("en", "tr"):
                    assert not CYRILLIC.search(segment.target), (code, segment)
                if code == "el":
                    assert not CYRILLIC.search(segment.target), (code, segment)
                if code == "mk":
                    assert not set(segment.target) & set("ъщюяйЪЩЮЯЙ"), (code, segment)
    assert seen == len(segments) * 7
