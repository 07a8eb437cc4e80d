"""What a failure costs a subscriber: the bounce score, its thresholds and decay, and
the same rules for a refusal at RCPT while sending (the fault-injecting MTA)."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from b40news.delivery import ledger, notices, scoring, sender, service
from b40news.delivery.models import BounceScore, Delivery, MailReport, Notice, Suppression
from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases import workflow
from b40news.newsletter.message import Envelope
from b40news.releases.models import Release

pytestmark = pytest.mark.django_db
BODY = "Среща в София\nКметът на София откри срещата.\n\nОбщината покани гости от Загреб."
DAY = timedelta(days=1)


def test_an_address_that_does_not_exist_is_suppressed_at_once():
    assert scoring.score("gone@example.org", "hard", status="5.1.1", detail="550 5.1.1 no such user").suppressed
    assert Suppression.objects.get(email="gone@example.org").reason == "hard-bounce"
    assert "bounce score 3 (threshold 3)" in Suppression.objects.get(email="gone@example.org").detail


def test_other_permanent_failures_suppress_when_they_repeat_and_are_forgotten_in_time():
    now = timezone.now()
    assert not scoring.score("a@example.org", "permanent", now=now).suppressed
    assert not scoring.score("a@example.org", "permanent", now=now + 10 * DAY).suppressed
    assert scoring.score("a@example.org", "permanent", now=now + 20 * DAY).suppressed
    # Two, then nothing for longer than BOUNCE_DECAY_DAYS (60): the third starts afresh.
    scoring.score("b@example.org", "permanent", now=now)
    scoring.score("b@example.org", "permanent", now=now + DAY)
    scored = scoring.score("b@example.org", "permanent", now=now + 70 * DAY)
    assert (scored.hard, scored.suppressed) == (1, False)
    with override_settings(BOUNCE_HARD_THRESHOLD=1.0):  # an installation that drops at the first failure
        assert scoring.score("c@example.org", "permanent", now=now).suppressed


def test_soft_bounces_count_once_a_day_and_only_weeks_of_them_suppress():
    now = timezone.now().replace(hour=12)
    for hour in range(5):  # a mailbox full all day: one soft day
        assert not scoring.score("full@example.org", "soft", status="5.2.2", now=now + timedelta(minutes=hour)).suppressed
    row = BounceScore.objects.get(email="full@example.org")
    assert (row.hard, row.soft) == (0, 1)
    day = 1
    while not Suppression.objects.filter(email="full@example.org").exists():
        scoring.score("full@example.org", "soft", status="5.2.2", now=now + day * DAY)
        day += 1
        assert day < 30
    assert day == 15  # 3 hard points, each made of 5 soft days (the defaults)


def test_policy_refusals_score_nothing():
    scored = scoring.score("fine@example.org", "policy", status="5.7.1")
    assert (scored.hard, scored.suppressed) == (0, False)
    assert not Suppression.objects.exists()


@pytest.fixture
def audience(mta):
    load_sample(0)
    bg = Language.objects.sync()["bg"]
    sofia = MailingList.objects.get(slug="sofia-news")
    people = {}
    for name in ("policy", "full", "gone", "fine"):
        subscriber = Subscriber.objects.create(email=f"{name}@example.org", language=bg)
        Subscription.objects.create(subscriber=subscriber, mailing_list=sofia, status="confirmed")
        people[name] = subscriber
    return people


def send_release(mta) -> Release:
    release = workflow.submit(BODY.encode(), name="r.txt", city="sofia")
    with override_settings(SMTP_URL=mta.url):
        workflow.store_source(release)
        service.prepare_send(release)
        Release.objects.filter(pk=release.pk).update(status=Release.Status.SENDING)
        while (batch := ledger.claim_batch(release.pk, 100)) is not None:
            sender.send_batch(batch)
    workflow.settle(release.pk)
    return release


def test_refusals_at_rcpt_are_read_by_their_enhanced_code(audience, mta):
    # Rows go out in subscriber order: policy, full, gone, fine.
    mta.inject("rcpt", 550, "5.7.1 Message rejected: sender reputation (policy)")
    mta.inject("rcpt", 552, "5.2.2 Mailbox full")
    mta.inject("rcpt", 550, "5.1.1 No such user")
    release = send_release(mta)
    rows = {d.subscriber.email.partition("@")[0]: d for d in Delivery.objects.filter(release=release)}
    assert {name: row.state for name, row in rows.items()} == {
        "policy": "failed", "full": "bounced", "gone": "bounced", "fine": "sent"}
    assert len(mta.messages()) == 1
    # Only the address that does not exist is suppressed; the others stay subscribed.
    assert list(Suppression.objects.values_list("email", flat=True)) == ["gone@example.org"]
    assert set(Subscription.objects.filter(status="confirmed").values_list("subscriber__email", flat=True)) == {
        "policy@example.org", "full@example.org", "gone@example.org", "fine@example.org"}
    assert BounceScore.objects.get(email="full@example.org").soft == 1
    assert not BounceScore.objects.filter(email="policy@example.org").exists()
    assert sorted(MailReport.objects.values_list("source", "verdict", "status", "email")) == [
        ("rcpt", "hard", "5.1.1", "gone@example.org"),
        ("rcpt", "policy", "5.7.1", "policy@example.org"),
        ("rcpt", "soft", "5.2.2", "full@example.org"),
    ]

    # The admin is informed: in the release's status (JSON and text) and in the admin.
    out = io.StringIO()
    call_command("status", str(release.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["deliverability"] == {
        "policy_refusals": 1, "statuses": {"5.7.1": 1},
        "example": "RCPT 550 5.7.1 Message rejected: sender reputation (policy)"}
    out = io.StringIO()
    call_command("status", str(release.pk), stdout=out)
    assert "deliverability: 1 message(s) refused for policy (5.7.1 × 1); the subscribers stay subscribed" in (
        " ".join(out.getvalue().split()))
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@b40.test", "x"))
    page = admin.get("/admin/delivery/mailreport/?verdict__exact=policy").content.decode()
    assert "policy@example.org" in page and "5.7.1" in page and "gone@example.org" not in page

    # The next release still goes to everyone but the address that does not exist.
    second = workflow.submit(BODY.encode(), name="r2.txt", city="sofia")
    ledger.freeze_audience(second)
    assert sorted(Delivery.objects.filter(release=second).values_list("subscriber__email", flat=True)) == [
        "fine@example.org", "full@example.org", "policy@example.org"]


def plain_notice(address: str) -> Notice:
    """A test notice whose message is a minimal one (the composer is not what is tested here)."""
    return Notice.objects.create(kind="test", email=address, language="bg", payload={})


def send_plain(row: Notice, mta):
    envelope = Envelope(mail_from="bounces@b40.example.org", rcpt_to=row.email, smtputf8=False)
    with override_settings(SMTP_URL=mta.url), mock.patch(
            "b40news.delivery.composer.notice", return_value=(b"Subject: t\r\n\r\nx\r\n", envelope)):
        return notices.send(row.pk)


def test_a_notice_refused_for_policy_fails_without_suppressing(mta):
    mta.inject("rcpt", 550, "5.7.1 Relaying denied")
    assert send_plain(plain_notice("officer@example.org"), mta) == ("failed", None)
    assert not Suppression.objects.exists()
    assert MailReport.objects.get().verdict == "policy"
    mta.inject("rcpt", 550, "5.1.1 No such user")
    assert send_plain(plain_notice("nobody@example.org"), mta) == ("bounced", None)
    assert Suppression.objects.get().email == "nobody@example.org"
