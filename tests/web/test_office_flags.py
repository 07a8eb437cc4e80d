"""Every flag a check can raise is explained in plain words in the editor, with its words marked."""

from __future__ import annotations

import re
from pathlib import Path

import b40news
from b40news.web.office import flags

PACKAGE = Path(b40news.__file__).resolve().parent


def raised_codes() -> set[str]:
    found = set()
    for path in [*PACKAGE.glob("translation/**/*.py"), *PACKAGE.glob("glossary/**/*.py")]:
        found |= set(re.findall(r'Flag\(\s*"([a-z-]+)"', path.read_text(encoding="utf-8")))
    return found


def test_every_flag_the_checks_raise_has_an_explanation():
    codes = raised_codes()
    assert {"wrong-sense", "untranslated-word", "engine-marks"} <= codes
    assert sorted(codes - set(flags.EXPLAINED)) == []


def test_the_words_of_a_transliteration_flag_are_marked():
    (shown,) = flags.explained(["untranslated-word: Bulgarian words only transliterated: bezplatno, mladezhi"])
    assert shown["code"] == "untranslated-word" and shown["words"] == ["bezplatno", "mladezhi"]
    assert "Latin letters" in shown["text"]
    (sense,) = flags.explained(['wrong-sense: "limb" is a known wrong sense here; usually "member"'])
    assert sense["words"] == ["limb", "member"]
