"""The office in each of the network's languages: Django knows all 13 (Montenegrin too).

The language switch (Django's ``set_language``), the browser's language on
the login page, and ``ngettext`` with each language's plural forms.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import check_for_language, get_language_info, gettext, ngettext

from b40news import languages
from tests.i18n.test_catalogues import office_catalogue
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    fast_hashing, logged_in, network, officer, post,
)

OFFICE = [code for code in languages.LANGUAGES if code not in ("en",)]


def test_settings_offer_every_language_under_djangos_codes():
    assert [code for code, _ in settings.LANGUAGES] == [lang.django for lang in languages.LANGUAGES.values()]
    assert dict(settings.LANGUAGES)["sr"] == "српски" and dict(settings.LANGUAGES)["sr-latn"] == "srpski"
    assert get_language_info("cnr")["name_local"] == "crnogorski"
    assert get_language_info("sr-latn")["name_local"] == "srpski (latinica)"


@pytest.mark.parametrize("code", languages.LANGUAGES)
def test_django_takes_each_language(code):
    lang = languages.get(code)
    assert check_for_language(lang.django), code
    assert languages.from_django(lang.django) is lang
    assert translation.get_supported_language_variant(lang.django) == lang.django


@pytest.mark.parametrize("code", OFFICE)
def test_the_office_speaks_each_language(code):
    catalogue = office_catalogue(code)
    assert catalogue.get("New release"), code
    with translation.override(languages.get(code).django):
        assert gettext("New release") == catalogue["New release"][0]
        assert gettext("New release") != "New release"


@pytest.mark.parametrize(("code", "forms"), [
    ("hr", {1: 0, 2: 1, 5: 2, 21: 0}),
    ("sr-Latn", {1: 0, 2: 1, 5: 2}),
    ("sr-Cyrl", {1: 0, 3: 1, 11: 2}),
    ("bs", {1: 0, 4: 1, 5: 2}),
    ("cnr", {1: 0, 2: 1, 5: 2}),
    ("mk", {1: 0, 2: 1}),
    ("sl", {1: 0, 2: 1, 3: 2, 5: 3}),
])
def test_ngettext_gives_each_count_its_form(code, forms):
    singular, plural = "%(n)s flagged segment", "%(n)s flagged segments"
    expected = office_catalogue(code)[singular]
    with translation.override(languages.get(code).django):
        for n, form in forms.items():
            assert ngettext(singular, plural, n) % {"n": n} == expected[form] % {"n": n}, (code, n)


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["hr", "sr-Cyrl", "sr-Latn", "bs", "cnr", "mk", "bg"])
def test_the_switcher_turns_the_office_into_each_language(officer, code):
    lang = languages.get(code)
    client = logged_in(officer)
    dashboard = reverse("office:dashboard")
    page = client.get(dashboard).content.decode()
    assert f'<option value="{lang.django}"' in page  # offered by the switcher
    response = post(client, dashboard, reverse("office:set_language"), {"language": lang.django, "next": dashboard})
    assert response.status_code == 302
    page = client.get(dashboard).content.decode()
    assert f'<html lang="{lang.django}">' in page
    assert office_catalogue(code)["New release"][0] in page and "New release" not in page
    city = officer.officer.city
    assert f"{office_catalogue(code)['Releases of %(city)s'][0] % {'city': city.name(code)}}" in page


@pytest.mark.django_db
@pytest.mark.parametrize(("header", "code"), [
    # the network's reading of the header (languages.from_accept_language), as on the public pages
    ("hr-HR,hr;q=0.9", "hr"), ("sh", "hr"), ("sr-Latn-RS", "sr-Latn"), ("sr-RS", "sr-Latn"), ("sr", "sr-Latn"),
    ("sr-Cyrl-RS", "sr-Cyrl"), ("bs-BA", "bs"), ("cnr-ME", "cnr"), ("me", "cnr"), ("mk", "mk"),
    ("de-DE, mk;q=0.8, en;q=0.5", "mk"), ("bg-BG", "bg"),
])
def test_the_login_page_follows_the_browser_in_each_language(network, header, code):
    page = Client(HTTP_ACCEPT_LANGUAGE=header).get(reverse("office:login")).content.decode()
    assert f'<html lang="{languages.get(code).django}">' in page
    assert office_catalogue(code)["Username"][0] in page and "Username" not in page


@pytest.mark.django_db
def test_the_switchers_choice_comes_before_the_browser(network):
    client = Client(HTTP_ACCEPT_LANGUAGE="hr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "mk"
    page = client.get(reverse("office:login")).content.decode()
    assert office_catalogue("mk")["Username"][0] in page
    page = Client(HTTP_ACCEPT_LANGUAGE="de, fr").get(reverse("office:login")).content.decode()
    assert '<html lang="en">' in page and "Username" in page


@pytest.mark.django_db
def test_djangos_own_form_errors_speak_montenegrin_too(network, officer):
    with translation.override("cnr"):
        assert gettext("This field is required.") == "Ovo polje je obavezno."
    client = Client(HTTP_ACCEPT_LANGUAGE="cnr")
    page = client.get(reverse("office:login")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    page = client.post(reverse("office:login"), {"username": officer.get_username(), "password": "wrong",
                                                 "csrfmiddlewaretoken": token}).content.decode()
    assert "Imajte na umu da se u oba polja razlikuju mala i velika slova" in page
    assert "case-sensitive" not in page
