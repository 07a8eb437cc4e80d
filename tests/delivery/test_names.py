"""Names in every language: a list's name per language (the glossary's city names by
default), the city's newsletter name, and the issuing city named in the From line and
the header when a release goes out on another city's list."""

from __future__ import annotations

import pytest
from django.test import override_settings

from b40news.delivery import composer
from b40news.network.models import City, MailingList
from b40news.releases import workflow
from tests.web.test_office_fixtures import add_subscribers, seed_release
from tests.web.test_public_fixtures import csrf_client, network, post_form

pytestmark = pytest.mark.django_db(transaction=True)


def sender(message) -> str:
    """The From display name, its spaces normalised (Python's parser keeps a folded
    header's space between two encoded words on top of the one inside them)."""
    return " ".join(message["From"].addresses[0].display_name.split())


def test_sample_lists_are_named_in_every_language_from_the_glossary():
    network()
    skopje = MailingList.objects.get(slug="skopje-news")
    city = skopje.city
    assert skopje.label("mk") == f"{city.name('mk')} — B40" and skopje.label("mk") != skopje.label("en")
    assert skopje.label("bg") == "Скопие — B40" and skopje.label("en") == "Skopje — B40"
    skopje.names = {}
    assert skopje.label("mk") == skopje.name  # a language without a name of its own: the list's name


def test_the_confirmation_names_the_list_in_the_subscribers_language(mta):
    network()
    mk_name = MailingList.objects.get(slug="skopje-news").label("mk")
    with override_settings(SMTP_URL=mta.url):
        response = post_form(csrf_client(), "/s/skopje-news/", {"email": "ana@example.org", "language": "mk"})
    assert response.status_code == 200
    [message] = mta.messages()
    assert mk_name in message["Subject"] and "B40 news" not in message["Subject"]
    assert sender(message) == City.objects.get(slug="skopje").newsletter_name("mk")


def test_a_release_on_another_citys_list_names_the_issuing_city(mta):
    network()
    add_subscribers("sofia-news", ["en", "bg"])
    add_subscribers("stara-zagora-news", ["en"])
    release = seed_release("stara-zagora", lists=("sofia-news", "stara-zagora-news"), translate=("en",))
    workflow.approve(release, ["en"], force=True, override=True)
    with override_settings(SMTP_URL=mta.url):
        workflow.send(release)
    by_list = {}
    for message in mta.messages():
        by_list.setdefault(message["List-Id"].split("<")[1].split(".")[0], {})[message["Content-Language"]] = message
    sofia, home = by_list["sofia-news"], by_list["stara-zagora-news"]
    assert sender(sofia["en"]) == "Stara Zagora via Sofia · B40"
    assert sender(sofia["bg"]) == "Стара Загора чрез София · B40"
    assert sender(home["en"]) == "Stara Zagora · B40"  # its own list: no "via"
    assert "Stara Zagora via Sofia · B40" in sofia["en"].get_body(("plain",)).get_content()  # the header
    assert "Stara Zagora via" not in home["en"].get_body(("plain",)).get_content()
    assert "София — B40" in str(sofia["bg"]["List-Id"])  # the list, named in the subscriber's language


def test_a_citys_own_newsletter_name_is_used_when_set():
    network()
    sofia = City.objects.get(slug="sofia")
    sofia.newsletter_names = {"en": "B40 Sofia"}
    issuer = City.objects.get(slug="stara-zagora")
    assert composer.from_name(sofia, "en") == "B40 Sofia"
    assert composer.from_name(sofia, "en", issuer) == "Stara Zagora via B40 Sofia"
    assert composer.from_name(sofia, "mk", issuer).endswith(f"{sofia.name('mk')} · B40")
