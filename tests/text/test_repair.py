"""text.repair: placeholders an engine lost, repeated or renumbered, put right.

With ``links`` (output span -> source span, as an Argos model's attention gives
them) the repair follows the alignment; without, it works by position and says
so (``how == "position"``).
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from b40news.text.repair import Fix, cut, repair
from b40news.text.tokens import placeholders_in

SOURCE = "Кметът на ⟦0⟧ посрещна ⟦1⟧ и ⟦2⟧ в ⟦3⟧ на ⟦4⟧."


def fixes(result) -> list[tuple[str, str, str, str]]:
    return [(f.token, f.problem, f.how, f.written) for f in result.fixes]


def char_links(source: str, output: str, pairs: list[tuple[str, str]]) -> list[tuple[int, int, int, int]]:
    """Links for (output text, source text) pairs, each found by its first occurrence."""
    links = []
    for out_text, src_text in pairs:
        o, s = output.index(out_text), source.index(src_text)
        links.append((o, o + len(out_text), s, s + len(src_text)))
    return links


def test_nothing_to_do():
    output = "Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in ⟦3⟧ on ⟦4⟧."
    assert repair(SOURCE, output) == repair(SOURCE, output, [(0, 5, 0, 6)])
    assert repair(SOURCE, output).text == output and repair(SOURCE, output).fixes == ()
    # A different order alone is a translation's right (word order), unless an alignment says otherwise.
    moved = "⟦4⟧: mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in ⟦3⟧."
    assert repair(SOURCE, moved).text == moved


def test_by_position_dropped_repeated_renumbered_unknown():
    cases = {
        "Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in on ⟦4⟧.":
            ("Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in ⟦3⟧ on ⟦4⟧.", [("⟦3⟧", "dropped", "position", "")]),
        "Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in ⟦3⟧ on ⟦4⟧ ⟦4⟧.":
            ("Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in ⟦3⟧ on ⟦4⟧.", [("⟦4⟧", "repeated", "position", "2")]),
        "Mayor of ⟦0⟧ met ⟦1⟧ and ⟦ 7 ⟧ in ⟦3⟧ on ⟦4⟧.":
            ("Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in ⟦3⟧ on ⟦4⟧.", [("⟦2⟧", "renumbered", "position", "⟦ 7 ⟧")]),
        # A stray number outside the missing one's slot is not taken for it: removed, and the missing one put back.
        "Mayor met ⟦1⟧ and ⟦2⟧ in ⟦3⟧ on ⟦4⟧ ⟦9⟧.":
            ("Mayor ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in ⟦3⟧ on ⟦4⟧.",
             [("⟦9⟧", "unknown", "position", ""), ("⟦0⟧", "dropped", "position", "")]),
    }
    for output, (text, found) in cases.items():
        result = repair(SOURCE, output)
        assert (result.text, fixes(result)) == (text, found), output


def test_by_position_a_dropped_one_goes_after_as_many_words():
    assert repair("Среща в ⟦0⟧.", "Meeting in.").text == "Meeting in ⟦0⟧."
    assert repair("Среща в ⟦0⟧ днес.", "Meeting in today.").text == "Meeting in ⟦0⟧ today."
    assert repair("⟦0⟧ дойде.", "came.").text == "⟦0⟧ came."
    assert repair("(⟦0⟧)", "()").text == "(⟦0⟧)"
    assert repair("Среща в ⟦0⟧.", "").text == "⟦0⟧"


def test_by_alignment_swapped_placeholders_are_put_back():
    output = "Mayor of ⟦0⟧ met ⟦2⟧ and ⟦1⟧ in ⟦3⟧ on ⟦4⟧."
    # The model wrote ⟦2⟧ while reading ⟦1⟧ and the other way round.
    links = char_links(SOURCE, output, [("⟦2⟧", "⟦1⟧"), ("⟦1⟧", "⟦2⟧"), ("Mayor", "Кметът")])
    result = repair(SOURCE, output, links)
    assert result.text == "Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in ⟦3⟧ on ⟦4⟧."
    assert fixes(result) == [("⟦1⟧", "renumbered", "alignment", "⟦2⟧"), ("⟦2⟧", "renumbered", "alignment", "⟦1⟧")]
    # Moved on purpose (the alignment agrees with each number): left alone.
    moved = "On ⟦4⟧, mayor of ⟦0⟧ met ⟦2⟧ and ⟦1⟧ in ⟦3⟧."
    agree = char_links(SOURCE, moved, [("⟦2⟧", "⟦2⟧"), ("⟦1⟧", "⟦1⟧"), ("⟦4⟧", "⟦4⟧")])
    assert repair(SOURCE, moved, agree).text == moved and repair(SOURCE, moved, agree).fixes == ()


def test_by_alignment_a_dropped_one_replaces_what_the_model_made_of_it():
    output = "Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in [3] on ⟦4⟧."
    links = char_links(SOURCE, output, [("[3]", "⟦3⟧"), (" in", " в"), ("on", "на ⟦4")])
    result = repair(SOURCE, output, links)
    assert result.text == "Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in ⟦3⟧ on ⟦4⟧."
    assert fixes(result) == [("⟦3⟧", "dropped", "alignment", "")]


def test_by_alignment_a_dropped_one_goes_after_what_precedes_it_in_the_source():
    output = "Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in on ⟦4⟧."
    links = char_links(SOURCE, output, [("in", "в"), ("on", "на ⟦4"), ("Mayor", "Кметът")])
    result = repair(SOURCE, output, links)
    assert result.text == "Mayor of ⟦0⟧ met ⟦1⟧ and ⟦2⟧ in ⟦3⟧ on ⟦4⟧."
    assert str(result.fixes[0]) == "⟦3⟧ did not come back from the engine; put back by the engine's alignment"


def test_by_alignment_the_repeat_the_model_wrote_for_another_word_goes():
    source = "Покана от ⟦0⟧ за утре."
    output = "⟦0⟧ invitation from ⟦0⟧ for tomorrow."
    links = char_links(source, output, [("⟦0⟧ for", "⟦0⟧ за"), ("invitation", "Покана")])
    links.append((0, 3, 0, 6))  # the first ⟦0⟧ was written while reading "Покана"
    result = repair(source, output, links)
    assert result.text == "invitation from ⟦0⟧ for tomorrow."
    assert fixes(result) == [("⟦0⟧", "repeated", "alignment", "2")]


def test_fix_wording():
    assert str(Fix("⟦3⟧", "dropped", "position")) == (
        "⟦3⟧ did not come back from the engine; put back at a guessed place")
    assert str(Fix("⟦4⟧", "repeated", "alignment", "3")) == (
        "⟦4⟧ came back 3 times; kept the one the alignment points to")
    assert str(Fix("⟦9⟧", "unknown", "position")) == "the engine wrote ⟦9⟧, which stands for nothing; removed"


def test_cut_takes_the_space_along():
    assert cut("a ⟦2⟧ b", [(2, 5)]) == "a b"
    assert cut("a ⟦2⟧.", [(2, 5)]) == "a."
    assert cut("⟦2⟧ b", [(0, 3)]) == "b"
    assert cut("x ⟦1⟧ ⟦1⟧ ⟦1⟧.", [(6, 9), (10, 13)]) == "x ⟦1⟧."


_PIECES = st.sampled_from(["Mayor", " ", "of", "in", ".", ",", "⟦0⟧", "⟦1⟧", "⟦2⟧", "⟦3⟧", "⟦7⟧", "⟦ 1 ⟧", "("])


_SOURCE = "Среща на ⟦0⟧ с ⟦1⟧ в ⟦2⟧ (⟦3⟧)."


def _tokens(text: str) -> list[str]:
    return sorted(re.sub(r"\s", "", token) for token in re.findall(r"⟦\s*\d+\s*⟧", text))


@given(st.lists(_PIECES, max_size=25))
def test_every_placeholder_of_the_source_stands_exactly_once(pieces):
    output = "".join(pieces)
    result = repair(_SOURCE, output)
    assert _tokens(result.text) == ["⟦0⟧", "⟦1⟧", "⟦2⟧", "⟦3⟧"]
    if _tokens(output) == _tokens(_SOURCE):
        assert result.text == output and not result.fixes  # only an order: left to the translation


@given(st.lists(_PIECES, max_size=25), st.lists(st.tuples(*[st.integers(0, 60)] * 4), max_size=30))
def test_any_alignment_still_gives_each_placeholder_once(pieces, links):
    output = "".join(pieces)
    result = repair(_SOURCE, output, [(a, a + b % 5, c, c + d % 5) for a, b, c, d in links])
    assert _tokens(result.text) == ["⟦0⟧", "⟦1⟧", "⟦2⟧", "⟦3⟧"]
    assert placeholders_in(result.text) == [t for t in placeholders_in(result.text) if t in _SOURCE]
