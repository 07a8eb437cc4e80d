"""Per-segment flags and the transliteration of leftovers."""

from __future__ import annotations

from b40news.translation.quality import check_segment, clean_segment, failed, foreign_words


def codes(flags):
    return [flag.code for flag in flags]


def test_clean_output_has_no_flags():
    source = "Кметът на Стара Загора участва в срещата на ⟦1⟧."
    assert check_segment(source, "The mayor of Stara Zagora takes part in the meeting at ⟦1⟧.", "en") == []


def test_engine_marks():
    source = "Кметът гльорбофски дойде в града днес."
    [flag] = check_segment(source, "The mayor gljorbofski came to the city today.", "en", unknown=["гльорбофски"])
    assert flag.code == "engine-marks" and "гльорбофски" in flag.reason
    assert str(flag).startswith("engine-marks: ")
    assert not failed([str(flag)])


def test_an_unknown_name_is_not_flagged():
    assert check_segment("Кметът Гльорбофски дойде в града днес.",
                         "The mayor Gljorbofski came to the city today.", "en", unknown=["Гльорбофски"]) == []


def test_mostly_unknown_words_mean_the_route_failed_on_the_segment():
    flags = check_segment("гльорбофски дойде.", "gljorbofski came.", "en", unknown=["гльорбофски"])
    assert codes(flags) == ["engine-marks", "mostly-unknown"]
    assert "1 of 2 words" in flags[1].reason
    assert failed([str(flag) for flag in flags])


def test_cyrillic_left_in_latin_and_greek_targets():
    assert codes(check_segment("Кметът дойде днес.", "The кметът came today.", "en")) == ["source-script"]
    assert codes(check_segment("Кметът дойде днес.", "Ο кметът ήρθε σήμερα.", "el")) == ["source-script"]
    assert foreign_words("Ο δήμαρχος ήρθε σήμερα.", "el") == []


def test_cyrillic_targets_flag_only_bulgarian_letters():
    # Correct Macedonian and Serbian Cyrillic are not flagged...
    assert check_segment("Кметът участва.", "Градоначалникот учествува.", "mk") == []
    assert check_segment("Кметът участва.", "Градоначелник учествује.", "sr-Cyrl") == []
    # ...words with ъ, щ, ю, я, й are.
    assert foreign_words("Градоначалникот ще дојде, Пресконференцията.", "mk") == ["ще", "Пресконференцията"]
    assert foreign_words("Щастливи ђаци и Јован.", "sr-Cyrl") == ["Щастливи"]
    assert codes(check_segment("Кметът ще дойде.", "Градоначалникот ще дојде.", "mk")) == ["source-script"]


def test_placeholders_lost_and_duplicated():
    source = "Пишете на ⟦1⟧ или ⟦2⟧."
    lost = check_segment(source, "Write to ⟦1⟧ or.", "en")
    assert codes(lost) == ["placeholder-lost"] and "⟦2⟧" in lost[0].reason
    doubled = check_segment(source, "Write to ⟦1⟧ or ⟦2⟧ ⟦2⟧ ⟦3⟧.", "en")
    assert codes(doubled) == ["placeholder-duplicated"] and "⟦2⟧ ⟦3⟧" in doubled[0].reason
    # An engine spacing the brackets still counts as keeping it (restore reads it).
    assert check_segment(source, "Write to ⟦ 1 ⟧ or ⟦2⟧.", "en") == []


def test_length_ratio_on_long_segments_only():
    source = "Общината представи новия план за градски транспорт."
    assert codes(check_segment(source, "Plan.", "en")) == ["length-ratio"]
    assert codes(check_segment(source, source.replace("Общината", "The") * 3, "en"))[-1] == "length-ratio"
    assert check_segment("Кратко.", "A much, much longer output", "en") == []


def test_leftovers_are_transliterated_into_the_target_script():
    text, [flag] = clean_segment("The township will ремонтира three schools.", "en", ["ремонтира"])
    assert text == "The township will remontira three schools."
    # a common word only transliterated never ships in English: the segment is held for a person
    assert flag.code == "untranslated-word" and "ремонтира → remontira" in flag.reason
    # Unmarked Cyrillic in a Latin target is a leftover too (Argos marks nothing).
    assert clean_segment("Gradonačelnik Щастливи", "hr", [])[0] == "Gradonačelnik Štastlivi"
    greek, _ = clean_segment("Ο Чакърова ήρθε.", "el", [])
    assert greek == "Ο Τσακαροβα ήρθε."


def test_macedonian_keeps_its_own_letters():
    text, flags = clean_segment("Пресконференцијата ќе почне, пресконференцията.", "mk",
                                ["пресконференцията"])
    assert text == "Пресконференцијата ќе почне, пресконференцијата."
    assert codes(flags) == ["transliterated"]
    # An unknown word already spelt in Macedonian letters is left as it is.
    assert clean_segment("Програмата вклучува обуки за младежи.", "mk", ["младежи"]) == (
        "Програмата вклучува обуки за младежи.", [])


def test_placeholders_survive_cleaning():
    text, _ = clean_segment("Пишете на ⟦1⟧ днес.", "en", [])
    assert text == "Pishete na ⟦1⟧ dnes."


def test_macedonian_leftovers_from_a_pivot_leave_no_cyrillic():
    # Apertium's bg→mk→en leaves unknown words in Macedonian letters (ј, ќ, љ...).
    text, [flag] = clean_segment("The citizens were voting of најкрасивата road.", "en", ["најкрасивата"])
    assert text == "The citizens were voting of naykrasivata road."
    hr, _ = clean_segment("Glasali su za најкрасивата улицу, Ќерка.", "hr", [])
    assert hr == "Glasali su za najkrasivata ulicu, Kjerka."
    greek, _ = clean_segment("Ο Љубомир ήρθε.", "el", [])
    assert not foreign_words(greek, "el")
