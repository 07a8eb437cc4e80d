"""An officer sees and acts on their own city's releases only; staff see all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from b40news.delivery.models import Delivery
from b40news.network.models import MailingList, Officer
from b40news.releases.models import Release, Translation
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, OTHER, fast_hashing, logged_in, make_user, network, officer, other_officer, other_release, post, release,
)

pytestmark = pytest.mark.django_db


def pages(release: Release) -> list[str]:
    return [
        reverse("office:release", args=[release.pk]),
        reverse("office:review", args=[release.pk, "mk"]),
        reverse("office:preview", args=[release.pk, "mk", release.city.slug]),
        reverse("office:progress", args=[release.pk]),
        reverse("office:progress_json", args=[release.pk]),
    ]


def actions(release: Release) -> list[tuple[str, dict]]:
    return [
        (reverse("office:approve", args=[release.pk]), {"language": "mk", "force": "1"}),
        (reverse("office:send", args=[release.pk]), {"when": "now"}),
        (reverse("office:retry", args=[release.pk]), {}),
        (reverse("office:translate", args=[release.pk]), {}),
        (reverse("office:edit_segment", args=[release.pk, "mk", 1]), {"s1-target": "Подметнато."}),
        (reverse("office:upload_translation", args=[release.pk, "mk"]), {}),
        (reverse("office:test_send", args=[release.pk, "mk", release.city.slug]), {}),
    ]


def test_an_officer_cannot_see_another_citys_release(release, other_release, officer):
    client = logged_in(officer)
    for page in pages(other_release):
        assert client.get(page).status_code == 404, page
    for page in pages(release):
        assert client.get(page).status_code == 200, page


def test_an_officer_cannot_act_on_another_citys_release(release, other_release, officer):
    client = logged_in(officer)
    home = reverse("office:dashboard")
    for url, data in actions(other_release):
        assert post(client, home, url, data).status_code == 404, url
    mk = Translation.objects.get(release=other_release, language__code="mk")
    assert mk.status == Translation.Status.TRANSLATED and mk.approved_at is None
    assert not Delivery.objects.filter(release=other_release).exists()
    assert "Подметнато." not in [s["target"] for s in mk.segments]


def test_the_dashboard_lists_only_the_own_citys_releases(release, other_release, officer):
    body = logged_in(officer).get(reverse("office:dashboard")).content.decode()
    assert reverse("office:release", args=[release.pk]) in body
    assert reverse("office:release", args=[other_release.pk]) not in body


def test_staff_see_and_act_on_every_release(release, other_release):
    admin = make_user("root", staff=True)
    client = logged_in(admin)
    body = client.get(reverse("office:dashboard")).content.decode()
    assert reverse("office:release", args=[release.pk]) in body
    assert reverse("office:release", args=[other_release.pk]) in body
    for page in pages(other_release):
        assert client.get(page).status_code == 200, page
    # An admin is nobody's reviewer: approving is an override, and recorded as one.
    url = reverse("office:approve", args=[other_release.pk])
    post(client, reverse("office:dashboard"), url, {"language": "mk", "force": "1"})
    assert Translation.objects.get(release=other_release, language__code="mk").status == "translated"
    response = post(client, reverse("office:dashboard"), url, {"language": "mk", "force": "1", "override": "1"})
    assert response.status_code == 302
    mk = Translation.objects.get(release=other_release, language__code="mk")
    assert (mk.status, mk.approved_by, mk.approval_override) == ("approved", admin, True)


def test_a_network_officer_may_target_every_list_but_acts_only_on_the_own_city(release, other_release):
    networker = make_user("vesna", city=HOME, role=Officer.Role.NETWORK)
    client = logged_in(networker)
    form = client.get(reverse("office:submit")).content.decode()
    for mailing_list in MailingList.objects.all():
        assert f'value="{mailing_list.pk}"' in form
    for page in pages(other_release):
        assert client.get(page).status_code == 404
    url = reverse("office:send", args=[other_release.pk])
    assert post(client, reverse("office:dashboard"), url, {"when": "now"}).status_code == 404


def test_a_city_officer_may_not_target_another_citys_list(officer):
    client = logged_in(officer)
    form = client.get(reverse("office:submit")).content.decode()
    own = MailingList.objects.get(slug=f"{HOME}-news")
    other = MailingList.objects.get(slug=f"{OTHER}-news")
    assert f'value="{own.pk}"' in form and f'value="{other.pk}"' not in form
    response = post(client, reverse("office:submit"), reverse("office:submit"), {
        "city": officer.officer.city_id, "title": "Заглавие", "body": "Текст на съобщението.", "lists": [other.pk],
    })
    assert response.status_code == 200 and b"Select a valid choice" in response.content
    assert not Release.objects.filter(title="Заглавие").exists()


def test_a_city_officer_may_not_submit_for_another_city(officer):
    from b40news.network.models import City

    client = logged_in(officer)
    other_city = City.objects.get(slug=OTHER)
    response = post(client, reverse("office:submit"), reverse("office:submit"), {
        "city": other_city.pk, "title": "Заглавие", "body": "Текст.",
        "lists": [MailingList.objects.get(slug=f"{HOME}-news").pk],
    })
    assert response.status_code == 200
    assert not Release.objects.filter(title="Заглавие").exists()
