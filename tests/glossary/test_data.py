"""The real glossary/ data: complete, clean, and finding every term of the seed release."""

from __future__ import annotations

import pytest

from b40news.glossary.lint import lint
from b40news.glossary.names import detect_names
from b40news.languages import TARGETS

# Every glossary term of the seed release, in order of appearance.
SEED_TERMS = [
    ("title.deputy-mayor", "Заместник-кметът"),
    ("organisation.stara-zagora-municipality", "Община Стара Загора"),
    ("term.portfolio-education-youth", "Образование и младежки дейности"),
    ("person.nadezhda-chakarova", "Надежда Чакърова"),
    ("term.b40-summit-5", "Петата среща на върха на мрежата на балканските градове B40"),
    ("city.zagreb", "Загреб"),
    ("place.republic-of-croatia", "Република Хърватия"),
    ("title.mayor", "кмета"),
    ("city.zagreb", "Загреб"),
    ("organisation.stara-zagora-municipality", "Община Стара Загора"),
    ("organisation.b40-network", "мрежата B40"),
    ("place.balkan-region", "Балканския регион"),
    ("place.bulgaria", "България"),
    ("city.stara-zagora", "Стара Загора"),
    ("city.sofia", "София"),
    ("city.varna", "Варна"),
    ("city.troyan", "Троян"),
    ("city.sliven", "Сливен"),
    ("city.karlovo", "Карлово"),
    ("city.dimitrovgrad", "Димитровград"),
    ("organisation.eurocities", "Eurocities"),
    ("organisation.b40-network", "мрежата B40"),
    ("city.varna", "Варна"),
    ("city.bursa", "Бурса"),
    ("city.tuzla", "Тузла"),
    ("title.mayor", "кмета"),
    ("city.istanbul", "Истанбул"),
    ("city.zagreb", "Загреб"),
    ("organisation.b40-network", "мрежата B40"),
    ("city.sofia", "София"),
    ("term.b40-summit-5", "Петата среща на върха на B40"),
    ("city.zagreb", "Загреб"),
    ("organisation.iclei-europe", "ICLEI Europe"),
    ("organisation.b40-secretariat", "B40 Network - Istanbul Metropolitan Municipality"),
    ("organisation.union-of-municipalities-of-turkiye", "Union of Municipalities of Türkiye"),
    ("organisation.namrb", "Националното сдружение на общините в Република България"),
    ("organisation.b40", "B40"),
    ("place.balkan-region", "Балканския регион"),
]


def test_every_term_of_the_seed_release_is_found(glossary, seed_text):
    matches = glossary.approved().find(seed_text)
    assert [(m.entry_id, m.surface) for m in matches] == SEED_TERMS
    assert all(seed_text[m.start:m.end] == m.surface for m in matches)


def test_the_seed_release_has_no_unknown_person(glossary, seed_text):
    assert detect_names(seed_text, glossary.find(seed_text)) == []


def test_the_real_glossary_lints_clean(glossary):
    assert lint(glossary) == []


def test_every_approved_entry_has_all_twelve_languages(glossary):
    assert len(TARGETS) == 12
    for entry in glossary.approved().entries:
        assert {code for code in entry.targets if ":" not in code} == set(TARGETS), entry.id
        assert all(entry.targets[code].strip() for code in TARGETS), entry.id


def test_every_file_and_kind_is_present(glossary):
    kinds = {entry.kind for entry in glossary.entries}
    assert {"organisation", "city", "title", "person"} <= kinds


@pytest.mark.parametrize("bg", [
    "Белград", "Скопие", "Тирана", "Подгорица", "Сараево", "Любляна", "Атина", "Букурещ",
    "Солун", "Анкара", "Загреб", "София", "Истанбул",
])
def test_member_cities_and_capitals_are_there(glossary, bg):
    assert [m.surface for m in glossary.find(f"в {bg}.")] == [bg]


@pytest.mark.parametrize(("entry_id", "language", "expected"), [
    ("city.stara-zagora", "tr", "Eski Zağra"),
    ("city.stara-zagora", "el", "Στάρα Ζαγόρα"),
    ("city.bursa", "el", "Προύσα"),
    ("city.bursa", "en", "Bursa"),
    ("city.sofia", "tr", "Sofya"),
    ("city.sofia", "sq", "Sofja"),
    ("city.sofia", "ro", "Sofia"),
    ("city.sofia", "sl", "Sofija"),
    ("city.sofia", "mk", "Софија"),
    ("city.sofia", "sr-Cyrl", "Софија"),
    ("city.sofia", "el", "Σόφια"),
    ("city.istanbul", "tr", "İstanbul"),
    ("city.istanbul", "el", "Κωνσταντινούπολη"),
    ("city.istanbul", "mk", "Истанбул"),
    ("city.zagreb", "sq", "Zagrebi"),
    ("city.zagreb", "el", "Ζάγκρεμπ"),
    ("city.varna", "el", "Βάρνα"),
    ("city.thessaloniki", "hr", "Solun"),
    ("city.skopje", "mk", "Скопје"),
    ("city.sarajevo", "tr", "Saraybosna"),
    ("title.deputy-mayor", "en", "Deputy Mayor"),
    ("title.deputy-mayor", "ro", "viceprimar"),
    ("title.deputy-mayor", "sl", "podžupan"),
    ("title.deputy-mayor", "mk", "заменик-градоначалник"),
    ("title.deputy-mayor", "sr-Cyrl", "заменик градоначелника"),
    ("person.nadezhda-chakarova", "en", "Nadezhda Chakarova"),
    ("person.nadezhda-chakarova", "hr", "Nadežda Čakarova"),
    ("person.nadezhda-chakarova", "mk", "Надежда Чакарова"),
    ("person.nadezhda-chakarova", "el", "Ναντέζντα Τσακάροβα"),
    ("person.nadezhda-chakarova", "tr", "Nadejda Çakarova"),
    ("organisation.b40", "el", "B40"),
    ("organisation.iclei-europe", "mk", "ICLEI Europe"),
    ("organisation.eurocities", "sr-Cyrl", "Eurocities"),
])
def test_approved_spellings(glossary, entry_id, language, expected):
    assert glossary.get(entry_id).target(language) == expected


def test_serbian_scripts_agree(glossary):
    from b40news.text.scripts import serbian_to_latin

    for entry in glossary.approved().entries:
        assert serbian_to_latin(entry.targets["sr-Cyrl"]) == entry.targets["sr-Latn"], entry.id
