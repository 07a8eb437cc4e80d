"""`b40news status`: per list what is left, the rate measured from recent
`sent_at`, and an ETA that respects the relay's limit; exact numbers from rows
built by hand."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from b40news.delivery.models import Delivery
from b40news.delivery.status import estimate, format_seconds, release_status
from b40news.network.models import Language, MailingList, Subscriber
from b40news.network.sample import load_sample
from b40news.releases.management.commands.status import progress_line
from b40news.releases.workflow import submit

pytestmark = pytest.mark.django_db

A, B, C = "sofia-news", "varna-news", "zagreb-news"
NOW = timezone.now().replace(microsecond=0)


class Ledger:
    """Delivery rows for one release, made in the order they are added (ids ascend)."""

    def __init__(self):
        load_sample(0)
        self.bg = Language.objects.sync()["bg"]
        self.lists = {slug: MailingList.objects.get(slug=slug) for slug in (A, B, C)}
        self.release = submit("Заглавие\nТекст.".encode(), name="r.txt", city="sofia", lists=[A, B, C])
        self.count = 0

    def add(self, slug: str, state: str, n: int = 1, **fields) -> list[Delivery]:
        rows = []
        for _ in range(n):
            self.count += 1
            subscriber = Subscriber.objects.create(email=f"r{self.count}@example.org", language=self.bg)
            rows.append(Delivery.objects.create(
                release=self.release, subscriber=subscriber, mailing_list=self.lists[slug], language="bg",
                state=state, message_id=f"<m{self.count}@b40.example.org>", **fields,
            ))
        return rows


@pytest.fixture
def ledger() -> Ledger:
    """26 sent on A (21 of them in the last 60 s: 2 s apart, the first 40 s ago, so
    0.5 msg/s), then 7 open rows alternating A and B, and some of every other state."""
    made = Ledger()
    made.add(A, "sent", 5, sent_at=NOW - timedelta(seconds=100))  # outside the window
    for k in range(21):
        made.add(A, "sent", sent_at=NOW - timedelta(seconds=40 - 2 * k))
    for slug, state in [(A, "pending"), (B, "queued"), (A, "pending"), (B, "sending"), (A, "pending"),
                        (B, "pending"), (A, "queued")]:
        made.add(slug, state)
    made.add(B, "failed", 2)
    made.add(B, "bounced")
    made.add(C, "waiting", 3)
    made.add(A, "uncertain")
    made.add(C, "suppressed")
    return made


def test_rate_from_recent_sends_and_eta_per_list(ledger, django_assert_max_num_queries):
    # translations, counts, city, rate, open rows per list, rows ahead of each list: not one per list
    with django_assert_max_num_queries(8):  # the counts, the rate, the ETA per list, whether it stalled, deliverability
        status = release_status(ledger.release, now=NOW)
    progress = status["progress"]
    assert progress["rate"] == 0.5  # (21 - 1) sends over the 40 s since the first in the window
    assert (progress["remaining"], progress["waiting"]) == (7, 3)
    assert (progress["eta"], progress["eta_basis"]) == (14.0, "measured rate")  # 7 / 0.5
    assert status["eta"] == 14.0
    assert progress["rate_limit"] is None
    assert progress["lists"] == {
        # A's last open row is the 7th to go; B's the 6th: 12 s
        A: {"pending": 4, "sent": 26, "failed": 0, "bounced": 0, "waiting": 0, "eta": 14.0},
        B: {"pending": 3, "sent": 0, "failed": 2, "bounced": 1, "waiting": 0, "eta": 12.0},
        C: {"pending": 0, "sent": 0, "failed": 0, "bounced": 0, "waiting": 3, "eta": None},
    }
    assert status["lists"][A]["uncertain"] == 1 and status["lists"][C]["suppressed"] == 1


def test_the_relays_rate_limit_is_a_floor_under_the_eta(ledger, redis_url):
    with override_settings(SMTP_RATE_LIMIT="1/10s", REDIS_URL=redis_url):
        progress = release_status(ledger.release, now=NOW)["progress"]
    assert progress["rate_limit"] == "1/10s"
    # 7 left at one per 10 s: the 7th may go 60 s from now, slower than 7 / 0.5 = 14 s
    assert (progress["eta"], progress["eta_basis"]) == (60.0, "rate limit")
    assert progress["lists"][A]["eta"] == 60.0 and progress["lists"][B]["eta"] == 50.0
    with override_settings(SMTP_RATE_LIMIT="100/s", REDIS_URL=redis_url):
        progress = release_status(ledger.release, now=NOW)["progress"]
    assert (progress["eta"], progress["eta_basis"]) == (14.0, "measured rate")


def test_a_scheduled_retry_holds_the_eta_of_its_list(ledger):
    ledger.add(B, "pending", next_attempt_at=NOW + timedelta(seconds=300), attempts=1)
    progress = release_status(ledger.release, now=NOW)["progress"]
    assert (progress["remaining"], progress["eta"], progress["eta_basis"]) == (8, 300.0, "retry")
    assert progress["lists"][A]["eta"] == 14.0  # A does not wait for B's retry
    assert progress["lists"][B]["eta"] == 300.0


def test_a_stalled_send_has_no_rate_and_no_eta(ledger):
    later = NOW + timedelta(seconds=61)  # nothing sent in the last 60 s
    progress = release_status(ledger.release, now=later)["progress"]
    assert (progress["rate"], progress["eta"], progress["remaining"]) == (None, None, 7)
    assert all(entry["eta"] is None for entry in progress["lists"].values())
    assert progress_line(progress) == "7 to go, no message sent in the last 60 s: ETA unknown until messages go"
    # 10 s after the last send: the same 21 sends, now over 50 s
    progress = release_status(ledger.release, now=NOW + timedelta(seconds=10))["progress"]
    assert (progress["rate"], progress["eta"]) == (0.4, 17.5)


def test_estimates_and_their_wording():
    assert estimate(0, 5.0, None) == (None, None)
    assert estimate(10, None, None) == (None, None)
    assert estimate(10, None, None, retry_wait=60, all_retries=True) == (60.0, "retry")
    assert estimate(10, None, None, retry_wait=60) == (None, None)  # the rest: unknown
    assert estimate(10, 4.0, None, retry_wait=2) == (2.5, "measured rate")
    assert [format_seconds(s) for s in (None, 0.4, 59, 200, 7500)] == ["-", "0 s", "59 s", "3 min 20 s", "2 h 05 min"]
    progress = {"remaining": 1200, "rate": 512.3, "rate_window": 60, "rate_limit": "50/s,100000/d",
                "eta": 24.0, "eta_basis": "rate limit", "waiting": 0}
    assert progress_line(progress) == (
        "1200 to go, 512.3 msg/s in the last 60 s, relay limit 50/s,100000/d: ETA 24 s (rate limit)"
    )
    assert progress_line({**progress, "remaining": 0, "waiting": 4}) == (
        "nothing left to send; 4 waiting for a translation"
    )


def test_the_status_command_prints_progress_per_list(ledger, redis_url):
    # Under a rate limit the ETA does not depend on the moment the command runs.
    Delivery.objects.filter(release=ledger.release, state="sent").update(sent_at=NOW - timedelta(hours=1))
    out = io.StringIO()
    with override_settings(SMTP_RATE_LIMIT="1/10s", REDIS_URL=redis_url):
        call_command("status", str(ledger.release.pk), stdout=out)
        text = out.getvalue()
        assert "7 to go, no message sent in the last 60 s, relay limit 1/10s: ETA 1 min 00 s (rate limit)" in text
        [row_a] = [line for line in text.splitlines() if A in line]
        assert [cell.strip() for cell in row_a.split("│")[1:-1]] == [A, "4", "26", "0", "0", "1", "0", "0", "1 min 00 s"]
        out = io.StringIO()
        call_command("status", str(ledger.release.pk), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["eta"] == 60.0 and data["progress"]["lists"][B]["eta"] == 50.0
    assert data["progress"]["lists"][C] == {"pending": 0, "sent": 0, "failed": 0, "bounced": 0, "waiting": 3,
                                            "eta": None}


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_send_wait_returns_when_the_workers_are_done_and_the_release_is_sent(celery_workers, mta):
    made = Ledger()
    for n in range(40):
        subscriber = Subscriber.objects.create(email=f"w{n}@example.org", language=made.bg)
        subscriber.subscriptions.create(mailing_list=made.lists[(A, B)[n % 2]], status="confirmed")
    celery_workers.start(concurrency=2)
    out = io.StringIO()
    call_command("send", str(made.release.pk), "--wait", stdout=out)
    assert out.getvalue().splitlines()[-1] == "state: sent; sent: 40"
    assert len(mta.messages()) == 40
    made.release.refresh_from_db()
    assert made.release.status == "sent"
    status = release_status(made.release)
    assert (status["eta"], status["progress"]["remaining"]) == (None, 0)
    assert status["progress"]["lists"][A]["sent"] == status["progress"]["lists"][B]["sent"] == 20
