"""The office's language switcher, and the scanner that finds the strings the code marks
for translation (tests/i18n/ checks every catalogue against it, in all 13 languages)."""

from __future__ import annotations

import ast
import io
import tokenize

import pytest
from django.urls import reverse

from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    fast_hashing, logged_in, network, officer, post, release,
)

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
