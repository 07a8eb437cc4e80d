"""Every gettext catalogue of the package: complete, not fuzzy, plural forms the
language has, placeholders kept, the committed .mo the compiled .po, and every
string the code and templates mark for translation present in every language.

Generic over whatever catalogues exist (the project's locale directory and the
apps' own, e.g. b40news/api/locale), so a new language is checked as soon as
its files are added. The .po files are read with translate-toolkit, the .mo
files with the standard library (Django reads only the .mo).
"""

from __future__ import annotations

import ast
import gettext
import io
import re
import tokenize
from collections import defaultdict
from pathlib import Path

import pytest
from django.utils.translation.template import templatize
from translate.storage import po

import b40news

PACKAGE = Path(b40news.__file__).resolve().parent
CATALOGUES = sorted(PACKAGE.rglob("locale/*/LC_MESSAGES/*.po"))

# How many plural forms each network language (and English) has, as in Django's own catalogues.
NPLURALS = {"bg": 2, "bs": 3, "cnr": 3, "el": 2, "en": 2, "hr": 3, "mk": 2, "ro": 3, "sl": 4, "sq": 2,
            "sr": 3, "tr": 2}

# A %-format conversion as Python applies it: %(name)s, %(m)02d, %d, %r; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")


def language_of(path: Path) -> str:
    return path.parent.parent.name  # .../locale/<language>/LC_MESSAGES/<domain>.po


