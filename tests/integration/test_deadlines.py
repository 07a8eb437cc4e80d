"""Deadlines and planned fallbacks: `workflow.apply_deadlines` (Celery beat), the city's
defaults, the office's form, the admin's check. The whole scenario through the
CLI is in test_deadlines_cli.py."""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from b40news.delivery.models import Delivery
from b40news.network.models import City
from b40news.releases import workflow
from b40news.releases.intake import ReleaseError
from b40news.releases.models import Release, Translation
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, add_subscribers, fast_hashing, logged_in, network, officer, other_officer, post, release,
)

pytestmark = pytest.mark.django_db(transaction=True)  # send tasks are enqueued on commit

PAST = timezone.now() - timedelta(hours=1)


def states(release) -> Counter:
    return Counter(Delivery.objects.filter(release=release).values_list("language", "state"))


def approve(release, code):
    workflow.approve(release, [code], force=True, override=True)


@pytest.fixture
def sent(release, mta):
    """The seed release sent with only Bulgarian approved: mk and hr subscribers wait."""
    add_subscribers(f"{HOME}-news", ["en"])
    with override_settings(SMTP_URL=mta.url):
        workflow.send(release)
    assert states(release) == {("bg", "sent"): 2, ("mk", "waiting"): 2, ("hr", "waiting"): 1,
                               ("en", "waiting"): 1}
    return release


def test_a_passed_deadline_gives_waiting_subscribers_their_planned_fallback_once(sent, mta):
    workflow.plan_deadline(sent, plan={"mk": "en", "hr": "wait"})
    with override_settings(SMTP_URL=mta.url):
        approve(sent, "en")
        assert workflow.apply_deadlines() == {}  # the deadline (24 h after submitting) has not passed
        workflow.plan_deadline(sent, deadline=PAST)
        assert states(sent)[("mk", "waiting")] == 2  # carried out by beat, not by setting it
        assert workflow.apply_deadlines() == {sent.pk: {"mk": "en"}}
        assert workflow.apply_deadlines() == {}  # idempotent: nothing moves twice
    assert states(sent) == {("bg", "sent"): 2, ("en", "sent"): 3, ("hr", "waiting"): 1}  # hr: "wait"
    sent.refresh_from_db()
    assert sent.fallbacks == {"mk": "en"} and sent.status == "sent_waiting"
    notices = [m.get_body(("plain",)).get_content() for m in mta.messages() if m["Content-Language"] == "en"]
    assert sum("Овој билтен сè уште не е достапен на македонски" in body and "мрежата: English." in body
               for body in notices) == 2  # in Macedonian, for the two Macedonian subscribers only


def test_the_release_page_says_which_language_waiting_subscribers_get(sent, officer, mta):
    with override_settings(SMTP_URL=mta.url):
        approve(sent, "en")
        workflow.plan_deadline(sent, plan={"mk": "en"}, deadline=PAST)
        workflow.apply_deadlines()
    html = logged_in(officer).get(reverse("office:release", args=[sent.pk])).content.decode()
    row = html[html.index('id="language-mk"'):]
    row = row[:row.index("</tr>")]
    assert '<div class="fallback-in-force">Its subscribers get en meanwhile.</div>' in row
    hr = html[html.index('id="language-hr"'):]
    assert "fallback-in-force" not in hr[:hr.index("</tr>")]


def test_a_fallback_approved_after_the_deadline_applies_at_the_next_run(sent, mta):
    workflow.plan_deadline(sent, plan={"mk": "en"}, deadline=PAST)
    with override_settings(SMTP_URL=mta.url):
        assert workflow.apply_deadlines() == {}  # English is not approved yet: nothing to fall back to
        assert states(sent)[("mk", "waiting")] == 2
        approve(sent, "en")
        assert workflow.apply_deadlines() == {sent.pk: {"mk": "en"}}
    assert states(sent)[("en", "sent")] == 3


def test_a_language_approved_before_the_deadline_run_keeps_its_own(sent, mta):
    workflow.plan_deadline(sent, plan={"mk": "en", "hr": "en"}, deadline=PAST)
    with override_settings(SMTP_URL=mta.url):
        approve(sent, "mk")  # its waiting subscribers go at once, in Macedonian
        assert states(sent)[("mk", "sent")] == 2
        approve(sent, "en")
        assert workflow.apply_deadlines() == {sent.pk: {"hr": "en"}}
    assert states(sent) == {("bg", "sent"): 2, ("mk", "sent"): 2, ("en", "sent"): 2}
    bodies = [m.get_body(("plain",)).get_content() for m in mta.messages() if m["Content-Language"] == "mk"]
    assert bodies and not any("не е достапен" in body for body in bodies)


def test_before_sending_the_fallback_is_chosen_when_the_audience_is_frozen(release, mta):
    workflow.plan_deadline(release, plan={"hr": "mk"}, deadline=PAST)
    with override_settings(SMTP_URL=mta.url):
        approve(release, "mk")
        assert workflow.apply_deadlines() == {release.pk: {"hr": "mk"}}
        workflow.send(release)
    assert states(release) == {("bg", "sent"): 2, ("mk", "sent"): 3}
    [croatian] = [m for m in mta.messages() if m["To"].startswith(f"{HOME}-news.hr.")]
    assert "Ovaj bilten još nije dostupan na hrvatskom" in croatian.get_body(("plain",)).get_content()
    assert "Ovaj bilten još nije dostupan na hrvatskom" in croatian.get_body(("html",)).get_content()


