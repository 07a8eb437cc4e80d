"""Titles as they enter: no bidi controls, one line, bounded."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from b40news.text.titles import BIDI_CONTROLS, TITLE_MAX_CHARS, TitleTooLong, clean_title, strip_bidi_controls

RLO = "\u202e"


def test_the_bidi_controls_are_exactly_those_named():
    expected = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F}
    assert {ord(char) for char in BIDI_CONTROLS} == expected


def test_an_override_cannot_disguise_a_subject():
    assert strip_bidi_controls(f"Invoice {RLO}fdp.exe") == "Invoice fdp.exe"
    assert clean_title("\u2066Среща\u2069 на\u200f върха\u202a\u202c") == "Среща на върха"


def test_titles_are_one_line_without_control_characters():
    assert clean_title("  Стара Загора\n\tв  Загреб\x07 \u2028") == "Стара Загора в Загреб"
    assert clean_title(" \u202e ") == ""


def test_length_is_counted_after_cleaning():
    assert clean_title(RLO * 50 + "а" * TITLE_MAX_CHARS) == "а" * TITLE_MAX_CHARS
    with pytest.raises(TitleTooLong) as too_long:
        clean_title("а" * 5000)
    assert (too_long.value.length, too_long.value.limit) == (5000, TITLE_MAX_CHARS)


@given(st.text())
def test_no_control_survives_and_the_length_holds(raw):
    try:
        title = clean_title(raw)
    except TitleTooLong:
        return
    assert not BIDI_CONTROLS & set(title) and len(title) <= TITLE_MAX_CHARS
    assert "\n" not in title and title == title.strip()
