from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b40news.glossary.entries import Glossary
from b40news.glossary.matcher import inflecting_words, surface_pattern

from .conftest import make

SMALL = Glossary((
    make("title.mayor", "кмет"),
    make("title.deputy-mayor", "заместник-кмет"),
    make("term.municipality", "община"),
    make("term.network", "мрежа"),
    make("term.summit", "Пета среща на върха"),
    make("place.balkan-region", "Балкански регион"),
    make("organisation.namrb", "Национално сдружение на общините в Република България"),
    make("city.stara-zagora", "Стара Загора"),
    make("organisation.stara-zagora-municipality", "Община Стара Загора"),
    make("city.varna", "Варна"),
    make("term.portfolio", "Образование и младежки дейности"),
    make("person.ivan-petrov", "Иван Петров", case_sensitive=True),
    make("organisation.b40-secretariat", "B40 Network - Istanbul Metropolitan Municipality"),
))


def found(text: str, glossary: Glossary = SMALL) -> list[tuple[str, str]]:
    return [(m.entry_id, m.surface) for m in glossary.find(text)]


@pytest.mark.parametrize("form", [
    "кмет", "кмета", "кметът", "кметове", "кметовете", "кмети",
])
def test_masculine_noun_forms(form):
    assert found(f"Днес {form} говори.") == [("title.mayor", form)]


@pytest.mark.parametrize("form", ["община", "общината", "общини", "общините"])
def test_feminine_noun_forms(form):
    assert found(f"Седем български {form} участват.") == [("term.municipality", form)]


@pytest.mark.parametrize("form", ["мрежа", "мрежата", "мрежи", "мрежите"])
def test_network_forms(form):
    assert found(f"в {form} на градовете") == [("term.network", form)]


@pytest.mark.parametrize("form", [
    "Пета среща на върха", "Петата среща на върха", "петата среща на върха",
    "Петата срещи на върха",  # every inflecting word may inflect on its own
])
def test_multiword_term_every_word_inflects(form):
    assert found(f"Участва в {form} в Загреб.") == [("term.summit", form)]


def test_words_after_a_preposition_do_not_inflect():
    assert found("Петата среща на върховете") == []


@pytest.mark.parametrize("form", [
    "Балкански регион", "Балканския регион", "Балканският регион", "балканския регион",
    "Балканските региони", "Балкански региона",
])
def test_adjective_and_noun_forms(form):
    assert found(f"градове от {form} и други") == [("place.balkan-region", form)]


def test_neuter_adjective_and_noun():
    text = "и Националното сдружение на общините в Република България."
    assert found(text) == [
        ("organisation.namrb", "Националното сдружение на общините в Република България")]


@pytest.mark.parametrize("form", ["Заместник-кметът", "заместник-кмета", "заместник-кметове",
                                  "заместник–кмет", "заместник - кметът"])
def test_hyphenated_title_inflects_its_last_part(form):
    assert found(f"{form} на Варна") == [("title.deputy-mayor", form), ("city.varna", "Варна")]


@pytest.mark.parametrize("word", [
    "кметство", "кметски", "кметствата", "общински", "общинският", "Варненски", "варненската",
    "мрежови", "регионален", "Старозагорска", "Варнаа",
])
def test_never_inside_or_as_a_derived_word(word):
    assert found(f"Това е {word} въпрос.") == []


def test_never_inside_another_word_on_either_side():
    assert found("подкмет кметx xкмет") == []
    assert found("Варна2 и 2Варна") == []


def test_longest_match_wins():
    text = "Заместник-кметът на Община Стара Загора, не на Стара Загора."
    assert found(text) == [
        ("title.deputy-mayor", "Заместник-кметът"),
        ("organisation.stara-zagora-municipality", "Община Стара Загора"),
        ("city.stara-zagora", "Стара Загора"),
    ]


def test_longest_match_wins_against_a_one_word_term_at_the_same_start():
    assert found("Общината Стара Загора") == [
        ("term.municipality", "Общината"), ("city.stara-zagora", "Стара Загора")]
    assert found("Община Стара Загора") == [
        ("organisation.stara-zagora-municipality", "Община Стара Загора")]