def test_the_citys_defaults_are_copied_at_submit(network, settings):
    City.objects.filter(slug=HOME).update(default_fallbacks={"sq": "en", "bs": "hr"}, review_deadline_hours=6)
    release = workflow.submit("Заглавие\nТекст на съобщението.".encode(), name="r.txt", city=HOME)
    assert release.planned_fallbacks == {"sq": "en", "bs": "hr"}
    assert timedelta(hours=5, minutes=59) < release.deadline - timezone.now() <= timedelta(hours=6)
    City.objects.filter(slug=HOME).update(review_deadline_hours=None)
    settings.REVIEW_DEADLINE_HOURS = 0
    assert workflow.submit("Заглавие\nТекст.".encode(), name="r.txt", city=HOME).deadline is None


def test_the_admin_refuses_a_bad_default(network):
    city = City.objects.get(slug=HOME)
    city.default_fallbacks = {"me": "sr", "mk": "WAIT"}
    city.full_clean()
    assert city.default_fallbacks == {"cnr": "sr-Latn", "mk": "wait"}  # the network's codes
    for bad in ({"xx": "en"}, {"en": "en"}, {"bg": "en"}, ["sq=en"]):
        city.default_fallbacks = bad
        with pytest.raises(ValidationError) as caught:
            city.full_clean()
        assert "default_fallbacks" in caught.value.message_dict


@pytest.mark.parametrize("pairs, error", [
    (["sq"], "is not LANGUAGE=FALLBACK"), (["sq=xx"], "unknown language 'xx'"), (["en=en"], "cannot fall back"),
])
def test_a_bad_plan_on_the_command_line_is_refused_and_changes_nothing(release, pairs, error):
    call_command("fallback", str(release.pk), "--plan", "mk=en", stdout=None)
    with pytest.raises(CommandError, match=error):
        call_command("fallback", str(release.pk), "--plan", *pairs, "--deadline", "2020-01-01T00:00Z")
    release.refresh_from_db()
    assert release.planned_fallbacks == {"mk": "en"} and release.deadline > timezone.now()


def test_the_officer_sets_them_on_the_release_page(release, officer):
    client = logged_in(officer)
    page = reverse("office:release", args=[release.pk])
    html = client.get(page).content.decode()
    assert 'id="deadline-form"' in html and "Europe/Sofia" in html and "<script>" not in html
    # Typed in the officer's own time zone (her city's: Europe/Sofia, UTC+3 in summer).
    response = post(client, page, reverse("office:deadline", args=[release.pk]),
                    {"deadline": "2030-05-01T09:30", "fallbacks": "hr=mk, en=wait"})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.planned_fallbacks == {"hr": "mk", "en": "wait"}
    assert release.deadline.isoformat() == "2030-05-01T06:30:00+00:00"
    html = client.get(page).content.decode()
    assert 'value="en=wait, hr=mk"' in html and 'value="2030-05-01T09:30"' in html


def test_a_bad_plan_on_the_page_is_an_error_and_keeps_what_was_stored(release, officer):
    workflow.plan_deadline(release, plan={"hr": "mk"})
    client = logged_in(officer)
    page = reverse("office:release", args=[release.pk])
    response = post(client, page, reverse("office:deadline", args=[release.pk]),
                    {"deadline": "", "fallbacks": "hr=klingon"}, follow=True)
    html = response.content.decode()
    assert "unknown language" in html and "klingon" in html and "Deadline and fallbacks saved" not in html
    release.refresh_from_db()
    assert release.planned_fallbacks == {"hr": "mk"} and release.deadline is not None


def test_another_citys_officer_cannot_change_them(release, other_officer):
    client = logged_in(other_officer)
    response = client.post(reverse("office:deadline", args=[release.pk]), {"fallbacks": "hr=mk"})
    assert response.status_code in (403, 404)
    assert Release.objects.get(pk=release.pk).planned_fallbacks == {}


def test_a_cancelled_release_gets_no_plan(release):
    Release.objects.filter(pk=release.pk).update(status=Release.Status.CANCELLED)
    with pytest.raises(ReleaseError, match="cancelled"):
        workflow.plan_deadline(release, plan={"hr": "mk"})
    assert Release.objects.get(pk=release.pk).planned_fallbacks == {}


def test_segment_edit_stores_a_persons_text_and_refuses_what_does_not_fit(release):
    out = io.StringIO()
    call_command("segment", "edit", str(release.pk), "--language", "mk", "--index", "1", "Човечки превод.",
                 stdout=out)
    assert "mk: segment 1 stored" in out.getvalue()
    mk = Translation.objects.get(release=release, language__code="mk")
    assert (mk.segments[1]["target"], mk.segments[1]["state"]) == ("Човечки превод.", "edited")
    for args, error in ((["--language", "mk", "--index", "999"], "there is no segment 1000"),
                        (["--language", "sq", "--index", "1"], "sq has not been translated"),
                        (["--language", "xx", "--index", "1"], "unknown language")):
        with pytest.raises(CommandError, match=error):
            call_command("segment", "edit", str(release.pk), *args, "Нешто.")
    assert Translation.objects.get(pk=mk.pk).segments == mk.segments


def test_status_shows_the_plan(release):
    workflow.plan_deadline(release, plan={"hr": "mk", "en": "wait"})
    out = io.StringIO()
    call_command("status", str(release.pk), stdout=out)
    assert "after the deadline: en: wait, hr→mk; fallbacks in force: none" in out.getvalue()
