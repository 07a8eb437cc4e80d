"""A person's data: export and erase from the CLI and the admin, for someone who received
three newsletters; retention of ledger rows; an erased address is not imported again."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from b40news.delivery import composer, ledger, scoring, suppressions
from b40news.delivery.models import BounceScore, Delivery, MailReport, Notice, Suppression
from b40news.network.models import Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.network.subscribers_csv import import_subscribers
from b40news.releases import workflow
from tests.network.sending import send_release, subscribe

pytestmark = pytest.mark.django_db
ANA = "ana@example.org"


@pytest.fixture
def ana(mta):
    """Ana: on two lists, three newsletters received, a confirmation notice, a soft bounce on record."""
    load_sample(0)
    person = subscribe(ANA, "sofia-news", "varna-news")
    subscribe("petar@example.org", "sofia-news")
    for title in ("Първа среща", "Втора среща", "Трета среща"):
        send_release(mta, "sofia-news", "varna-news", title=title)
    Notice.objects.create(kind="confirmation", email=ANA, language="bg", state="sent",
                          payload={"subscription": Subscription.objects.filter(subscriber=person).first().pk},
                          message_id=composer.notice_message_id(99), last_error="")
    scoring.score(ANA, "soft", status="5.2.2", detail=f"552 5.2.2 <{ANA}> mailbox full")
    scoring.report("rcpt", "soft", email=ANA, status="5.2.2", detail=f"552 5.2.2 <{ANA}> mailbox full")
    assert Delivery.objects.filter(subscriber=person, state="sent").count() == 3
    return person


def run(*args) -> str:
    out = io.StringIO()
    call_command("subscribers", *args, stdout=out)
    return out.getvalue()


def counts() -> list[tuple]:
    """Per release and state: what must not change when somebody is erased."""
    return sorted(Delivery.objects.values_list("release_id", "mailing_list__slug", "language", "state", "sent_at"))


def nothing_left_of(address: str) -> None:
    for model, fields in ((Subscriber, ("email", "ascii_email", "email_key")), (Delivery, ("last_error",)),
                          (Notice, ("email", "last_error")), (MailReport, ("email", "detail", "label")),
                          (Suppression, ("email", "detail")), (BounceScore, ("email",))):
        query = Q()
        for name in fields:
            query |= Q(**{f"{name}__icontains": address})
        assert not model.objects.filter(query).exists(), model


def test_export_person_from_the_cli(ana):
    data = json.loads(run("export-person", "Ana@Example.org"))
    assert data["email"] == ANA
    assert data["subscriber"]["language"] == "bg"
    assert [(s["list"], s["status"]) for s in data["subscriptions"]] == [
        ("sofia-news", "confirmed"), ("varna-news", "confirmed")]
    consent = data["subscriptions"][0]["consent"]
    assert (consent["ip"], consent["form"], consent["language"]) == ("192.0.2.7", "sign-up", "bg")
    assert consent["time"]
    assert [(d["title"], d["state"], d["list"]) for d in data["deliveries"]] == [
        ("Първа среща", "sent", "sofia-news"), ("Втора среща", "sent", "sofia-news"),
        ("Трета среща", "sent", "sofia-news")]
    assert [n["kind"] for n in data["notices"]] == ["confirmation"]
    assert data["bounce_score"][0]["soft"] == 1 and data["mail_reports"][0]["status"] == "5.2.2"
    with pytest.raises(CommandError, match="nothing is held about nobody@example.org"):
        run("export-person", "nobody@example.org")


def test_erase_from_the_cli(ana, tmp_path):
    before = counts()
    with pytest.raises(CommandError, match="would erase ana@example.org: 2 subscription.*3 delivery.*--yes"):
        run("erase", ANA)  # no terminal to ask: nothing without --yes
    assert Subscriber.objects.filter(email=ANA).exists()
    output = run("erase", ANA, "--yes")
    assert output.strip() == (
        "erased ana@example.org: 2 subscription(s) deleted, 3 delivery row(s) anonymised (0 not sent yet, "
        "stopped), 1 notice(s) and 1 mail report(s) anonymised; suppression kept as a salted hash (erased)")
    assert counts() == before  # every count of every release stays
    assert Delivery.objects.filter(subscriber__isnull=True).count() == 3
    nothing_left_of(ANA)
    assert Subscriber.objects.filter(email="petar@example.org").exists()
    [kept] = Suppression.objects.all()
    assert (kept.email, kept.reason) == (f"erased:{suppressions.digest(ANA)}", "erased")
    # What is still held about her address: the salted hash, and nothing else.
    assert json.loads(run("export-person", ANA))["suppression"][0]["reason"] == "erased"
    assert set(json.loads(run("export-person", ANA))) == {
        "email", "exported_at", "notices", "suppression", "bounce_score", "mail_reports"}

    # Her address is not added back by anyone's old spreadsheet…
    path = tmp_path / "old.csv"
    path.write_text("email,language\nANA@example.org,bg\n", encoding="utf-8")
    report = import_subscribers(path.read_bytes(), "sofia-news", confirmed=True)
    assert report.created == 0 and report.rejected[0].reason.startswith("suppressed (erased)")
    # …nor sent to if someone adds her by hand; confirming her own new request lifts it.
    again = subscribe(ANA, "sofia-news")
    second = workflow.submit(b"T\n\nx", name="r.txt", city="sofia")
    ledger.freeze_audience(second)
    assert list(Delivery.objects.filter(release=second).values_list("subscriber__email", flat=True)) == [
        "petar@example.org"]
    suppressions.lift(again.email)
    assert not Suppression.objects.exists()


def test_export_and_erase_from_the_admin(ana):
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@b40.test", "a-long-password-42"))
    changelist = reverse("admin:network_subscriber_changelist")
    exported = admin.post(changelist, {"action": "export_personal_data", "_selected_action": [ana.pk]})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/json")
    assert "attachment" in exported["Content-Disposition"]
    data = json.loads(exported.content)
    assert len(data["deliveries"]) == 3 and len(data["subscriptions"]) == 2

    before = counts()
    asked = admin.post(changelist, {"action": "erase_personal_data", "_selected_action": [ana.pk]})
    page = " ".join(asked.content.decode().split())
    assert asked.status_code == 200 and "This cannot be undone" in page
    assert "ana@example.org: 2 subscription(s), 3 delivery row(s), 1 notice(s)" in page
    assert Subscriber.objects.filter(pk=ana.pk).exists()  # asked, not done
    done = admin.post(changelist, {"action": "erase_personal_data", "_selected_action": [ana.pk],
                                   "confirmed": "yes"}, follow=True)
    assert done.status_code == 200 and "Erased ana@example.org: 2 subscription(s)" in done.content.decode()
    assert not Subscriber.objects.filter(pk=ana.pk).exists()
    assert counts() == before
    nothing_left_of(ANA)
    # The admin's plain delete erases the same way (it used to be refused for anyone who got a newsletter).
    petar = Subscriber.objects.get(email="petar@example.org")
    response = admin.post(reverse("admin:network_subscriber_delete", args=[petar.pk]), {"post": "yes"})
    assert response.status_code == 302
    nothing_left_of("petar@example.org")
    assert Delivery.objects.count() == 6 and counts() == before
    assert "delete_selected" not in admin.get(changelist).content.decode()


def test_erasing_someone_with_mail_still_to_go_stops_it(ana, mta):
    release = workflow.submit(b"T\n\nx", name="r.txt", city="sofia")
    workflow.store_source(release)
    ledger.freeze_audience(release)
    assert Delivery.objects.filter(release=release, subscriber=ana, state="pending").exists()
    erased = run("erase", ANA, "--yes")
    assert "(1 not sent yet, stopped)" in erased
    assert Delivery.objects.filter(release=release, subscriber__isnull=True).get().state == "suppressed"


def test_retention_forgets_whom_old_rows_went_to(ana):
    old = timezone.now() - timedelta(days=800)
    Delivery.objects.update(created_at=old)
    Notice.objects.update(created_at=old)
    MailReport.objects.update(created_at=old)
    assert run("retention", "--days", "0").strip() == (
        "0 delivery row(s) and 0 notice(s) anonymised, 0 mail report(s) deleted")  # 0: keep
    with override_settings(DELIVERY_RETENTION_DAYS=730):
        output = run("retention")
    assert output.strip() == "6 delivery row(s) and 1 notice(s) anonymised, 1 mail report(s) deleted"
    assert not Delivery.objects.filter(subscriber__isnull=False).exists() and Delivery.objects.count() == 6
    assert Subscriber.objects.filter(email=ANA).exists()  # the subscriber and the subscriptions stay
    assert run("retention", "--days", "730").startswith("0 delivery row(s)")
    from worker import app

    assert app.conf.beat_schedule["retention"]["task"] == "worker.tasks.apply_retention"
