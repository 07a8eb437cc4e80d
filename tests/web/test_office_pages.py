"""The dashboard and a release's own page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from b40news.releases.models import Translation
from b40news.releases.workflow import edit_segment
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    fast_hashing, logged_in, network, officer, post, release,
)

pytestmark = pytest.mark.django_db


def test_an_empty_dashboard_invites_the_first_release(officer):
    page = logged_in(officer).get(reverse("office:dashboard")).content.decode()
    assert "No releases yet." in page and reverse("office:submit") in page


def test_the_dashboard_shows_each_release_with_its_status(release, officer):
    page = logged_in(officer).get(reverse("office:dashboard")).content.decode()
    row = re.search(rf"<tr>\s*<td>{release.pk}</td>.*?</tr>", page, re.S).group(0)
    assert release.title in row and "Stara Zagora" in row
    assert '<span class="status status-review">in review</span>' in row
    assert "1 approved, 2 to review" in row  # the original; Macedonian and English


def test_the_release_page_lists_every_language_with_what_to_do(release, officer):
    page = logged_in(officer).get(reverse("office:release", args=[release.pk])).content.decode()
    mk = re.search(r'<tr id="language-mk">.*?</tr>', page, re.S).group(0)
    assert "apertium:bg-mk" in mk and "to review" in mk
    assert reverse("office:review", args=[release.pk, "mk"]) in mk
    assert reverse("office:preview", args=[release.pk, "mk", "stara-zagora"]) in mk
    hr = re.search(r'<tr id="language-hr">.*?</tr>', page, re.S).group(0)
    assert "no engine" in hr and "No machine translation into this language on this server" in hr
    assert reverse("office:preview", args=[release.pk, "hr", "stara-zagora"]) not in hr
    assert "Approve all 2 languages to review" in page
    assert reverse("office:confirm_send", args=[release.pk]) in page  # Send leads to the confirmation page
    assert "Stara Zagora — B40" in page  # the list it goes to, named in the interface language


def test_translating_again_brings_back_human_corrections(release, officer):
    mk = Translation.objects.select_related("language", "release").get(release=release, language__code="mk")
    edit_segment(mk, 1, "Човечки превод на првата реченица.")
    Translation.objects.filter(pk=mk.pk).update(status=Translation.Status.STALE, segments=[], text="")
    client = logged_in(officer)
    page = reverse("office:release", args=[release.pk])
    response = post(client, page, reverse("office:translate", args=[release.pk]), {"language": "mk"})
    assert response.status_code == 302
    mk.refresh_from_db()
    assert mk.status == Translation.Status.TRANSLATED
    assert mk.segments[1]["target"] == "Човечки превод на првата реченица." and mk.segments[1]["from_memory"]
    assert "Translation has started again." in client.get(page).content.decode()
