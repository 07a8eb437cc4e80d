"""Subscribers whose language has no approved translation wait in the ledger,
visibly, until a human translation is approved or a fallback is chosen."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from b40news.delivery.models import Delivery
from b40news.delivery.status import release_status
from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases.models import Translation
from b40news.releases import workflow
from b40news.releases.workflow import approve, submit

pytestmark = pytest.mark.django_db(transaction=True)  # send tasks are enqueued on commit

BODY = "Кметът на Загреб откри срещата.\n\nОбщината покани гости от София."
HR = "Sastanak je otvorio gradonačelnik Zagreba.\n\nOpćina je pozvala goste iz Sofije."


@pytest.fixture
def release():
    load_sample(0)
    by_code = Language.objects.sync()
    mailing_list = MailingList.objects.get(slug="zagreb-news")
    for code in ("hr", "hr", "bg"):
        subscriber = Subscriber.objects.create(
            email=f"{code}{Subscriber.objects.count()}@example.org", language=by_code[code]
        )
        Subscription.objects.create(subscriber=subscriber, mailing_list=mailing_list, status="confirmed")
    return submit(f"Среща в Загреб\n{BODY}".encode(), name="r.txt", city="zagreb")


def send(release, mta):
    with override_settings(SMTP_URL=mta.url):
        workflow.send(release)


def states(release):
    return sorted(Delivery.objects.filter(release=release).values_list("language", "state"))


def test_misaligned_human_translation_is_refused_and_stores_nothing(release, tmp_path):
    path = tmp_path / "hr.txt"
    path.write_text("Samo jedan odlomak.", encoding="utf-8")
    with pytest.raises(CommandError, match=r"hr.txt has 1 paragraph\(s\) but release \d+ has 2"):
        call_command("submit_translation", str(release.pk), "--language", "hr", str(path), "--title", "Sastanak")
    assert not Translation.objects.filter(release=release, language__code="hr").exists()


def test_waiting_subscribers_get_the_human_translation_once_approved(release, mta, tmp_path):
    send(release, mta)  # only Bulgarian is approved (the original)
    assert states(release) == [("bg", "sent"), ("hr", "waiting"), ("hr", "waiting")]
    assert release_status(release)["languages"]["hr"]["deliveries"]["waiting"] == 2

    path = tmp_path / "hr.txt"
    path.write_text(f"Sastanak u Zagrebu\n\n{HR}", encoding="utf-8")
    call_command("submit_translation", str(release.pk), "--language", "hr", str(path))
    hr = Translation.objects.get(release=release, language__code="hr")
    assert hr.route == ["human"] and hr.tier == "human" and hr.title == "Sastanak u Zagrebu"
    # The glossary wants "Sofija"; the translator wrote the inflected "Sofije",
    # which is correct Croatian: no false alarm, nothing to force.
    assert hr.glossary_report == {"required": 4, "satisfied": 4, "missing": [], "questions": []}
    assert hr.flagged == 0
    release.refresh_from_db()
    assert release.status == "sent_waiting"
    with override_settings(SMTP_URL=mta.url):
        approve(release, ["hr"], override=True)  # the waiting subscribers go at once: nobody presses Send
    assert states(release) == [("bg", "sent"), ("hr", "sent"), ("hr", "sent")]
    bodies = {m["To"]: m.get_body(("plain",)).get_content() for m in mta.messages()}
    assert sum("Općina je pozvala goste" in body for body in bodies.values()) == 2
    assert len(mta.messages()) == 3  # the Bulgarian subscriber was not sent twice
    release.refresh_from_db()
    assert release.status == "sent"


def test_a_fallback_language_releases_waiting_subscribers(release, mta):
    send(release, mta)
    with override_settings(SMTP_URL=mta.url):
        call_command("send", str(release.pk), "--fallback", "hr=bg")
    assert states(release) == [("bg", "sent"), ("bg", "sent"), ("bg", "sent")]
    assert len(mta.messages()) == 3


def test_an_unreachable_relay_means_retry_later_not_lost(release, mta):
    with override_settings(SMTP_URL="smtp://127.0.0.1:9"):  # nothing listens on the discard port
        workflow.send(release)
    [row] = Delivery.objects.filter(release=release, language="bg")
    assert row.state == "pending" and row.next_attempt_at is not None and row.attempts == 1
    assert mta.messages() == []
