"""Sibling languages: script conversion, ekavian/ijekavian reflexes, lexical differences."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b40news.text.scripts import serbian_to_cyrillic, serbian_to_latin
from b40news.translation import siblings
from b40news.translation.siblings import SiblingDataError, choose_source, convert


def words(text: str, source: str, target: str) -> str:
    return convert(text, source, target).text


def test_the_shipped_data_loads_and_every_row_is_well_formed():
    data = siblings.load()
    assert len(data.lexicon.rows) > 100 and len(data.jat.rows) > 100
    for row in data.lexicon.rows:
        assert set(row.cells) <= set(siblings.LATIN_MEMBERS)


# -- ijekavian -> ekavian: rules and pairs ------------------------------------------------


@pytest.mark.parametrize(("ijekavian", "ekavian"), [
    ("mlijeko", "mleko"), ("rijeka", "reka"), ("vrijeme", "vreme"), ("lijepo", "lepo"), ("dijete", "dete"),
    ("djeca", "deca"), ("mjesto", "mesto"), ("svijet", "svet"), ("cijena", "cena"), ("rješenje", "rešenje"),
    ("čovjek", "čovek"), ("ljeto", "leto"), ("snijeg", "sneg"), ("uvijek", "uvek"), ("gdje", "gde"),
    ("prije", "pre"), ("poslije", "posle"), ("dio", "deo"), ("zamjenik", "zamenik"),
    ("predsjednik", "predsednik"), ("razmjena", "razmena"), ("vijeće", "veće"), ("sjever", "sever"),
    ("MLIJEKO", "MLEKO"), ("Mlijeko", "Mleko"),
])
def test_ijekavian_words_become_ekavian(ijekavian, ekavian):
    assert words(ijekavian, "hr", "sr-Latn") == ekavian


@pytest.mark.parametrize("unchanged", [
    "je", "nije", "njegov", "polje", "zemlje", "klijent", "pacijent", "premijer", "nijedan", "objekt",
    "organizacije", "kasnije", "kasnijeg", "važnijem", "projekt", "rekao", "Sjedinjene", "prijem",
])
def test_words_that_only_look_ijekavian_stay(unchanged):
    assert words(unchanged, "hr", "sr-Latn") == unchanged


def test_names_inside_a_sentence_keep_their_form():
    assert words("Susret u gradu Rijeka i u Bijeljini, s Bijelićem.", "bs", "sr-Latn") == \
        "Susret u gradu Rijeka i u Bijeljini, s Bijelićem."
    # but a listed pair applies to a capitalised word too
    assert words("Posjet Sjevernoj Makedoniji.", "hr", "sr-Latn").startswith("Poset Severnoj")


# -- ekavian -> ijekavian: the table alone -------------------------------------------------


@pytest.mark.parametrize(("ekavian", "ijekavian"), [
    ("mleko", "mlijeko"), ("reka", "rijeka"), ("vreme", "vrijeme"), ("lepo", "lijepo"), ("dete", "dijete"),
    ("deca", "djeca"), ("lepota", "ljepota"), ("gde", "gdje"), ("predsednik", "predsjednik"),
])
def test_ekavian_words_become_ijekavian_from_the_table(ekavian, ijekavian):
    assert words(ekavian, "sr-Latn", "bs") == ijekavian


@pytest.mark.parametrize("unchanged", ["rekao", "vremena", "reklama", "decembar", "Beograd", "sveta", "video"])
def test_ekavian_words_the_table_does_not_name_stay(unchanged):
    assert words(unchanged, "sr-Latn", "cnr") == unchanged


# -- lexical differences ---------------------------------------------------------------------


@pytest.mark.parametrize(("hr", "target", "expected"), [
    ("tisuća", "sr-Latn", "hiljada"), ("tisuću", "bs", "hiljadu"), ("kruh", "sr-Latn", "hleb"),
    ("kruha", "cnr", "hljeba"), ("tjedan", "bs", "sedmica"), ("tjedna", "sr-Latn", "nedelje"),
    ("općina", "sr-Latn", "opština"), ("općinski", "cnr", "opštinski"), ("općina", "bs", "općina"),
    ("sveučilište", "sr-Latn", "univerzitet"), ("sveučilišta", "bs", "univerziteta"),
    ("zrakoplov", "sr-Latn", "avion"), ("kolodvor", "bs", "stanica"), ("glazba", "sr-Latn", "muzika"),
    ("glazbi", "cnr", "muzici"), ("točka", "sr-Latn", "tačka"), ("siječanj", "sr-Latn", "januar"),
    ("siječnja", "bs", "januara"), ("lipnja", "sr-Latn", "juna"), ("srpanj", "bs", "juli"),
    ("kolovoza", "sr-Latn", "avgusta"), ("prosinca", "cnr", "decembra"), ("tijekom", "sr-Latn", "tokom"),
    ("grad", "sr-Latn", "grad"), ("gradonačelnik", "sr-Latn", "gradonačelnik"), ("Europska", "sr-Latn", "Evropska"),
])
def test_croatian_words_in_the_other_standards(hr, target, expected):
    assert words(hr, "hr", target) == expected


@pytest.mark.parametrize(("source", "text", "expected"), [
    ("sr-Latn", "hiljadu", "tisuću"), ("sr-Latn", "opština", "općina"), ("bs", "sedmica", "tjedan"),
    ("sr-Latn", "januara", "siječnja"), ("cnr", "hljeb", "kruh"), ("sr-Latn", "hleba", "kruha"),
    ("bs", "kruh", "kruh"),  # Bosnian has both: recognised, and the same in Croatian
])
def test_the_other_standards_in_croatian(source, text, expected):
    assert words(text, source, "hr") == expected


def test_a_whole_sentence_hr_to_sr_with_what_changed():
    result = convert("Sveučilište je tijekom tjedna primilo tisuću studenata, a rijeka je lijepa.", "hr", "sr-Latn")
    assert result.kind == "sibling"
    assert result.text == "Univerzitet je tokom nedelje primilo hiljadu studenata, a reka je lepa."
    assert [(c.was, c.now) for c in result.changes] == [
        ("Sveučilište", "Univerzitet"), ("tijekom", "tokom"), ("tjedna", "nedelje"), ("tisuću", "hiljadu"),
        ("rijeka", "reka"), ("lijepa", "lepa")]


def test_links_and_glossary_terms_are_not_converted():
    text = "Prijavite se na www.mjesto-vrijeme.hr ili pisma@rijeka.hr, peti Sastanak na vrhu Mreže gradova B40."
    result = convert(text, "hr", "sr-Latn", terms=[("peti Sastanak na vrhu Mreže gradova B40", "Peti samit B40")])
    assert result.text == "Prijavite se na www.mjesto-vrijeme.hr ili pisma@rijeka.hr, Peti samit B40."


@pytest.mark.parametrize(("hr", "target", "expected"), [
    ("Sastanak će se održati, a nastavit će se u Skoplju.", "sr-Latn",
     "Sastanak će se održati, a nastaviće se u Skoplju."),
    ("Bit će održan sljedeći sastanak.", "cnr", "Biće održan sljedeći sastanak."),
    ("Sudjelovat ćemo.", "sr-Latn", "Učestvovaćemo."),
    ("Put će biti dug, a svijet će vidjeti.", "sr-Latn", "Put će biti dug, a svet će videti."),
    ("Održat će se u Skoplju.", "bs", "Održat će se u Skoplju."),  # Bosnian writes it as Croatian does
    ("Održat će se u Skoplju.", "sr-Cyrl", "Одржаће се у Скопљу."),
])
def test_the_croatian_future_is_fused_in_serbian_and_montenegrin(hr, target, expected):
    assert words(hr, "hr", target) == expected


def test_new_rows_regija_and_zrak():
    assert words("iz regije, o čistom zraku", "hr", "sr-Latn") == "iz regiona, o čistom vazduhu"
    assert words("iz regije, o čistom zraku", "hr", "bs") == "iz regije, o čistom zraku"
    assert words("novi željeznički kolodvor", "hr", "sr-Latn") == "novi železnički stanica"  # agreement: a person's


# -- Serbian scripts -------------------------------------------------------------------------


def test_script_conversion_is_marked_script_and_exact():
    latin = "Gradonačelnik Beograda je rekao da je Ljubljana lepa, a džep pun; www.beograd.rs."
    cyrillic = convert(latin, "sr-Latn", "sr-Cyrl")
    assert cyrillic.kind == "script" and not cyrillic.changes
    assert cyrillic.text == "Градоначелник Београда је рекао да је Љубљана лепа, а џеп пун; www.beograd.rs."
    assert convert(cyrillic.text, "sr-Cyrl", "sr-Latn").text == latin


SERBIAN_LATIN = "abcčćddžđefghijklljmnnjoprsštuvzž"


@given(st.lists(st.text(alphabet=SERBIAN_LATIN, min_size=1, max_size=12), min_size=1, max_size=8))
def test_script_round_trip_of_serbian_latin(parts):
    text = " ".join(parts)
    # Latin -> Cyrillic -> Latin gives the text back whenever lj/nj/dž are read as one letter
    # (the Cyrillic side has no way to say "n" + "j"); the converter reads them so.
    assert convert(convert(text, "sr-Latn", "sr-Cyrl").text, "sr-Cyrl", "sr-Latn").text == text


@given(st.text(alphabet="абвгдђежзијклљмнњопрстћуфхцчџш ,.", max_size=60).filter(
    lambda t: not any(pair in t for pair in ("дж", "лј", "нј"))))  # spelt џ, љ, њ in Serbian
def test_script_round_trip_of_serbian_cyrillic(text):
    assert convert(convert(text, "sr-Cyrl", "sr-Latn").text, "sr-Latn", "sr-Cyrl").text == text


def test_croatian_into_serbian_cyrillic_goes_through_latin():
    result = convert("Gradonačelnik je rekao da rijeka teče kroz grad tijekom tjedna.", "hr", "sr-Cyrl")
    assert result.kind == "sibling"
    assert result.text == "Градоначелник је рекао да река тече кроз град током недеље."
    assert serbian_to_latin(result.text) == "Gradonačelnik je rekao da reka teče kroz grad tokom nedelje."


def test_glossary_terms_reach_cyrillic_as_approved():
    result = convert("Dobrodošli na peti Sastanak na vrhu Mreže gradova B40.", "hr", "sr-Cyrl",
                     terms=[("peti Sastanak na vrhu Mreže gradova B40", "Пети самит B40")])
    assert result.text == "Dobrodošli на Пети самит B40.".replace("Dobrodošli", serbian_to_cyrillic("Dobrodošli"))


# -- choosing the source, and data errors ----------------------------------------------------


def test_the_closest_reviewed_sibling_is_chosen():
    assert choose_source("sr-Cyrl", ["hr", "sr-Latn"]) == "sr-Latn"
    assert choose_source("bs", ["hr", "sr-Latn", "cnr"]) == "cnr"
    assert choose_source("hr", ["sr-Latn"]) == "sr-Latn"
    assert choose_source("hr", []) is None
    assert choose_source("mk", ["hr"]) is None


def test_a_language_outside_the_family_is_refused():
    with pytest.raises(ValueError, match="both must be in"):
        convert("text", "hr", "sl")


def test_malformed_data_names_file_and_line(tmp_path: Path):
    (tmp_path / "lexicon.tsv").write_text("# hr\tbs\tcnr\tsr-Latn\ntisuć-\thiljada\thiljad-\thiljad-\n",
                                          encoding="utf-8")
    (tmp_path / "jat.tsv").write_text("mleko\tmlijeko\n", encoding="utf-8")
    (tmp_path / "jat-exceptions.txt").write_text("klijent-\n", encoding="utf-8")
    siblings.load.cache_clear()
    try:
        with pytest.raises(SiblingDataError, match=r"lexicon.tsv:2: a row is either whole words or stems"):
            siblings.load(tmp_path)
        (tmp_path / "lexicon.tsv").write_text("tisuća\thiljada\n", encoding="utf-8")
        with pytest.raises(SiblingDataError, match=r"lexicon.tsv:1: 2 column\(s\), expected 4"):
            siblings.load(tmp_path)
        (tmp_path / "lexicon.tsv").write_text("tisuć-\thiljad-\thiljad-\thiljad-\n", encoding="utf-8")
        data = siblings.load(tmp_path)
        assert convert("tisuću mlijeka", "hr", "sr-Latn", data=data).text == "hiljadu mleka"
    finally:
        siblings.load.cache_clear()
