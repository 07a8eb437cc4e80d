"""The project's lexicon over Apertium: compiled with lttoolbox, used by bg→mk and mk→en."""

from __future__ import annotations

import shutil

import pytest

from b40news.glossary import store
from b40news.glossary.forms import source_form
from b40news.text.protect import protect
from b40news.translation import lexicon, quality
from b40news.translation.engines.apertium import ApertiumEngine
from b40news.translation.service import _replacement, with_forms

STOCK = "/usr/share/apertium"
# Apertium, lttoolbox-dev and cg3 are installed by scripts/bootstrap: missing, these tests fail.
needs_tools = pytest.mark.usefixtures("apertium_tools")


@pytest.fixture(scope="session")
def apertium_tools():
    assert shutil.which("apertium") and lexicon.build.tools_available(), \
        "Apertium's tools are missing: ./scripts/bootstrap installs apertium, lttoolbox-dev and cg3"


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    cache = tmp_path_factory.mktemp("lexicon")
    return ApertiumEngine(data_dir=STOCK), ApertiumEngine(data_dir=STOCK, lexicon_dir=cache), cache


@needs_tools
def test_lexicon_compiles_into_the_data_directory_keyed_by_checksum(engines):
    _, with_lexicon, cache = engines
    built = with_lexicon.data_dir
    assert built.parent == cache and built.name == lexicon.checksum(__import__("pathlib").Path(STOCK))
    assert (built / "modes" / "bul-mkd.mode").read_text().count(str(built)) >= 3
    assert lexicon.ensure(STOCK, cache) == built  # the second call reuses it


@needs_tools
def test_a_word_stock_apertium_does_not_know_comes_out_right(engines):
    stock, with_lexicon, _ = engines
    source = ["Младежите получиха безплатно обучение в залата."]
    before = stock.translate_detailed(source, "bg", "mk")[0]
    after = with_lexicon.translate_detailed(source, "bg", "mk")[0]
    assert "зала" in " ".join(before.unknown)
    assert after.text == "Младинците добија бесплатно обука во салата."
    assert not after.unknown


@needs_tools
def test_short_definite_article_is_not_read_as_a_plural(engines):
    stock, with_lexicon, _ = engines
    source = ["Конгреса на Съвета на Европа посети музея."]
    assert "музеи" in stock.translate_batch(source, "bg", "mk")[0]
    assert with_lexicon.translate_batch(source, "bg", "mk")[0].startswith("Конгресот на Советот на Европа")
    assert "музејот" in with_lexicon.translate_batch(source, "bg", "mk")[0]
    # after a number the count form stays a plural
    assert "⟦1⟧ градоначалници" in with_lexicon.translate_batch(["⟦1⟧ кмета гласуваха."], "bg", "mk")[0]


@needs_tools
def test_english_senses_from_the_lexicon(engines):
    _, with_lexicon, _ = engines
    out = with_lexicon.translate_batch(
        ["Поканата на градоначалникот до членот на општината."], "mk", "en")[0]
    for wrong in ("summons", "governor", "limb", "township"):
        assert wrong not in out.lower()
    assert "invitation" in out.lower() and "mayor" in out.lower() and "municipality" in out.lower()


def test_unknown_bulgarian_endings_are_made_macedonian_before_transliteration():
    text, flags = quality.clean_segment("Во основния план", "mk", ["основния"])
    assert text == "Во основниот план" and flags[0].code == "transliterated"


def test_english_never_ships_a_transliterated_common_word():
    text, flags = quality.clean_segment("The hall is безплатно for Иванов", "en", ["безплатно"])
    assert [f.code for f in flags] == ["untranslated-word"]
    assert quality.failed([str(f) for f in flags])
    assert "Ivanov" in text  # a name is transliterated and not flagged


def test_english_wrong_senses_hold_the_segment():
    flags = quality.check_segment("Членът на общината", "The limb of the township", "en")
    assert {f.code for f in flags} == {"wrong-sense"}
    assert quality.failed([str(f) for f in flags])
    assert not quality.check_segment("Членът на общината", "The member of the municipality", "en")


