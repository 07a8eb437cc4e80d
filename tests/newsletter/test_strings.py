from __future__ import annotations

import re
import shutil

import pytest
from translate.storage import po
from translate.tools.pocompile import POCompile

from b40news import languages
from b40news.newsletter.strings import (
    StringsError,
    load_strings,
    missing_keys,
    placeholders,
    read_strings_file,
    strings_path,
)

from .samples import TEMPLATES

CODES = tuple(languages.LANGUAGES)
REFERENCE = read_strings_file(strings_path(TEMPLATES, "en"))


def test_the_reference_has_the_keys_the_templates_use():
    for key in ("greeting", "machine_translated", "human_translated", "read_original",
                "unsubscribe", "preferences", "why_receive", "sent_to", "confirm_subject",
                "confirm_body", "confirm_button"):
        assert REFERENCE.get(key, "").strip(), key


@pytest.mark.parametrize("code", CODES)
def test_every_language_has_every_key_and_no_empty_value(code):
    own = read_strings_file(strings_path(TEMPLATES, code))
    assert set(own) == set(REFERENCE), code
    assert missing_keys(TEMPLATES, code) == []
    assert all(value.strip() for value in own.values())


@pytest.mark.parametrize("code", CODES)
def test_placeholders_match_english(code):
    own = read_strings_file(strings_path(TEMPLATES, code))
    for key, value in own.items():
        assert placeholders(value) == placeholders(REFERENCE[key]), (code, key)


@pytest.mark.parametrize("code", [c for c in CODES if c != "en"])
def test_every_language_is_translated(code):
    own = read_strings_file(strings_path(TEMPLATES, code))
    copied = [key for key, value in own.items() if value == REFERENCE[key]]
    assert copied == []


@pytest.mark.parametrize("code", CODES)
def test_script_matches_the_language(code):
    text = "".join(read_strings_file(strings_path(TEMPLATES, code)).values())
    script = languages.get(code).script
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in text)
    greek = sum("\u0370" <= c <= "\u03ff" for c in text)
    if script == "Cyrl":
        assert cyrillic > 200 and greek == 0
    elif script == "Grek":
        assert greek > 200 and cyrillic == 0
    else:
        assert cyrillic == 0 and greek == 0


@pytest.mark.parametrize("code", [c for c in CODES if languages.get(c).script != "Latn"])
def test_non_latin_strings_hold_no_latin_e(code):
    # SpamAssassin's MIXED_ES counts Latin "e" against Cyrillic "е" (see test_spamassassin).
    text = "".join(read_strings_file(strings_path(TEMPLATES, code)).values())
    assert "e" not in re.sub(r"\{\w+\}", "", text).lower()


def test_serbian_scripts_say_the_same_thing():
    # Same keys, the Latin text is a transliteration of the Cyrillic one.
    table = dict(zip("абвгдђежзијклљмнњопрстћуфхцчџш", "a b v g d đ e ž z i j k l lj m n nj o p r s t ć u f h c č dž š".split()))
    latin = read_strings_file(strings_path(TEMPLATES, "sr-Latn"))
    for key, value in read_strings_file(strings_path(TEMPLATES, "sr-Cyrl")).items():
        transliterated = "".join(
            table[c.lower()].capitalize() if c.isupper() and c.lower() in table
            else table.get(c, c)
            for c in value
        )
        assert transliterated == latin[key], key


def test_romanian_uses_comma_below_not_cedilla():
    text = "".join(read_strings_file(strings_path(TEMPLATES, "ro")).values())
    assert not set(text) & set("şţŞŢ")
    assert "ș" in text and "ț" in text


def compile_catalogue(templates, code, entries):
    """A ``mail`` catalogue for ``code`` under ``templates``: ``{key: (English, text)}``, compiled."""
    store = po.pofile()
    store.updateheader(add=True, Language=code, Content_Type="text/plain; charset=UTF-8")
    for key, (source, target) in entries.items():
        unit = store.addsourceunit(source)
        unit.setcontext(key)
        unit.target = target
    path = strings_path(templates, code)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(POCompile.convertstore(store))
    return path


def test_missing_key_falls_back_to_english(tmp_path):
    path = strings_path(TEMPLATES, "en")
    shutil.copytree(path.parent, strings_path(tmp_path, "en").parent)
    compile_catalogue(tmp_path, "mk", {"greeting": ("Hello,", "Почитувани,")})
    strings = load_strings(tmp_path, "mk")
    assert strings["greeting"] == "Почитувани,"
    assert strings["unsubscribe"] == REFERENCE["unsubscribe"]
    assert "unsubscribe" in missing_keys(tmp_path, "mk")


def test_a_translation_of_older_english_is_not_shown(tmp_path):
    shutil.copytree(strings_path(TEMPLATES, "en").parent, strings_path(tmp_path, "en").parent)
    compile_catalogue(tmp_path, "hr", {"greeting": ("Hello,", "Poštovani,"), "unsubscribe": ("Sign off", "Odjava")})
    assert load_strings(tmp_path, "hr")["unsubscribe"] == REFERENCE["unsubscribe"]
    assert missing_keys(tmp_path, "hr") == sorted(set(REFERENCE) - {"greeting"})


def test_catalogues_live_in_gettext_locale_directories():
    assert strings_path(TEMPLATES, "sr-Cyrl").parts[-4:] == ("locale", "sr", "LC_MESSAGES", "mail.mo")
    assert strings_path(TEMPLATES, "sr").parts[-4:] == ("locale", "sr_Latn", "LC_MESSAGES", "mail.mo")
    assert strings_path(TEMPLATES, "cnr").parent.parent.name == "cnr"


def test_cached_and_aliases_share_the_entry():
    assert load_strings(TEMPLATES, "sr") is load_strings(TEMPLATES, "sr-Latn")
    assert load_strings(TEMPLATES, "mk")["unsubscribe"] == "Откажете ја претплатата"
    with pytest.raises(TypeError):
        load_strings(TEMPLATES, "mk")["greeting"] = "x"  # read-only


def test_unknown_language_and_bad_files_raise(tmp_path):
    with pytest.raises(languages.UnknownLanguage):
        load_strings(TEMPLATES, "xx")
    path = strings_path(tmp_path, "en")
    path.parent.mkdir(parents=True)
    path.write_text("greeting: not a compiled catalogue\n", encoding="utf-8")
    with pytest.raises(StringsError):
        load_strings(tmp_path, "en")
