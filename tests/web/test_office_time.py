"""Times in the office: in each user's zone (their own choice, else their city's), shown
with the zone, in the interface language's formats, relative when near; typed times are
read in the same zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from b40news import languages
from b40news.network.models import City
from b40news.releases import reviewers
from b40news.web.office import zones
from b40news.web.office.forms import SendForm
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    fast_hashing, logged_in, make_user, network, officer, post, release,
)

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 12, 6, 6, 43, tzinfo=ZoneInfo("UTC"))  # 08:43 in Sofia, 07:43 in Zagreb


def test_the_sample_cities_have_their_countrys_zone(network):
    zones_by_city = dict(City.objects.values_list("slug", "timezone"))
    assert zones_by_city["stara-zagora"] == "Europe/Sofia"
    assert zones_by_city["zagreb"] == "Europe/Zagreb" and zones_by_city["istanbul"] == "Europe/Istanbul"


def test_a_users_zone_is_their_choice_else_their_citys(network, officer):
    assert zones.user_zone(officer) == "Europe/Sofia"  # Stara Zagora's
    croat = make_user("ivana")
    reviewers.grant("ivana", "hr")  # every city's Croatian releases: no city of her own
    assert zones.user_zone(croat) == "Europe/Zagreb"  # the city whose language she reviews
    reviewers.set_preferences("ana", time_zone="Europe/Athens")
    assert zones.user_zone(officer) == "Europe/Athens"
    reviewers.set_preferences("ana", time_zone="")
    assert zones.user_zone(officer) == "Europe/Sofia"
    with pytest.raises(reviewers.ReviewersError, match="not a known time zone"):
        reviewers.set_preferences("ana", time_zone="Mars/Olympus")


def test_times_are_shown_with_their_zone_in_the_languages_format():
    with timezone.override(ZoneInfo("Europe/Sofia")):
        with translation.override("en"):
            assert zones.when(MOMENT, relative=False) == "6 Dec 2026, 08:43 EET"
            assert zones.when(MOMENT, short=True, relative=False) == "6 Dec 2026, 08:43 EET"
        with translation.override("bg"):
            assert zones.when(MOMENT, short=True, relative=False) == "06.12.2026, 08:43 EET"
            assert zones.when(MOMENT, relative=False) == "06.12.2026, 08:43 EET"
    with timezone.override(ZoneInfo("Europe/Zagreb")), translation.override("en"):
        assert zones.when(MOMENT, relative=False) == "6 Dec 2026, 07:43 CET"
    assert "a.m." not in zones.when(MOMENT) and "12/06" not in zones.when(MOMENT)


def test_a_near_time_is_also_said_relative_to_now():
    soon = timezone.now() + timedelta(hours=2, minutes=1)
    with timezone.override(ZoneInfo("Europe/Sofia")), translation.override("en"):
        assert zones.when(soon).endswith("(2\xa0hours from now)")  # humanize's naturaltime
        assert "(" not in zones.when(soon + timedelta(days=10))


def test_a_typed_time_is_read_in_the_users_zone():
    wall = (timezone.now() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Sofia")).replace(second=0, microsecond=0)
    with timezone.override(ZoneInfo("Europe/Sofia")):
        form = SendForm({"when": "later", "send_at": wall.strftime("%Y-%m-%dT%H:%M")})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["eta"] == wall  # the same instant, not the same wall clock in UTC


def test_the_office_pages_show_the_officers_zone(release, officer):
    release.deadline = MOMENT
    release.save(update_fields=["deadline"])
    client = logged_in(officer)
    page = client.get(reverse("office:release", args=[release.pk])).content.decode()
    assert "6 Dec 2026, 08:43 EET" in page
    confirm = client.get(reverse("office:confirm_send", args=[release.pk])).content.decode()
    assert "your time zone: Europe/Sofia" in confirm


def test_the_settings_page_saves_a_zone(officer):
    client = logged_in(officer)
    url = reverse("office:notifications")
    response = post(client, url, url, {"language": "", "time_zone": "Europe/Zagreb"})
    assert response.status_code == 302
    assert zones.user_zone(officer) == "Europe/Zagreb"
    page = client.get(url).content.decode()
    assert "my city&#x27;s: Europe/Sofia" in page


@pytest.mark.parametrize("code", list(languages.LANGUAGES))
def test_every_interface_language_writes_the_day_before_the_month_on_a_24_hour_clock(code):
    moment = datetime(2026, 12, 6, 15, 43, tzinfo=ZoneInfo("Europe/Sofia"))
    with translation.override(languages.get(code).django), timezone.override(ZoneInfo("Europe/Sofia")):
        for shown in (zones.when(moment, relative=False), zones.when(moment, relative=False, short=True)):
            assert "15:43" in shown and shown.endswith(" EET") and "2026" in shown, (code, shown)
            assert not shown.startswith(("12", "Dec")) and "12/06" not in shown and "12/6" not in shown, (code, shown)


@pytest.mark.parametrize("code, words", [("hr", "za 2 sata"), ("bs", "za 2 sata"), ("cnr", "za 2 sata"),
                                         ("sr-Latn", "2 sata od sada"), ("bg", "след 2 часа")])
def test_in_two_hours_is_said_in_the_interface_language(code, words):
    soon = timezone.now() + timedelta(hours=2, minutes=1)
    with translation.override(languages.get(code).django):
        assert words in zones.when(soon).replace("\xa0", " "), zones.when(soon)
