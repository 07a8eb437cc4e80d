"""Segmentation: exact reassembly, Bulgarian sentence boundaries, layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b40news.text.segment import Segmented, segment, split_paragraphs

SEED = (
    Path(__file__).resolve().parents[2].parent
    / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"
)


def sentences(text: str) -> list[str]:
    return list(segment(text).segments)


def check_invariants(text: str) -> Segmented:
    normalised = text.replace("\r\n", "\n")
    result = segment(text)
    assert result.join(result.segments) == normalised
    assert all(s and s == s.strip() and s.splitlines() == [s] for s in result.segments)
    assert [i for i in result.layout if isinstance(i, int)] == list(range(len(result.segments)))
    assert all(part for part in result.layout if isinstance(part, str))
    assert [i for para in result.paragraphs for i in para] == list(range(len(result.segments)))
    assert len(result.paragraphs) == len(split_paragraphs(text))
    return result


# --- the seed release -------------------------------------------------------


def test_seed_release_reassembles_exactly() -> None:
    text = SEED.read_text(encoding="utf-8")
    result = check_invariants(text)
    assert len(result.segments) == 11
    assert result.paragraphs == ((0, 1, 2), (3, 4), (5, 6), (7, 8), (9,), (10,))


def test_seed_release_boundaries() -> None:
    result = segment(SEED.read_text(encoding="utf-8"))
    first = result.segments[0]
    assert first.startswith("Заместник-кметът на Община Стара Загора")
    assert "„Образование и младежки дейности“ Надежда Чакърова" in first
    assert first.endswith("Република Хърватия.")
    # "през 2021 г. по инициатива" is not a boundary; the period after Истанбул is.
    assert result.segments[7].endswith("основана през 2021 г. по инициатива на кмета на Истанбул.")
    assert result.segments[8].startswith("Съгласно ротационния принцип")
    # A translated document keeps the blank lines between paragraphs.
    joined = result.join([f"<{i}>" for i in range(11)])
    assert joined.startswith("<0> <1> <2>\n\n<3> <4>\n\n<5> <6>\n\n<7> <8>\n\n<9>\n\n<10>")


def test_split_paragraphs_on_seed() -> None:
    paragraphs = split_paragraphs(SEED.read_text(encoding="utf-8"))
    assert len(paragraphs) == 6
    assert paragraphs[4].startswith("Петата среща на върха на B40 в Загреб")
    assert all(p == p.strip() for p in paragraphs)


# --- sentence boundaries -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Срещата е на ул. Цар Симеон 5. Кметът ще дойде.",
         ["Срещата е на ул. Цар Симеон 5.", "Кметът ще дойде."]),
        ("Живее в гр. Стара Загора, обл. Стара Загора. Работи там.",
         ["Живее в гр. Стара Загора, обл. Стара Загора.", "Работи там."]),
        ("Говори проф. Иванов, д-р Петров и доц. Колев. Следват въпроси.",
         ["Говори проф. Иванов, д-р Петров и доц. Колев.", "Следват въпроси."]),
        ("Съгласно чл. 5, ал. 2 от закона, т.е. Наредбата. Край.",
         ["Съгласно чл. 5, ал. 2 от закона, т.е. Наредбата.", "Край."]),
        ("Бюджетът е 5 млн. Лева са малко.", ["Бюджетът е 5 млн. Лева са малко."]),
        ("Градове като София, Варна и др. Участваха всички.",
         ["Градове като София, Варна и др. Участваха всички."]),
        ("На бул. България и пл. Свобода, напр. Вчера. Тел. 042 614 800.",
         ["На бул. България и пл. Свобода, напр. Вчера.", "Тел. 042 614 800."]),
        ("Вижте стр. 3 и с. Ягода. Благодарим.", ["Вижте стр. 3 и с. Ягода.", "Благодарим."]),
    ],
)
def test_abbreviations_do_not_end_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Н. Чакърова участва. П. П. Петров също.", ["Н. Чакърова участва.", "П. П. Петров също."]),
        ("Писа J. R. Tolkien. Четем.", ["Писа J. R. Tolkien.", "Четем."]),
        ("Подписа П.П. Петров.", ["Подписа П.П. Петров."]),
    ],
)
def test_initials_do_not_end_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Мрежата е основана през 2021 г. Съгласно принципа, Загреб пое.",
         ["Мрежата е основана през 2021 г.", "Съгласно принципа, Загреб пое."]),
        ("Основана през 2021 г. по инициатива на кмета.", ["Основана през 2021 г. по инициатива на кмета."]),
        ("През 2021 г. 38 града се събраха.", ["През 2021 г. 38 града се събраха."]),
        ("Срещата започва в 10.30 ч. Входът е свободен.",
         ["Срещата започва в 10.30 ч.", "Входът е свободен."]),
        ("Говори мин. Иванов от кабинета.", ["Говори мин. Иванов от кабинета."]),
        ("Почивка от 15 мин. След нея продължаваме.",
         ["Почивка от 15 мин.", "След нея продължаваме."]),
    ],
)
def test_year_and_time_units(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Той каза: „Ще дойдем. Ще видим.“ След това си тръгна.",
         ["Той каза: „Ще дойдем. Ще видим.“", "След това си тръгна."]),
        ("Тя отговори „Да.“ Всички ръкопляскаха.", ["Тя отговори „Да.“", "Всички ръкопляскаха."]),
        ('Пише "Край. Начало." и спира. Друго.', ['Пише "Край. Начало." и спира.', "Друго."]),
        ("Темата е «Градове. Хора.» Ясно.", ["Темата е «Градове. Хора.»", "Ясно."]),
        ("Стои „незатворен цитат. Но това е ново.", ["Стои „незатворен цитат.", "Но това е ново."]),
        ("Край. „Начало“ е думата.", ["Край.", "„Начало“ е думата."]),
    ],
)
def test_quotes(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Вижте www.b40.org. Там има още.", ["Вижте www.b40.org.", "Там има още."]),
        ("Пишете на info@stz.bg или https://stz.bg/a.b?c=1. Отговаряме.",
         ["Пишете на info@stz.bg или https://stz.bg/a.b?c=1.", "Отговаряме."]),
        ("Ръстът е 3.5 пъти. Делът е 3,5%.", ["Ръстът е 3.5 пъти.", "Делът е 3,5%."]),
        ("Защо? Защото… Ясно! 2021 беше добра.", ["Защо?", "Защото…", "Ясно!", "2021 беше добра."]),
        ("Чакаме… и чакаме. Стига?! Да.", ["Чакаме… и чакаме.", "Стига?!", "Да."]),
        ("Дойде (най-после). Радваме се.", ["Дойде (най-после).", "Радваме се."]),
        ("малко букви. после още.", ["малко букви. после още."]),
    ],
)
def test_links_numbers_and_other_terminators(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


# --- layout: headings, lists, line breaks -----------------------------------------


def test_heading_is_one_segment_and_own_paragraph() -> None:
    text = "Загреб. Петата среща на върха\n\nТекст. Още текст.\n"
    result = check_invariants(text)
    assert result.segments == ("Загреб. Петата среща на върха", "Текст.", "Още текст.")
    assert result.paragraphs == ((0,), (1, 2))
    assert result.layout == (0, "\n\n", 1, " ", 2, "\n")


def test_list_markers_stay_in_layout() -> None:
    text = "Участници:\n- София\n* Варна\n• Троян\n1. Сливен\n2) Карлово\nа) Бурса\n  – Тузла"
    result = check_invariants(text)
    assert result.segments == (
        "Участници:", "София", "Варна", "Троян", "Сливен", "Карлово", "Бурса", "Тузла",
    )
    assert result.layout == (
        0, "\n- ", 1, "\n* ", 2, "\n• ", 3, "\n1. ", 4, "\n2) ", 5, "\nа) ", 6, "\n  – ", 7,
    )
    assert result.paragraphs == ((0, 1, 2, 3, 4, 5, 6, 7),)


def test_list_item_with_two_sentences_and_marker_without_content() -> None:
    result = check_invariants("- Първо. Второ.\n- \n-")
    assert result.segments == ("Първо.", "Второ.", "-", "-")
    assert result.layout == ("- ", 0, " ", 1, "\n", 2, " \n", 3)


def test_year_at_line_start_is_not_a_list_marker() -> None:
    assert sentences("2021. година беше важна.") == ["2021. година беше важна."]


def test_single_newline_is_kept_in_layout() -> None:
    result = check_invariants("  Ред едно\nред две.  \n\n\n Трети ред.")
    assert result.segments == ("Ред едно", "ред две.", "Трети ред.")
    assert result.layout == ("  ", 0, "\n", 1, "  \n\n\n ", 2)
    assert result.paragraphs == ((0, 1), (2,))


def test_crlf_is_normalised() -> None:
    result = segment("Първо.\r\n\r\nВторо.\r\n")
    assert result.join(result.segments) == "Първо.\n\nВторо.\n"
    assert split_paragraphs("Първо.\r\n\r\nВторо.") == ["Първо.", "Второ."]


def test_join_puts_translations_in_place() -> None:
    result = segment("Заглавие\n\n- Кметът дойде. Говори.\n")
    assert result.join(["Title", "The mayor came.", "He spoke."]) == (
        "Title\n\n- The mayor came. He spoke.\n"
    )


def test_join_rejects_wrong_length() -> None:
    result = segment("Едно. Две.")
    with pytest.raises(ValueError, match="expected 2 segments, got 1"):
        result.join(["One."])


@pytest.mark.parametrize("text", ["", "   ", "\n\n \n", "\r\n"])
def test_empty_documents(text: str) -> None:
    result = check_invariants(text)
    assert result.segments == ()
    assert result.paragraphs == ()
    assert split_paragraphs(text) == []


# --- properties -----------------------------------------------------------


@settings(max_examples=300)
@given(st.text())
def test_join_of_own_segments_is_identity_on_any_text(text: str) -> None:
    check_invariants(text)


_PIECES = st.sampled_from(
    [
        "Кметът", "дойде", "г.", "ул.", "Н.", "2021", "3.5", "www.b40.org", "„", "“", '"',
        "«", "»", ".", "!", "?", "…", " ", "  ", "\n", "\n\n", "\r\n", "- ", "1. ", "а) ",
        "• ", "\t", "\u2028", "Съгласно", "B40", "(", ")", "т.е.", "ч.", "10.30",
    ]
)


@settings(max_examples=500)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_join_is_identity_on_release_like_text(text: str) -> None:
    check_invariants(text)
