"""Every gettext catalogue of the interface: complete, not fuzzy, the right plural rule, compiled.

Two domains, one format: ``django`` (the office and the API, in
``src/b40news/locale`` and ``src/b40news/api/locale``) and ``mail`` (the
e-mails and the public pages, in ``email_templates/locale``). The catalogues are
read with translate-toolkit and the compiled files with the standard
library, so no GNU gettext is needed here.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.utils.translation.template import templatize
from translate.storage import po

import b40news
from b40news import languages
from tests.web.test_office_i18n import marked_strings

PACKAGE = Path(b40news.__file__).resolve().parent
TEMPLATES = PACKAGE / "email_templates"
DJANGO_DIRS = (PACKAGE / "locale", PACKAGE / "api" / "locale")
BUILTIN_DIR = PACKAGE / "locale_builtin"  # Django's own messages where Django has no catalogue
MAIL_DIR = TEMPLATES / "locale"
BY_LOCALE = {lang.locale: lang for lang in languages.LANGUAGES.values()}


def catalogues() -> list[Path]:
    found = [path for base in (*DJANGO_DIRS, BUILTIN_DIR) for path in sorted(base.glob("*/LC_MESSAGES/django.po"))]
    return found + sorted(MAIL_DIR.glob("*/LC_MESSAGES/mail.po"))


def units(path: Path):
    return [unit for unit in po.pofile.parsefile(str(path)).units if not unit.isheader() and not unit.isobsolete()]


def header(path: Path) -> dict[str, str]:
    return po.pofile.parsefile(str(path)).parseheader()


def targets(unit) -> list[str]:
    return [str(s) for s in unit.target.strings] if unit.hasplural() else [str(unit.target)]


def key(unit) -> str:
    return str(unit.source.strings[0]) if unit.hasplural() else str(unit.source)


def language_of(path: Path) -> languages.Language:
    return BY_LOCALE[path.parent.parent.name]


def office_catalogue(code: str) -> dict[str, list[str]]:
    lang = languages.get(code)
    found = {}
    for base in DJANGO_DIRS:
        path = base / lang.locale / "LC_MESSAGES" / "django.po"
        if path.exists():
            found.update({key(unit): targets(unit) for unit in units(path)})
    return found


def marked_in_the_code() -> set[str]:
    wanted = set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" not in path.parts:
            wanted |= marked_strings(path.read_text(encoding="utf-8"))
    for path in PACKAGE.rglob("templates/**/*.html"):
        wanted |= marked_strings(templatize(path.read_text(encoding="utf-8"), origin=str(path)))
    return wanted


def same_plural_rule(header_value: str, expected: str) -> bool:
    """The same number of forms, and the same form for every count (spellings of the rule may differ)."""
    def parsed(value):
        count = re.search(r"nplurals\s*=\s*(\d+)", value).group(1)
        rule = gettext.c2py(re.search(r"plural\s*=\s*(.+?);?\s*$", value).group(1))
        return count, [rule(n) for n in range(1000)]
    return parsed(header_value) == parsed(expected)


def python_format(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)\d*[sdr]", text))


def brace_format(text: str) -> list[str]:
    return sorted(re.findall(r"\{\w*\}", text))


def test_the_catalogues_are_where_gettext_and_django_look():
    assert len(catalogues()) >= 13 + 2 * 7  # every language's mail; the office and API in at least 7
    for path in catalogues():
        assert path.parent.parent.name in BY_LOCALE, path  # a network language's gettext directory
    assert {p.parent.parent.name for p in MAIL_DIR.glob("*/LC_MESSAGES/mail.po")} == set(BY_LOCALE)


@pytest.mark.parametrize("path", catalogues(), ids=lambda p: "/".join(p.parts[-5:]))
def test_complete_not_fuzzy_with_the_languages_plural_rule(path):
    lang = language_of(path)
    meta = header(path)
    assert same_plural_rule(meta["Plural-Forms"], languages.PLURAL_FORMS[lang.code]), meta.get("Plural-Forms")
    assert meta["Language"] == lang.locale
    assert "charset=UTF-8" in meta["Content-Type"]
    nplurals = int(re.search(r"nplurals=(\d)", meta["Plural-Forms"]).group(1))
    problems = []
    for unit in units(path):
        texts = targets(unit)
        if unit.isfuzzy():
            problems.append(("fuzzy", key(unit)))
        if not all(text.strip() for text in texts):
            problems.append(("untranslated", key(unit)))
        if unit.hasplural() and len(texts) != nplurals:
            problems.append(("plural forms", key(unit)))
        # A plural form may use the count the singular leaves out ("a second" / "za %(count)s sekundu").
        allowed = set(python_format(key(unit)))
        if unit.hasplural():
            allowed |= set(python_format(str(unit.source.strings[1])))
        for text in texts:
            if python_format(text) and not set(python_format(key(unit))) <= set(python_format(text)) <= allowed:
                problems.append(("placeholders", key(unit)))
            if brace_format(text) != brace_format(key(unit)):
                problems.append(("placeholders", key(unit)))
        if not unit.hasplural() and python_format(texts[0]) != python_format(key(unit)):
            problems.append(("placeholders", key(unit)))
    assert problems == []


@pytest.mark.parametrize("path", catalogues(), ids=lambda p: "/".join(p.parts[-5:]))
def test_the_compiled_catalogue_is_the_current_one(path):
    with open(path.with_suffix(".mo"), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for unit in units(path):
        texts = targets(unit)
        context = unit.getcontext()
        if unit.hasplural():
            plural = str(unit.source.strings[1])
            for n in range(0, 112):
                shown = (compiled.npgettext(context, key(unit), plural, n) if context
                         else compiled.ngettext(key(unit), plural, n))
                assert shown == texts[compiled.plural(n)], (key(unit), n)
        elif context:
            assert compiled.pgettext(context, key(unit)) == texts[0], (context, key(unit))
        else:
            assert compiled.gettext(key(unit)) == texts[0], key(unit)


def _office_languages():
    return [code for code in languages.LANGUAGES if code != "en"]


@pytest.mark.parametrize("code", _office_languages())
def test_every_marked_string_of_the_code_is_in_each_languages_office_catalogue(code):
    catalogue = office_catalogue(code)
    assert catalogue, f"no office catalogue for {code}"
    assert sorted(marked_in_the_code() - set(catalogue)) == []


def test_the_builtin_catalogues_translate_djangos_own_messages_django_lacks():
    """locale_builtin/ holds Django's own msgids only, and only where Django's catalogues for
    that language have no translation (Montenegrin: none at all; Croatian and Bosnian: the
    future half of humanize's "in 2 hours")."""
    import django

    root = Path(django.__file__).parent
    own = set()
    for path in root.glob("**/locale/en/LC_MESSAGES/django.po"):
        own |= {(unit.getcontext(), key(unit)) for unit in units(path)}
    for path in BUILTIN_DIR.glob("*/LC_MESSAGES/django.po"):
        ours = {(unit.getcontext(), key(unit)) for unit in units(path)}
        assert sorted(ours - own) == [], path
        for theirs in root.glob(f"**/locale/{path.parent.parent.name}/LC_MESSAGES/django.mo"):
            with theirs.open("rb") as handle:
                catalogue = gettext.GNUTranslations(handle)
            already = [(context, msgid) for context, msgid in ours
                       if (catalogue.pgettext(context, msgid) if context else catalogue.gettext(msgid)) != msgid]
            assert already == [], (path, theirs)


def test_the_mail_catalogues_share_the_english_keys_and_sources():
    reference = {(unit.getcontext(), key(unit)) for unit in units(MAIL_DIR / "en" / "LC_MESSAGES" / "mail.po")}
    assert len(reference) > 90
    for path in MAIL_DIR.glob("*/LC_MESSAGES/mail.po"):
        assert {(unit.getcontext(), key(unit)) for unit in units(path)} == reference, path


@pytest.mark.parametrize(("code", "counts"), [
    ("hr", {1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 22: 1, 25: 2, 112: 2}),
    ("sr-Latn", {1: 0, 3: 1, 5: 2, 101: 0}),
    ("sr-Cyrl", {1: 0, 4: 1, 14: 2}),
    ("bs", {1: 0, 2: 1, 5: 2}),
    ("cnr", {1: 0, 2: 1, 5: 2}),
    ("mk", {1: 0, 2: 1, 11: 1, 21: 0}),
    ("sl", {1: 0, 2: 1, 3: 2, 4: 2, 5: 3, 101: 0, 102: 1, 111: 3}),
    ("ro", {1: 0, 2: 1, 19: 1, 20: 2, 101: 1}),
    ("tr", {1: 0, 2: 1}),
])
def test_the_plural_rule_picks_the_languages_forms(code, counts):
    with open(MAIL_DIR / languages.get(code).locale / "LC_MESSAGES" / "mail.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert {n: compiled.plural(n) for n in counts} == counts
