"""Reviewers and translators in the office: who opens, edits and approves a language.

The matrix of the issue, through the web: a reviewer and a translator of
Macedonian (not officers at all, from Skopje's communications staff), a
reviewer of Macedonian for another city's releases only, the officer who
submitted the release (no language role), an officer of another city and an
admin. The CLI's side is in tests/integration/test_reviewers_cli.py.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from b40news.releases import reviewers
from b40news.releases.models import LanguageRole, ReviewerSettings, Translation
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, OTHER, fast_hashing, logged_in, make_user, network, post, seed_release,
)

pytestmark = pytest.mark.django_db

# name -> (opens mk's review page, approving mk without override, with override)
MATRIX = {
    "mk_reviewer": (True, "approved", "approved"),  # a reviewer needs no override (none is recorded)
    "mk_translator": (True, "refused", "refused"),
    "mk_reviewer_elsewhere": (False, 404, 404),  # Macedonian, but only for Skopje's releases
    "owner": (True, "refused", "override"),
    "other_officer": (False, 404, 404),
    "admin": (True, "refused", "override"),
}


@pytest.fixture
def people(network):
    made = {
        "owner": make_user("ivo", city=HOME),  # submitted the release; reviews nothing
        "other_officer": make_user("boris", city=OTHER),
        "admin": make_user("root", staff=True),
        "mk_reviewer": make_user("marija"),
        "mk_translator": make_user("tome"),
        "mk_reviewer_elsewhere": make_user("elena"),
    }
    reviewers.grant("marija", "mk")
    reviewers.grant("tome", "mk", role="translator")
    reviewers.grant("elena", "mk", cities=[OTHER])
    return made


@pytest.fixture
def release(people):
    return seed_release(user=people["owner"])


def mk(release) -> Translation:
    return Translation.objects.get(release=release, language__code="mk")


def review(release, code="mk") -> str:
    return reverse("office:review", args=[release.pk, code])


def approve(client, release, *, override: bool):
    data = {"language": "mk", "force": "1", **({"override": "1"} if override else {})}
    return post(client, reverse("office:dashboard"), reverse("office:approve", args=[release.pk]), data)


def outcome(response, release):
    if response.status_code == 404:
        return 404
    translation = mk(release)
    if translation.status != Translation.Status.APPROVED:
        return "refused"
    return "override" if translation.approval_override else "approved"


@pytest.mark.parametrize("who", MATRIX)
def test_who_opens_and_edits_a_language(who, people, release):
    opens = MATRIX[who][0]
    client = logged_in(people[who])
    assert client.get(review(release)).status_code == (200 if opens else 404)
    assert client.get(review(release, "en")).status_code == (200 if who in ("owner", "admin") else 404)
    assert client.get(reverse("office:release", args=[release.pk])).status_code == (
        200 if who in ("owner", "admin") else 404)
    url = reverse("office:edit_segment", args=[release.pk, "mk", 1])
    response = post(client, reverse("office:dashboard"), url, {"s1-target": f"Поправка од {who}."})
    assert response.status_code == (302 if opens else 404)
    assert (mk(release).segments[1]["target"] == f"Поправка од {who}.") is opens


@pytest.mark.parametrize("who", MATRIX)
@pytest.mark.parametrize("override", [False, True], ids=["plain", "override"])
def test_who_approves_a_language(who, override, people, release):
    response = approve(logged_in(people[who]), release, override=override)
    assert outcome(response, release) == MATRIX[who][2 if override else 1]
    translation = mk(release)
    if translation.status == Translation.Status.APPROVED:
        user = people[who]
        assert (translation.approved_by, translation.approved_by_name) == (user, user.username)
        assert translation.approved_at is not None


def test_the_refusals_say_why(people, release):
    client = logged_in(people["mk_translator"])
    approve(client, release, override=False)
    assert "mk: translators edit, a reviewer approves" in client.get(review(release)).content.decode()
    client = logged_in(people["owner"])
    approve(client, release, override=False)
    page = client.get(review(release)).content.decode()
    assert "mk: you are not a reviewer of mk: approve with an override (it is recorded)" in page


def test_each_user_is_offered_what_they_may_do(people, release):
    owner = logged_in(people["owner"]).get(review(release)).content.decode()
    assert 'name="override" value="1"' in owner and 'id="override-note"' in owner
    assert "You are not a reviewer of mk: approving overrides its reviewers and is recorded." in owner
    mine = logged_in(people["mk_reviewer"]).get(review(release)).content.decode()
    assert 'name="override"' not in mine and "Approve despite" in mine and "You are its reviewer." in mine
    assert f'href="{reverse("office:release", args=[release.pk])}"' not in mine  # not the reviewer's page
    translator = logged_in(people["mk_translator"]).get(review(release)).content.decode()
    assert "Approve despite" not in translator and "Translators edit; a reviewer approves." in translator
    assert "Save correction" in translator
    # The language switch offers only the languages the user may open.
    assert review(release, "en") not in mine and review(release, "en") in owner
    for page in (owner, mine, translator):
        assert re.search(r'id="reviewers">.*marija \(reviewer\), tome \(translator\)', page)
        assert "elena" not in page  # her role is for Skopje's releases


def test_an_override_is_recorded_and_shown_on_the_release_page(people, release):
    client = logged_in(people["owner"])
    approve(client, release, override=True)
    translation = mk(release)
    assert translation.approval_override and translation.approved_by_name == "ivo"
    page = client.get(reverse("office:release", args=[release.pk])).content.decode()
    row = re.search(r'<tr id="language-mk">.*?</tr>', page, re.S).group(0)
    assert "Approved by ivo" in row and "by override of the reviewers" in row
    assert "marija (reviewer), tome (translator)" in re.sub(r'<span class="muted">\(([a-z]+)\)</span>', r"(\1)", row)
    assert "Approved by override of the reviewers: mk (recorded)." in page
    # A reviewer's own approval is no override.
    workflow_unapprove(release)
    approve(logged_in(people["mk_reviewer"]), release, override=False)
    translation = mk(release)
    assert not translation.approval_override and translation.approved_by_name == "marija"
    row = re.search(r'<tr id="language-mk">.*?</tr>', client.get(
        reverse("office:release", args=[release.pk])).content.decode(), re.S).group(0)
    assert "Approved by marija" in row and "by override" not in row


def workflow_unapprove(release):
    from b40news.releases import workflow

    workflow.unapprove(release, "mk")
    translation = mk(release)
    assert (translation.approved_by_name, translation.approval_override) == ("", False)


def test_approve_all_takes_the_languages_one_reviews_or_all_by_override(people, release):
    reviewers.grant("ivo", "en", cities=[HOME])  # the owner reviews English herself
    client = logged_in(people["owner"])
    page = client.get(reverse("office:release", args=[release.pk])).content.decode()
    assert "Approve the 1 language you review" in page and "Approve all 2 languages to review by override" in page
    url = reverse("office:approve", args=[release.pk])
    post(client, reverse("office:dashboard"), url, {"all": "1", "force": "1"})
    statuses = dict(release.translations.values_list("language__code", "status"))
    assert statuses["en"] == "approved" and statuses["mk"] == "translated"
    post(client, reverse("office:dashboard"), url, {"all": "1", "force": "1", "override": "1"})
    overrides = dict(release.translations.values_list("language__code", "approval_override"))
    assert mk(release).status == "approved" and overrides["mk"] is True and overrides["en"] is False


def test_a_reviewer_finds_the_release_on_the_dashboard_and_opens_it_early(people, network):
    early = seed_release(user=people["owner"], translate=())  # not translated yet
    client = logged_in(people["mk_reviewer"])
    page = client.get(reverse("office:dashboard")).content.decode()
    row = re.search(rf'<tr class="waiting" data-release="{early.pk}">.*?</tr>', page, re.S).group(0)
    assert review(early) in row and "waiting for translation" in row
    assert reverse("office:submit") not in page  # a reviewer does not submit
    assert client.get(reverse("office:submit")).status_code == 403
    page = client.get(review(early)).content.decode()
    assert "waiting for translation" in page and "Upload a human translation" in page
    assert logged_in(people["mk_reviewer_elsewhere"]).get(reverse("office:dashboard")).status_code == 200
    elsewhere = logged_in(people["mk_reviewer_elsewhere"]).get(reverse("office:dashboard")).content.decode()
    assert f'data-release="{early.pk}"' not in elsewhere
    assert "No release is waiting for your translation or review." in elsewhere


def test_a_user_without_office_or_language_is_refused(network):
    nobody = make_user("nobody")
    assert logged_in(nobody).get(reverse("office:dashboard")).status_code == 403


# -- the staff page --------------------------------------------------------------------------------


def test_staff_add_and_remove_roles_on_their_page(people):
    client = logged_in(people["admin"])
    page = reverse("office:reviewers")
    html = client.get(page).content.decode()
    assert 'data-role="marija:mk:"' in html and 'data-role="elena:mk:skopje"' in html
    from b40news.network.models import City

    zagreb, tuzla = City.objects.get(slug="zagreb"), City.objects.get(slug="tuzla")
    response = post(client, page, page, {"user": people["owner"].pk, "language": "hr", "role": "translator",
                                         "cities": [zagreb.pk, tuzla.pk]})
    assert response.status_code == 302
    rows = LanguageRole.objects.filter(user=people["owner"], language__code="hr")
    assert sorted((r.role, r.city.slug) for r in rows) == [("translator", "tuzla"), ("translator", "zagreb")]
    assert "ivo is now translator of hr." in client.get(page).content.decode()
    role = rows.get(city=zagreb)
    post(client, page, reverse("office:remove_role", args=[role.pk]))
    assert list(rows.values_list("city__slug", flat=True)) == ["tuzla"]
    # An unknown language is a form error; nothing is stored.
    response = post(client, page, page, {"user": people["owner"].pk, "language": "xx", "role": "reviewer"})
    assert response.status_code == 200 and rows.all().count() == 1


def test_only_staff_open_the_reviewers_page(people):
    for who in ("owner", "mk_reviewer"):
        client = logged_in(people[who])
        assert client.get(reverse("office:reviewers")).status_code == 403
        url = reverse("office:remove_role", args=[LanguageRole.objects.first().pk])
        assert post(client, reverse("office:dashboard"), url).status_code == 403
    assert LanguageRole.objects.count() == 3


def test_everyone_chooses_the_language_and_rhythm_of_their_notices(people):
    client = logged_in(people["mk_reviewer"])
    page = reverse("office:notifications")
    html = client.get(page).content.decode()
    assert "the usual one: English (en)" in html  # no officer city: English
    assert "mk: reviewer · every city" in html
    post(client, page, page, {"language": "sq", "daily_digest": "on"})
    prefs = ReviewerSettings.objects.get(user=people["mk_reviewer"])
    assert (prefs.language.code, prefs.daily_digest) == ("sq", True)
    assert reviewers.mail_language(people["mk_reviewer"]) == "sq"
    post(client, page, page, {"language": ""})
    prefs.refresh_from_db()
    assert (prefs.language, prefs.daily_digest) == (None, False)
    assert reviewers.mail_language(people["owner"]) == "bg"  # Stara Zagora's language
