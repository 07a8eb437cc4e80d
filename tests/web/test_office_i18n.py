"""The officer interface in English and Bulgarian (Django i18n, a language switcher).

No GNU gettext needed: the strings are found with Django's own template
scanner and Python's tokenizer, the catalogue is read with translate-toolkit
and the compiled file with the standard library.
"""

from __future__ import annotations

import ast
import gettext
import io
import tokenize
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.translation.template import templatize
from translate.storage import po

from b40news.web import office
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    fast_hashing, logged_in, network, officer, post, release,
)

WEB = Path(office.__file__).resolve().parent.parent
CATALOGUE = WEB.parent / "locale" / "bg" / "LC_MESSAGES"
SOURCES = sorted((WEB / "office").glob("*.py"))
TEMPLATES = sorted([*(WEB / "templates" / "web" / "office").glob("*.html"),
                    *(WEB / "templates" / "registration").glob("*.html")])
CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}


def marked_strings(code: str) -> set[str]:
    """The first argument of every gettext-style call with a literal string."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline)
              if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)]
    found = set()
    for index, token in enumerate(tokens[:-2]):
        if token.type == tokenize.NAME and token.string in CALLS and tokens[index + 1].string == "(":
            parts, position = [], index + 2
            while tokens[position].type == tokenize.STRING:  # adjacent literals are one string
                parts.append(ast.literal_eval(tokens[position].string))
                position += 1
            if parts:
                found.add("".join(parts))
    return found


def catalogue() -> dict[str, list[str]]:
    store = po.pofile.parsefile(str(CATALOGUE / "django.po"))
    units = {}
    for unit in store.units:
        if unit.isheader() or unit.isobsolete():
            continue
        assert not unit.isfuzzy(), f"fuzzy: {unit.source}"
        if unit.hasplural():
            units[str(unit.source.strings[0])] = [str(s) for s in unit.target.strings]
        else:
            units[str(unit.source)] = [str(unit.target)]
    return units


def test_every_string_of_the_interface_has_a_bulgarian_translation():
    wanted = set()
    for path in SOURCES:
        wanted |= marked_strings(path.read_text(encoding="utf-8"))
    for path in TEMPLATES:
        wanted |= marked_strings(templatize(path.read_text(encoding="utf-8"), origin=str(path)))
    assert len(wanted) > 100
    units = catalogue()
    assert sorted(wanted - set(units)) == []
    assert [key for key, targets in units.items() if not all(targets)] == []


def test_the_compiled_catalogue_is_the_current_one():
    with open(CATALOGUE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for source, targets in catalogue().items():
        if len(targets) == 1:
            assert compiled.gettext(source) == targets[0], source
        else:
            assert compiled.ngettext(source, source + "s", 1) == targets[0], source
            assert compiled.ngettext(source, source + "s", 5) == targets[1], source


@pytest.mark.django_db
def test_the_switcher_turns_the_office_bulgarian_and_back(release, officer):
    client = logged_in(officer)
    dashboard = reverse("office:dashboard")
    english = client.get(dashboard).content.decode()
    assert '<html lang="en">' in english and "New release" in english and "Releases of Stara Zagora" in english
    response = post(client, dashboard, reverse("office:set_language"), {"language": "bg", "next": dashboard})
    assert response.status_code == 302 and response["Location"] == dashboard
    bulgarian = client.get(dashboard).content.decode()
    assert '<html lang="bg">' in bulgarian
    assert "Ново съобщение" in bulgarian and "Съобщения на Стара Загора" in bulgarian and "New release" not in bulgarian
    review = client.get(reverse("office:review", args=[release.pk, "mk"])).content.decode()
    assert "изискват човешко решение" in review and "Поправи" in review
    post(client, dashboard, reverse("office:set_language"), {"language": "en", "next": dashboard})
    assert "New release" in client.get(dashboard).content.decode()


@pytest.mark.django_db
def test_the_login_page_follows_the_browser_language(network):
    from django.test import Client

    page = Client(HTTP_ACCEPT_LANGUAGE="bg").get(reverse("office:login")).content.decode()
    assert "Потребителско име" in page and "За служителите по комуникации" in page
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("office:login")).content.decode()
    assert "Username" in page