def test_sentence_initial_capitalisation_and_upper_case():
    assert found("Кметът откри срещата. ОБЩИНАТА прие.") == [
        ("title.mayor", "Кметът"), ("term.municipality", "ОБЩИНАТА")]


def test_case_sensitive_entry_needs_its_case():
    assert found("Иван Петров дойде.") == [("person.ivan-petrov", "Иван Петров")]
    assert found("иван петров дойде.") == []


def test_inside_quotes():
    text = "с ресор „Образование и младежки дейности“ и «кметът» и \"Варна\""
    assert found(text) == [
        ("term.portfolio", "Образование и младежки дейности"),
        ("title.mayor", "кметът"),
        ("city.varna", "Варна"),
    ]
    match = SMALL.find(text)[0]
    assert text[match.start - 1] == "„" and text[match.end] == "“"


def test_across_line_breaks_and_space_runs():
    text = "в Община\nСтара  Загора и Балканския\r\n регион"
    result = SMALL.find(text)
    assert [(m.entry_id, m.surface) for m in result] == [
        ("organisation.stara-zagora-municipality", "Община\nСтара  Загора"),
        ("place.balkan-region", "Балканския\r\n регион"),
    ]
    assert all(text[m.start:m.end] == m.surface for m in result)


def test_dash_in_a_name_matches_any_dash_and_spacing():
    for dash in ("-", "–", "—"):
        text = f"организации - B40 Network {dash} Istanbul Metropolitan Municipality в"
        assert found(text) == [("organisation.b40-secretariat",
                                f"B40 Network {dash} Istanbul Metropolitan Municipality")]


def test_approved_entry_wins_over_a_proposal_with_the_same_form():
    glossary = Glossary((
        make("city.varna~r1", "Варна", status="proposed", replaces="city.varna"),
        make("city.varna", "Варна"),
        make("city.varna-rejected", "Варна", status="rejected"),
    ))
    assert found("във Варна", glossary) == [("city.varna", "Варна")]
    assert found("във Варна", Glossary((glossary.entries[0],))) == [("city.varna~r1", "Варна")]
    assert found("във Варна", Glossary((glossary.entries[2],))) == []


def test_variants_are_matched_and_inflected():
    glossary = Glossary((make("title.deputy-mayor", "заместник-кмет", variants=["зам.-кмет"]),
                         make("city.stara-zagora", "Стара Загора", variants=["Ст. Загора"])))
    assert found("Зам.-кметът на Ст. Загора и Ст.Загора", glossary) == [
        ("title.deputy-mayor", "Зам.-кметът"),
        ("city.stara-zagora", "Ст. Загора"),
        ("city.stara-zagora", "Ст.Загора"),
    ]


def test_which_words_inflect():
    assert inflecting_words("Стара Загора") == [False, False, False]
    assert inflecting_words("Балкански регион") == [True, False, True]
    assert inflecting_words("мрежа на балканските градове B40") == [
        True, False, False, False, False, False, False, False, False]
    assert inflecting_words("заместник-кмет") == [False, False, True]
    assert "(?:" not in surface_pattern("Варна")


def test_the_glossary_compiles_once(glossary):
    assert glossary.matcher is glossary.matcher


FILLER = st.sampled_from([" ", "\n", ", ", " и ", " в ", "„", "“", " кметство ", " Варненски ", ". "])
TERMS = st.sampled_from(["кмет", "Кметът", "общините", "Община Стара Загора", "Стара Загора",
                         "Балканския регион", "заместник-кмета", "Петата среща на върха", "Варна"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(FILLER, TERMS), max_size=20), FILLER)
def test_matches_are_ordered_non_overlapping_exact_and_cover_every_term(pairs, tail):
    text, spans = "", []
    for filler, term in pairs:
        text += filler
        spans.append((len(text), len(text) + len(term)))
        text += term
    text += tail
    matches = SMALL.find(text)
    previous_end = 0
    for match in matches:
        assert previous_end <= match.start < match.end
        assert text[match.start:match.end] == match.surface
        assert not text[match.start - 1: match.start].isalnum()
        assert not text[match.end: match.end + 1].isalnum()
        previous_end = match.end
    for start, end in spans:
        assert any(m.start <= start and end <= m.end for m in matches), text[start:end]