def label(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def units(store):
    return [unit for unit in store.units if not unit.isheader() and not unit.isobsolete()]


def sources(unit) -> list[str]:
    return [str(s) for s in unit.source.strings] if unit.hasplural() else [str(unit.source)]


def targets(unit) -> list[str]:
    return [str(s) for s in unit.target.strings] if unit.hasplural() else [str(unit.target)]


def placeholders(text: str) -> set[str]:
    return {p for p in PLACEHOLDER.findall(text) if p != "%%"}


def header(store) -> dict[str, str]:
    return {key.lower(): value for key, value in store.parseheader().items()}


def nplurals(store) -> int:
    found = re.search(r"nplurals\s*=\s*(\d+)", header(store).get("plural-forms", ""))
    return int(found.group(1)) if found else 0


def test_there_are_catalogues_to_check():
    assert len(CATALOGUES) >= 2
    assert {language_of(path) for path in CATALOGUES} >= {"bg"}


@pytest.fixture(params=CATALOGUES, ids=label)
def catalogue(request):
    path = request.param
    return path, po.pofile.parsefile(str(path))


def test_the_header_names_the_language_and_its_plural_forms(catalogue):
    path, store = catalogue
    language = language_of(path)
    base = language.split("_")[0].lower()
    assert base in NPLURALS, f"{label(path)}: say how many plural forms {language} has in NPLURALS"
    fields = header(store)
    assert not store.header().isfuzzy(), f"{label(path)}: the header is marked fuzzy"
    assert fields.get("language", "").replace("-", "_").lower() == language.lower(), label(path)
    assert nplurals(store) == NPLURALS[base], f"{label(path)}: {fields.get('plural-forms')}"
    assert "charset=UTF-8" in fields.get("content-type", ""), label(path)


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    path, store = catalogue
    entries = units(store)
    assert entries, label(path)
    fuzzy = [sources(unit)[0] for unit in entries if unit.isfuzzy()]
    untranslated = [sources(unit)[0] for unit in entries if not all(t.strip() for t in targets(unit))]
    assert fuzzy == [], f"{label(path)}: fuzzy"
    assert untranslated == [], f"{label(path)}: untranslated"


def test_plural_entries_have_every_form_of_the_language(catalogue):
    path, store = catalogue
    expected = nplurals(store)
    wrong = {sources(unit)[0]: len(targets(unit)) for unit in units(store)
             if unit.hasplural() and len(targets(unit)) != expected}
    assert wrong == {}, f"{label(path)}: want {expected} forms"


def test_translations_keep_the_placeholders_of_their_source(catalogue):
    path, store = catalogue
    mismatched = []
    for unit in units(store):
        wanted = set().union(*(placeholders(s) for s in sources(unit)))
        if not wanted and not unit.hastypecomment("python-format"):
            continue
        for target in targets(unit):
            if placeholders(target) != wanted or target.count("%%") != sources(unit)[0].count("%%"):
                mismatched.append((sources(unit)[0], target))
    assert mismatched == [], label(path)


def test_the_committed_mo_is_the_compiled_po(catalogue):
    path, store = catalogue
    compiled_path = path.with_suffix(".mo")
    assert compiled_path.exists(), f"{label(path)}: not compiled (msgfmt --check -o {compiled_path.name})"
    with compiled_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert compiled.info().get("language", "").replace("-", "_").lower() == language_of(path).lower()
    forms = nplurals(store)
    chosen = {compiled.plural(n) for n in range(1000)}
    assert chosen == set(range(forms)), f"{label(path)}: the plural formula picks {sorted(chosen)}"
    for unit in units(store):
        texts, translated = sources(unit), targets(unit)
        if unit.hasplural():
            for n in range(1000):
                assert compiled.ngettext(texts[0], texts[1], n) == translated[compiled.plural(n)], (texts[0], n)
        else:
            assert compiled.gettext(texts[0]) == translated[0], texts[0]


def test_every_language_of_a_catalogue_has_the_same_entries():
    """A string translated in one language and missing in another shows English there."""
    by_domain: dict[tuple[Path, str], dict[str, set[str]]] = defaultdict(dict)
    for path in CATALOGUES:
        store = po.pofile.parsefile(str(path))
        by_domain[path.parent.parent.parent, path.stem][language_of(path)] = {
            sources(unit)[0] for unit in units(store)}
    for (root, domain), languages in by_domain.items():
        everything = set().union(*languages.values())
        missing = {language: sorted(everything - entries) for language, entries in languages.items()
                   if everything - entries}
        assert missing == {}, f"{root.relative_to(PACKAGE)}/{domain}.po"


# The functions of django.utils.translation whose first argument is a msgid (makemessages' keywords).
MARKERS = {"gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}


def python_marked(code: str) -> set[str]:
    """Literal first arguments of the gettext functions, under whatever name they were imported."""
    tree = ast.parse(code)
    names = {alias.asname or alias.name for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
             for alias in node.names if alias.name in MARKERS}
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}


TEMPLATE_MARKERS = MARKERS | {"_"}  # _("...") is a filter argument: {{ x|default:_("none") }}


def template_marked(text: str, origin: str) -> set[str]:
    """{% translate %} and {% blocktranslate %} strings, as Django's own template scanner gives them."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(templatize(text, origin=origin)).readline)
              if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)]
    found = set()
    for index, token in enumerate(tokens[:-2]):
        if token.type == tokenize.NAME and token.string in TEMPLATE_MARKERS and tokens[index + 1].string == "(":
            parts, position = [], index + 2
            while tokens[position].type == tokenize.STRING:
                parts.append(ast.literal_eval(tokens[position].string))
                position += 1
            if parts:
                found.add("".join(parts))
    return found


def locale_of(source: Path) -> Path:
    """The catalogue directory makemessages writes a file's strings to: the nearest locale/ above it."""
    for folder in source.parents:
        if (folder / "locale").is_dir():
            return folder / "locale"
        if folder == PACKAGE:
            break
    return PACKAGE / "locale"


def marked_strings() -> dict[Path, set[str]]:
    wanted: dict[Path, set[str]] = defaultdict(set)
    for source in PACKAGE.rglob("*.py"):
        if "migrations" not in source.parts:
            wanted[locale_of(source)] |= python_marked(source.read_text(encoding="utf-8"))
    for template in PACKAGE.rglob("templates/**/*"):
        if template.suffix in (".html", ".txt"):
            wanted[locale_of(template)] |= template_marked(template.read_text(encoding="utf-8"), str(template))
    return wanted


def test_the_scanner_finds_what_makemessages_finds():
    assert python_marked("from django.utils.translation import gettext_lazy as _lazy\n"
                         "x = _lazy('Sending resumed.')\nprint('no')\n") == {"Sending resumed."}
    assert template_marked("{% load i18n %}{% blocktranslate %}You are its {{ role }}.{% endblocktranslate %}",
                           "t.html") == {"You are its %(role)s."}
    assert template_marked('{{ email|default:_("(no e-mail address)") }}', "t.html") == {"(no e-mail address)"}


def test_every_marked_string_is_in_every_catalogue_of_its_directory():
    """A marked string no catalogue has shows English in every language but English."""
    wanted = marked_strings()
    assert len(wanted[PACKAGE / "locale"]) > 200 and len(wanted[PACKAGE / "api" / "locale"]) > 20
    for path in CATALOGUES:
        have = {sources(unit)[0] for unit in units(po.pofile.parsefile(str(path)))}
        assert sorted(wanted[path.parent.parent.parent] - have) == [], label(path)
