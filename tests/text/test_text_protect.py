"""Protection: spans out, placeholders in, and everything back byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b40news.text.protect import LOOSE_PLACEHOLDER_RE, Protected, Span, protect, restore
from b40news.text.segment import segment
from b40news.text.tokens import placeholder, placeholders_in

SEED = (
    Path(__file__).resolve().parents[2].parent
    / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"
)


def kinds_and_sources(protected: Protected) -> list[tuple[str, str]]:
    return [(span.kind, span.source) for span in protected.spans]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Вижте https://www.b40.org/summit?x=1&y=2.", [("url", "https://www.b40.org/summit?x=1&y=2")]),
        ("На www.stz.bg, моля.", [("url", "www.stz.bg")]),
        ("Сайт: stz.bg/bg/news (стр. 2).", [("url", "stz.bg/bg/news"), ("number", "2")]),
        ("(https://bg.wikipedia.org/wiki/B40_(мрежа))", [("url", "https://bg.wikipedia.org/wiki/B40_(мрежа)")]),
        ("Пишете на info@stz.bg.", [("email", "info@stz.bg")]),
        ("Адрес: кмет@община.бг", [("email", "кмет@община.бг")]),
        ("Тел.: +359 42 614 800", [("phone", "+359 42 614 800")]),
        ("Тел. 042 614 800, моб. 0888/123 456", [("phone", "042 614 800"), ("phone", "0888/123 456")]),
        ("На 25.11.2026 г. в Загреб", [("date", "25.11.2026")]),
        ("Срок 2026-11-25 или 25/11/2026.", [("date", "2026-11-25"), ("date", "25/11/2026")]),
        ("От 10:30 до 12:00 ч.", [("time", "10:30"), ("time", "12:00")]),
        ("Начало в 10.30 ч. и 18.00 часа", [("time", "10.30"), ("time", "18.00")]),
        ("Бюджет 125 000 000 лв. и 3,5% ръст", [("number", "125 000 000"), ("number", "3,5")]),
        ("Ръст 3.5 пъти през 2021 г. в 38 града", [("number", "3.5"), ("number", "2021"), ("number", "38")]),
        ("Мрежата B40 и 40B, и x2", []),
        ("Етап 2021-2023 г.", [("number", "2021"), ("number", "2023")]),
        ("Краят е 38.", [("number", "38")]),
    ],
)
def test_spans_found_by_protect(text: str, expected: list[tuple[str, str]]) -> None:
    protected = protect(text)
    assert kinds_and_sources(protected) == expected
    assert restore(protected.text, protected.spans).text == text


def test_protected_text_is_exact() -> None:
    protected = protect("Срещата е на 25.11.2026 г. от 10:30 ч. на www.b40.org.")
    assert protected.text == "Срещата е на ⟦0⟧ г. от ⟦1⟧ ч. на ⟦2⟧."
    assert protected.spans[0] == Span("⟦0⟧", "25.11.2026", "date")


def test_numbering_starts_at_start() -> None:
    protected = protect("38 града от 11 държави", start=7)
    assert protected.text == "⟦7⟧ града от ⟦8⟧ държави"
    assert [span.token for span in protected.spans] == ["⟦7⟧", "⟦8⟧"]


def test_terms_win_over_regex_spans() -> None:
    text = "Програма Хоризонт 2020 и Надежда Чакърова на 25.11.2026"
    terms = [(9, 22, "term", "horizon-2020"), (25, 41, "name", "chakarova")]
    protected = protect(text, terms)
    assert protected.text == "Програма ⟦0⟧ и ⟦1⟧ на ⟦2⟧"
    assert protected.spans == (
        Span("⟦0⟧", "Хоризонт 2020", "term", "horizon-2020"),
        Span("⟦1⟧", "Надежда Чакърова", "name", "chakarova"),
        Span("⟦2⟧", "25.11.2026", "date"),
    )


def test_term_overlapping_part_of_a_url_drops_the_url() -> None:
    text = "www.b40.org"
    protected = protect(text, [(4, 7, "term", "b40")])
    assert protected.text == "www.⟦0⟧.org"
    assert kinds_and_sources(protected) == [("term", "b40")]


def test_longer_overlapping_term_wins() -> None:
    text = "Община Стара Загора"
    protected = protect(text, [(7, 19, "name", "stara-zagora"), (0, 19, "name", "stz-municipality")])
    assert protected.spans == (Span("⟦0⟧", "Община Стара Загора", "name", "stz-municipality"),)


@pytest.mark.parametrize(
    "terms",
    [[(0, 99, "term", None)], [(3, 3, "term", None)], [(-1, 2, "term", None)], [(0, 2, "people", None)]],
)
def test_bad_terms_raise(terms: list[tuple[int, int, str, str | None]]) -> None:
    with pytest.raises(ValueError):
        protect("Стара Загора", terms)


def test_text_that_already_looks_like_a_placeholder_is_protected() -> None:
    protected = protect("Знакът ⟦0⟧ и ⟦ 1 ⟧ в 2021", start=0)
    assert protected.text == "Знакът ⟦0⟧ и ⟦1⟧ в ⟦2⟧"
    assert kinds_and_sources(protected) == [("literal", "⟦0⟧"), ("literal", "⟦ 1 ⟧"), ("number", "2021")]
    assert restore(protected.text, protected.spans).text == "Знакът ⟦0⟧ и ⟦ 1 ⟧ в 2021"


def test_seed_segments_round_trip() -> None:
    segments = segment(SEED.read_text(encoding="utf-8")).segments
    numbered = 0
    found: list[str] = []
    for text in segments:
        protected = protect(text, start=numbered)
        numbered += len(protected.spans)
        found += [span.source for span in protected.spans]
        assert "B40" in protected.text or "B40" not in text
        restored = restore(protected.text, protected.spans)
        assert restored.text == text and restored.ok
    assert found == ["2021", "38", "11"]
    assert numbered == 3


# --- restore -------------------------------------------------------------------


def test_restore_with_replacements_and_engine_spacing() -> None:
    protected = protect("Надежда Чакърова дойде на 25.11.2026", [(0, 16, "name", "chakarova")])
    engine_output = "⟦ 0 ⟧ came on ⟦1 ⟧"
    restored = restore(engine_output, protected.spans, {"⟦0⟧": "Nadezhda Chakarova"})
    assert restored.text == "Nadezhda Chakarova came on 25.11.2026"
    assert restored.missing == () and restored.duplicated == ()


def test_restore_reports_missing_and_duplicated() -> None:
    protected = protect("38 града, 11 държави, 2021 г.")
    restored = restore("⟦0⟧ cities, ⟦0⟧ again, year ⟦2⟧", protected.spans)
    # A repeated placeholder goes back once (the first); the repeat and its space go.
    assert restored.text == "38 cities, again, year 2021"
    assert [span.source for span in restored.missing] == ["11"]
    assert [span.source for span in restored.duplicated] == ["38"]
    assert not restored.ok


def test_restore_leaves_unknown_placeholders_and_never_raises() -> None:
    spans = protect("в 2021").spans
    garbage = "⟦9⟧ ⟦" + "9" * 5000 + "⟧ ⟦⟦ ⟧⟧ ⟦٠⟧ ⟦x⟧ \x00"
    restored = restore(garbage, spans)
    assert restored.text == garbage.replace("⟦٠⟧", "2021")  # Arabic-Indic zero is digit 0
    assert restored.missing == ()


def test_restore_without_spans_is_identity() -> None:
    assert restore("⟦0⟧ text", []).text == "⟦0⟧ text"


# --- properties ---------------------------------------------------------------

_ALPHABET = st.sampled_from(list("аБв xyZ0123456789.,:/-+@⟦⟧ ") + ["www.", "http://", " ", "\n", "ч.", "г."])


@st.composite
def text_and_terms(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str, str | None]]]:
    text = "".join(draw(st.lists(_ALPHABET, max_size=60)))
    terms = []
    for _ in range(draw(st.integers(0, 3))):
        if len(text) < 1:
            break
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        terms.append((start, end, draw(st.sampled_from(["term", "name"])), draw(st.none() | st.text(max_size=3))))
    return text, terms


@settings(max_examples=400)
@given(text_and_terms(), st.integers(0, 1000))
def test_protect_restore_round_trip(case: tuple[str, list], start: int) -> None:
    text, terms = case
    protected = protect(text, terms, start=start)
    tokens = [span.token for span in protected.spans]
    assert placeholders_in(protected.text) == tokens
    assert tokens == [f"⟦{n}⟧" for n in range(start, start + len(tokens))]
    assert all(span.source for span in protected.spans)
    restored = restore(protected.text, protected.spans)
    assert restored.text == text
    assert restored.ok


@settings(max_examples=200)
@given(st.text(), st.integers(0, 50))
def test_round_trip_on_any_text(text: str, start: int) -> None:
    protected = protect(text, start=start)
    assert placeholders_in(protected.text) == [span.token for span in protected.spans]
    assert restore(protected.text, protected.spans).text == text


@given(st.text())
def test_restore_never_raises_on_engine_garbage(garbage: str) -> None:
    spans = protect("от 10:30 на www.b40.org").spans
    restored = restore(garbage, spans)
    came_back = {placeholder(int(d)) for d in LOOSE_PLACEHOLDER_RE.findall(garbage) if len(d) < 10}
    assert {s.token for s in restored.missing} == {s.token for s in spans} - came_back
    left = {placeholder(int(d)) for d in LOOSE_PLACEHOLDER_RE.findall(restored.text) if len(d) < 10}
    assert not left & {s.token for s in spans}
