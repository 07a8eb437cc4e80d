"""Sending now or at a set time, the progress page and its JSON, retrying failures."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from b40news.delivery.models import Delivery
from b40news.releases.models import Release
from b40news.releases.workflow import approve
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, fast_hashing, logged_in, network, officer, post, release,
)

SOFIA = ZoneInfo("Europe/Sofia")  # Stara Zagora's, where the officer works
pytestmark = pytest.mark.django_db(transaction=True)  # send tasks are enqueued on commit


def release_url(release) -> str:
    return reverse("office:release", args=[release.pk])


def send(client, release, mta, data=None):
    with override_settings(SMTP_URL=mta.url):
        return post(client, release_url(release), reverse("office:send", args=[release.pk]), data or {"when": "now"})


def states(release) -> Counter:
    return Counter(Delivery.objects.filter(release=release).values_list("language", "state"))


def test_send_now_sends_every_approved_language_and_shows_progress(release, officer, mta):
    approve(release, ["mk"], force=True, override=True)
    client = logged_in(officer)
    response = send(client, release, mta)
    assert response.status_code == 302 and response["Location"] == reverse("office:progress", args=[release.pk])
    assert states(release) == {("bg", "sent"): 2, ("mk", "sent"): 2, ("hr", "waiting"): 1}
    received = Counter(message["Content-Language"] for message in mta.messages())
    assert received == {"bg": 2, "mk": 2}

    page = client.get(response["Location"]).content.decode()
    assert f'<tr data-list="{HOME}-news"><td>{HOME}-news</td><td>1</td><td>0</td><td>4</td><td>0</td>' in page
    data = client.get(reverse("office:progress_json", args=[release.pk])).json()
    assert data["lists"] == {f"{HOME}-news": {"waiting": 1, "pending": 0, "sent": 4, "failed": 0, "bounced": 0,
                                                  "uncertain": 0, "suppressed": 0}}
    assert data["totals"]["sent"] == 4 and data["active"] is False
    assert data["status"] == Release.Status.SENT_WAITING  # the Croatian subscriber still waits
    assert data["status_label"] == "sent, some subscribers waiting for a translation"


def test_approving_in_the_office_after_a_send_sends_the_waiting_at_once(release, officer, mta):
    client = logged_in(officer)
    send(client, release, mta)
    assert states(release) == {("bg", "sent"): 2, ("mk", "waiting"): 2, ("hr", "waiting"): 1}
    review = reverse("office:review", args=[release.pk, "mk"])
    with override_settings(SMTP_URL=mta.url):
        post(client, review, reverse("office:approve", args=[release.pk]), {"language": "mk", "force": "1"})
    assert states(release)[("mk", "sent")] == 2  # nobody pressed Send again
    assert len(mta.messages()) == 4  # the Bulgarian subscribers were not sent twice
    release.refresh_from_db()
    assert release.status == Release.Status.SENT_WAITING  # Croatian has no translation yet


def test_failed_recipients_are_retried(release, officer, mta):
    mta.inject("data", 554, "content rejected")
    client = logged_in(officer)
    send(client, release, mta)
    assert states(release) == {("bg", "failed"): 1, ("bg", "sent"): 1, ("mk", "waiting"): 2, ("hr", "waiting"): 1}
    progress = reverse("office:progress", args=[release.pk])
    assert "Retry 1 failed recipient" in client.get(progress).content.decode()
    with override_settings(SMTP_URL=mta.url):
        response = post(client, progress, reverse("office:retry", args=[release.pk]))
    assert response.status_code == 302
    assert states(release)[("bg", "sent")] == 2
    assert len(mta.messages()) == 2
    assert "1 failed recipient(s) queued again." in client.get(progress).content.decode()


def test_without_workers_a_set_time_is_refused_and_nothing_happens(release, officer, mta):
    client = logged_in(officer)
    later = timezone.localtime(timezone.now() + timedelta(hours=2), SOFIA).strftime("%Y-%m-%dT%H:%M")
    send(client, release, mta, {"when": "later", "send_at": later})
    assert "Sending at a set time needs Celery workers (REDIS_URL)" in client.get(release_url(release)).content.decode()
    assert not Delivery.objects.exists() and mta.messages() == []


def test_a_time_in_the_past_is_refused(release, officer, mta):
    client = logged_in(officer)
    earlier = timezone.localtime(timezone.now() - timedelta(hours=1), SOFIA).strftime("%Y-%m-%dT%H:%M")
    send(client, release, mta, {"when": "later", "send_at": earlier})
    assert "That time has passed" in client.get(reverse("office:confirm_send", args=[release.pk])).content.decode()
    assert not Delivery.objects.exists()


@pytest.mark.slow
def test_with_workers_a_release_goes_out_at_the_set_time(release, officer, mta, celery_workers):
    celery_workers.start(concurrency=1)
    client = logged_in(officer)
    eta = (timezone.now() + timedelta(seconds=8)).replace(microsecond=0)
    # The officer of Stara Zagora types the wall-clock time of her city's zone.
    local = timezone.localtime(eta, SOFIA).strftime("%Y-%m-%dT%H:%M:%S")
    response = send(client, release, mta, {"when": "later", "send_at": local})
    assert response.status_code == 302
    due = set(Delivery.objects.filter(release=release, state="pending").values_list("next_attempt_at", flat=True))
    assert due == {eta}
    data = client.get(reverse("office:progress_json", args=[release.pk])).json()
    assert data["next_attempt_at"] == eta.isoformat() and data["totals"]["pending"] == 2
    time.sleep(3)
    assert mta.messages() == []  # not before its time
    deadline = time.monotonic() + 60
    while states(release)[("bg", "sent")] < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert states(release)[("bg", "sent")] == 2
    assert len(mta.messages()) == 2
    sent_at = Delivery.objects.filter(release=release, state="sent").values_list("sent_at", flat=True)
    assert min(sent_at) >= eta


def test_progress_estimates_the_time_left_from_the_sending_rate(release, officer):
    from b40news.delivery import service

    approve(release, ["mk"], force=True, override=True)
    service.prepare_send(release)  # frozen, not dispatched: four rows pending, one waiting
    now = timezone.now()
    for seconds, row in zip((20, 10), Delivery.objects.filter(release=release, state="pending").order_by("id")):
        Delivery.objects.filter(pk=row.pk).update(state="sent", sent_at=now - timedelta(seconds=seconds))
    client = logged_in(officer)
    data = client.get(reverse("office:progress_json", args=[release.pk])).json()
    assert data["totals"]["pending"] == 2 and data["totals"]["sent"] == 2 and data["active"] is True
    assert data["eta_seconds"] > 0 and data["eta"].endswith((" s", " min"))
    page = client.get(reverse("office:progress", args=[release.pk])).content.decode()
    assert f'About this long to go: <span id="eta-value">{data["eta"]}</span>' in page


def test_durations_read_like_people_write_them():
    from b40news.web.office.sending import duration

    assert [duration(None), duration(12), duration(200), duration(7500)] == ["", "12 s", "3 min", "2 h 05 min"]
