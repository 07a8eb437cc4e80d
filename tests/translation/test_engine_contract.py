"""The contract every engine keeps (after Weblate's BaseMachineTranslationTest).

Each engine's class below supplies only its setup: the engine, a pair, and
segments in the source language. The tests are the same for all.
"""

from __future__ import annotations

import pytest

from b40news.text.tokens import placeholders_in
from b40news.translation.engines import (
    ApertiumEngine,
    ArgosEngine,
    Engine,
    EngineError,
    Output,
    SerbianScriptEngine,
)


class EngineContract:
    source: str
    target: str
    segments: list[str]  # non-empty, distinct, at least one with placeholders
    unsupported = ("xx", "yy")

    @pytest.fixture
    def engine(self) -> Engine:
        raise NotImplementedError

    def test_is_available_and_has_its_pair(self, engine):
        assert engine.is_available()
        assert (self.source, self.target) in engine.pairs()
        assert engine.supports(self.source, self.target)

    def test_version_non_empty(self, engine):
        assert isinstance(engine.version(), str) and engine.version().strip()
        assert engine.pair_version(self.source, self.target).strip()

    def test_one_output_per_input(self, engine):
        outputs = engine.translate_batch(self.segments, self.source, self.target)
        assert len(outputs) == len(self.segments)
        assert all(isinstance(o, str) and o.strip() for o in outputs)

    def test_detailed_matches_batch(self, engine):
        detailed = engine.translate_detailed(self.segments, self.source, self.target)
        assert all(isinstance(o, Output) for o in detailed)
        assert [o.text for o in detailed] == engine.translate_batch(self.segments, self.source, self.target)

    def test_duplicates_and_empties(self, engine):
        first, second = self.segments[0], self.segments[1]
        batch = [first, "", second, first, "   ", f"  {second}\n"]
        outputs = engine.translate_batch(batch, self.source, self.target)
        alone = engine.translate_batch([first, second], self.source, self.target)
        assert outputs == [alone[0], "", alone[1], alone[0], "   ", f"  {alone[1]}\n"]

    def test_segments_are_independent(self, engine):
        together = engine.translate_batch(self.segments, self.source, self.target)
        alone = [engine.translate_batch([s], self.source, self.target)[0] for s in self.segments]
        assert together == alone

    def test_placeholders_byte_identical(self, engine):
        outputs = engine.translate_batch(self.segments, self.source, self.target)
        with_tokens = [(s, o) for s, o in zip(self.segments, outputs) if placeholders_in(s)]
        assert with_tokens
        for source, output in with_tokens:
            assert placeholders_in(output) == placeholders_in(source)
        lone = engine.translate_batch(["⟦7⟧", "⟦1⟧ – ⟦2⟧", "2024"], self.source, self.target)
        assert lone == ["⟦7⟧", "⟦1⟧ – ⟦2⟧", "2024"]

    def test_no_marks_in_output(self, engine):
        for source, output in zip(self.segments, engine.translate_detailed(self.segments, self.source, self.target)):
            for mark in "*#@":
                assert output.text.count(mark) == source.count(mark), (source, output)
            assert all(word and not set(word) & set("*#@") for word in output.unknown)

    def test_nothing_to_translate_makes_no_call(self, engine):
        assert engine.translate_detailed([], self.source, self.target) == []
        assert engine.translate_batch(["", " "], self.source, self.target) == ["", " "]

    def test_unsupported_pair_is_an_engine_error(self, engine):
        with pytest.raises(EngineError, match="cannot translate"):
            engine.translate_batch(self.segments, *self.unsupported)

    def test_a_string_is_not_a_batch(self, engine):
        with pytest.raises(TypeError):
            engine.translate_batch(self.segments[0], self.source, self.target)


class TestApertiumContract(EngineContract):
    source, target = "bg", "mk"
    segments = [
        "Кметът на Стара Загора участва в срещата в Загреб.",
        "Информация за събитието е публикувана на ⟦1⟧.",
        "За въпроси пишете на ⟦2⟧ или се обадете на ⟦3⟧.",
        "Кметът Гльорбофски откри изложбата.",
        "Стара",
        "Загора",
    ]

    @pytest.fixture
    def engine(self):
        return ApertiumEngine()


class TestArgosContract(EngineContract):
    source, target = "bg", "en"
    segments = [
        "Кметът на Стара Загора участва в срещата в Загреб.",
        "Информация за събитието е публикувана на ⟦1⟧.",
        "За въпроси пишете на ⟦2⟧ или се обадете на ⟦3⟧.",
        "Пет * три",
    ]

    @pytest.fixture
    def engine(self, packages_dir):
        return ArgosEngine(packages_dir=packages_dir)


class TestSerbianScriptContract(EngineContract):
    source, target = "sr", "sr-Cyrl"
    segments = [
        "Gradonačelnik Stare Zagore učestvuje na sastanku u Zagrebu.",
        "Informacije su objavljene na ⟦1⟧.",
        "Pišite na ⟦2⟧ ili pozovite ⟦3⟧.",
        "Njegoš i Džordž",
    ]

    @pytest.fixture
    def engine(self):
        return SerbianScriptEngine()