def test_names_latin_words_and_abbreviations_are_not_flagged():
    flags = quality.check_segment("Иванов от ICLEI, 2024 г.", "Иванов од ICLEI, 2024 г.", "mk",
                                  ["Иванов", "ICLEI", "г"])
    assert flags == []


@pytest.mark.parametrize(("text", "surface", "form"), [
    ("Кметът откри сесията.", "Кметът", "def"),
    ("Пред 80 кмета от региона.", "кмета", "pl"),
    ("Писмо до кмета.", "кмета", "def"),
    ("Кметовете подписаха.", "Кметовете", "pl-def"),
    ("Кмет на общината.", "Кмет", ""),
])
def test_source_form_of_a_term(text, surface, form):
    start = text.index(surface)
    assert source_form(text, start, start + len(surface), ("кмет", "градоначалник")) == form


@pytest.mark.parametrize(("text", "surface", "base", "form"), [
    ("Членът на мрежата", "Членът", "член", "def"),
    ("Мрежата B40 расте", "Мрежата B40", "мрежа B40", "def"),
    ("Националното сдружение", "Националното сдружение", "Национално сдружение", "def"),
    ("в Балканския регион", "Балканския регион", "Балкански регион", "def"),
    ("сдруженията", "сдруженията", "сдружение", "pl-def"),
    ("две мрежи", "мрежи", "мрежа", "pl"),
])
def test_source_form_of_nouns_and_adjectives(text, surface, base, form):
    start = text.index(surface)
    assert source_form(text, start, start + len(surface), (base,)) == form


@pytest.mark.parametrize(("source", "code", "wanted"), [
    ("Кметът откри сесията.", "mk", "Градоначалникот"),
    ("На срещата дойдоха 80 кмета.", "mk", "80 градоначалници"),
    ("На срещата дойдоха 80 кмета.", "en", "80 Mayors"),
    ("Мрежата B40 се разраства.", "mk", "Мрежата на балканските градови B40"),
    ("Писмо от НСОРБ.", "en", "NAMRB"),
    ("Представители на В40.", "en", "B40"),
])
def test_glossary_terms_come_out_in_the_source_form(source, code, wanted):
    glossary = store.load("src/b40news/glossary/seed")
    matches = glossary.find(source)
    protected = with_forms(protect(source, [(m.start, m.end, "term", m.entry_id) for m in matches]),
                           source, matches, glossary)
    restored = protected.text
    for span in protected.spans:
        restored = restored.replace(span.token, _replacement(span, code, glossary))
    assert wanted in restored


def test_editing_rules_are_data():
    assert lexicon.apply_edits("mkd-eng", "post", "The guests  met in ⟦3⟧ г.") == "The guests met in ⟦3⟧."
    assert lexicon.apply_edits("mkd-eng", "post", "in 2021 г. in Istanbul") == "in 2021 in Istanbul"
    assert lexicon.apply_edits("bul-mkd", "pre", "Кметът  дойде") == "Кметът  дойде"  # no pre-edit for it


def test_a_target_form_must_be_a_known_one():
    from b40news.glossary.entries import GlossaryError
    from b40news.glossary.schema import entry_from_dict

    base = {"id": "title.mayor", "bg": "кмет", "targets": {"mk": "градоначалник", "mk:def": "градоначалникот"}}
    assert entry_from_dict(base).target("mk", "def") == "градоначалникот"
    assert entry_from_dict(base).target("mk", "pl") == "градоначалник"  # no plural given: the base form
    with pytest.raises(GlossaryError, match="unknown form 'dual'"):
        entry_from_dict({**base, "targets": {"mk:dual": "x"}})


def test_lexicon_rows_are_checked():
    from b40news.translation.lexicon import paradigms

    with pytest.raises(paradigms.ParadigmError, match="unknown class"):
        paradigms.bulgarian("кмет", "noun")
    with pytest.raises(paradigms.ParadigmError, match="needs its forms"):
        paradigms.macedonian("одобри", "vblex-perf", "одобри|одобрат")
    assert ("музея", ("n", "m", "sg", "nom", "def", "obj")) in paradigms.bulgarian("музей", "n-m")
    assert ("вредноста", ("n", "f", "sg", "nom", "def")) in paradigms.macedonian("вредност", "n-f")
