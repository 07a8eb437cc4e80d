"""A worker killed (SIGKILL) in the middle of a 2,000-recipient send, then a new
one: every recipient gets exactly one message, counted by Message-ID at the
relay; no row is left open.

What a kill can leave, by the design of the sender (sender.py): rows still
`queued` in the dead worker's batches (their messages never got their final
".", so the relay dropped them: they are sent again when the broker hands the
batch to another worker), and in each killed pool process at most one row in
`sending` (committed, and then the "." may or may not have left). That row
becomes `uncertain` when its batch runs again and is never sent twice. The
tests check exactly that: the rows found `sending` right after the kill are
the rows that end `uncertain`, one per batch at most, each received at most
once, and every other recipient received exactly once.

Three ways to die: the whole worker (main process and pool, frozen with
SIGSTOP first so none of them reacts to the others' death) at an arbitrary
moment; the whole worker while the relay holds its reply to a message it has
already kept (the worst moment: the message is out, the ledger cannot know);
and only the pool processes, the main process surviving to hand the batch
back at once (``reject_on_worker_lost``). And two ways not to lose anyone
without a crash: one batch run twice at once (a task that outlived the
broker's visibility timeout), and rows handed back for later, which need a
dispatch when they are due.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from b40news.delivery import ledger, sender, service
from b40news.delivery.models import Delivery
from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases.models import Release
from b40news.releases.workflow import store_source, submit
from tests.conftest import SEED_TITLE
from tests.support.mta import TestMTA
from tests.support.processes import children
from worker.tasks import dispatch_release, schedule_retries

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RECIPIENTS = 2000
LISTS = ("sofia-news", "varna-news", "stara-zagora-news")
VISIBILITY_TIMEOUT = 5  # what the celery_workers fixture gives the workers


class HoldingMTA(TestMTA):
    """The test MTA, able to keep the n-th message and then hold its reply until released."""

    __test__ = False

    def __init__(self) -> None:
        super().__init__()
        self.hold_at: int | None = None
        self.holding = threading.Event()  # the n-th message is kept, its "250" not sent
        self.release = threading.Event()
        self.held_message_id: str | None = None
        self._data_seen = 0

    async def on_data(self, server, session, envelope):
        reply = await super().on_data(server, session, envelope)
        with self._lock:
            self._data_seen += 1
            hold = self._data_seen == self.hold_at
        if hold:
            self.held_message_id = self.message_id_of(envelope.original_content)
            self.holding.set()
            while not self.release.is_set():  # the worker that sent it dies meanwhile
                await asyncio.sleep(0.01)
        return reply

    @staticmethod
    def message_id_of(data: bytes) -> str:
        head = data.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        return next(line.split(":", 1)[1].strip() for line in head.split("\r\n")
                    if line.lower().startswith("message-id:"))


@pytest.fixture
def mta():
    server = HoldingMTA()
    server.start()
    yield server
    server.release.set()
    server.stop()


@pytest.fixture
def release(seed_bytes):
    load_sample(0)
    bg = Language.objects.sync()["bg"]
    lists = [MailingList.objects.get(slug=slug) for slug in LISTS]
    subscribers = Subscriber.objects.bulk_create(
        [Subscriber(email=f"reader{n:04d}@example.org", ascii_email=f"reader{n:04d}@example.org", language=bg)
         for n in range(RECIPIENTS)]
    )
    Subscription.objects.bulk_create(
        [Subscription(subscriber=s, mailing_list=lists[n % len(lists)], status=Subscription.Status.CONFIRMED)
         for n, s in enumerate(subscribers)]
    )
    made = submit(seed_bytes, name="seed.txt", city="sofia", title=SEED_TITLE, lists=list(LISTS))
    store_source(made)  # Bulgarian only: the original needs no translation
    service.prepare_send(made)
    Release.objects.filter(pk=made.pk).update(status=Release.Status.SENDING)  # dispatched by the test itself
    assert Delivery.objects.filter(release=made, state="pending").count() == RECIPIENTS
    return made


# -- processes ---------------------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def kill_all(pids: list[int]) -> None:
    """Freeze every process first, so none sees another die, then SIGKILL them all."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still alive after SIGKILL: {[p for p in pids if alive(p)]}"
        time.sleep(0.05)


def wait_received(mta: TestMTA, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(mta.raw_messages()) < at_least:
        assert time.monotonic() < deadline, f"the relay got only {len(mta.raw_messages())} messages"
        time.sleep(0.01)


def wait_until_final(release, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while Delivery.objects.filter(release=release).exclude(state__in=Delivery.FINAL).exists():
        states = Counter(Delivery.objects.filter(release=release).values_list("state", flat=True))
        assert time.monotonic() < deadline, f"rows still open: {states}"
        time.sleep(0.2)


def snapshot(release) -> dict[str, set[int]]:
    """Row ids by state; "in flight": `sending`, or already marked `uncertain` by a run
    of the batch that started again (the surviving main process may be that quick)."""
    by_state: dict[str, set[int]] = {}
    for pk, state in Delivery.objects.filter(release=release).values_list("id", "state"):
        by_state.setdefault(state, set()).add(pk)
    by_state["in flight"] = by_state.get("sending", set()) | by_state.get("uncertain", set())
    return by_state


# -- the checks ----------------------------------------------------------------------


def check_exactly_once(release, mta: TestMTA, in_flight: set[int], killed_pool: int) -> dict[str, int]:
    """Every row sent and received once, except the rows in flight at the kill:
    those are `uncertain`, one per batch at most, received at most once."""
    rows = {pk: (state, message_id, batch) for pk, state, message_id, batch in
            Delivery.objects.filter(release=release).values_list("id", "state", "message_id", "batch")}
    received = mta.message_ids()
    print(f"in flight at the kill: {len(in_flight)} row(s) of {killed_pool} killed pool process(es); "
          f"{sum(received.values())} messages received, {len(received)} distinct")
    assert max(received.values()) == 1, [mid for mid, n in received.items() if n > 1]
    assert set(received) <= {message_id for _, message_id, _ in rows.values()}
    uncertain = {pk for pk, (state, _, _) in rows.items() if state == "uncertain"}
    assert uncertain == in_flight
    assert len(uncertain) <= killed_pool
    assert max(Counter(rows[pk][2] for pk in uncertain).values(), default=0) <= 1
    # Each row was taken once (its "." went at most once), and recorded as it happened.
    recorded = Delivery.objects.filter(release=release)
    assert set(recorded.values_list("attempts", flat=True)) == {1}
    sent = recorded.filter(state="sent")
    assert not sent.filter(last_code__isnull=True).exists() and set(sent.values_list("last_code", flat=True)) == {250}
    assert all(sending <= done for sending, done in sent.values_list("sending_at", "sent_at"))
    for pk, (state, message_id, _) in rows.items():
        if pk in uncertain:
            assert received[message_id] <= 1
        else:
            assert state == "sent", (pk, state)
            assert received[message_id] == 1, (pk, message_id)
    return {"rows": len(rows), "uncertain": len(uncertain), "received": sum(received.values())}


def start_send(release) -> None:
    batches = dispatch_release.delay(release_id=release.pk).get(timeout=60)
    assert batches == -(-RECIPIENTS // settings.SEND_BATCH_SIZE)  # each task claims its own batch


def restart_after_kill(celery_workers, killed_at: float) -> None:
    """A new worker, once the broker would hand the dead worker's tasks to
    another (its first look for them is when it starts)."""
    time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
    celery_workers.start(concurrency=2, name="w-after")


# -- the tests -------------------------------------------------------------------------


def test_a_worker_killed_mid_send_loses_and_duplicates_nothing(celery_workers, mta, release):
    worker = celery_workers.start(concurrency=2, name="w-doomed")
    pool = children(worker.pid)
    assert len(pool) == 2
    start_send(release)
    wait_received(mta, RECIPIENTS // 4)

    kill_all([worker.pid, *pool])
    killed_at = time.monotonic()
    received_at_kill = len(mta.raw_messages())
    at_kill = snapshot(release)
    in_flight = at_kill["in flight"]
    assert 0 < received_at_kill < RECIPIENTS
    assert at_kill.get("queued")  # rows of batches that died half-way with the worker

    restart_after_kill(celery_workers, killed_at)
    wait_until_final(release)

    counts = check_exactly_once(release, mta, in_flight, killed_pool=len(pool))
    assert counts["rows"] == RECIPIENTS
    assert counts["received"] >= RECIPIENTS - counts["uncertain"] > received_at_kill
    # The batch task that finished last settled the release (nothing is open):
    # an uncertain row is a failure the officer must see.
    outcome = "sent_with_failures" if counts["uncertain"] else "sent"
    deadline = time.monotonic() + 30
    while Release.objects.get(pk=release.pk).status != outcome:
        assert time.monotonic() < deadline, Release.objects.get(pk=release.pk).status
        time.sleep(0.1)


def test_a_worker_killed_while_the_relay_holds_its_reply_leaves_one_uncertain_row(
    celery_workers, mta, release
):
    mta.hold_at = 700
    worker = celery_workers.start(concurrency=2, name="w-doomed")
    pool = children(worker.pid)
    start_send(release)
    assert mta.holding.wait(120), "the relay never got its 700th message"

    # The 700th message is kept by the relay, and its worker waits for the reply.
    kill_all([worker.pid, *pool])
    killed_at = time.monotonic()
    mta.release.set()
    at_kill = snapshot(release)
    in_flight = at_kill["in flight"]
    held = Delivery.objects.get(release=release, message_id=mta.held_message_id)
    assert held.pk in in_flight

    restart_after_kill(celery_workers, killed_at)
    wait_until_final(release)

    counts = check_exactly_once(release, mta, in_flight, killed_pool=len(pool))
    held.refresh_from_db()
    assert held.state == "uncertain"
    assert mta.message_ids()[held.message_id] == 1  # it did arrive: uncertain, not lost, not twice
    assert counts["rows"] == RECIPIENTS


def test_killed_pool_processes_are_replaced_and_their_batches_run_again(celery_workers, mta, release):
    mta.hold_at = 500
    worker = celery_workers.start(concurrency=2, name="w-survives")
    pool = children(worker.pid)
    start_send(release)
    assert mta.holding.wait(120), "the relay never got its 500th message"

    kill_all(pool)  # the main process lives, sees its pool die and hands the batches back
    mta.release.set()
    in_flight = snapshot(release)["in flight"]
    held = Delivery.objects.get(release=release, message_id=mta.held_message_id)
    assert held.pk in in_flight
    wait_until_final(release)

    assert worker.poll() is None
    assert set(children(worker.pid)).isdisjoint(pool)  # a new pool did the rest
    counts = check_exactly_once(release, mta, in_flight, killed_pool=len(pool))
    assert Delivery.objects.get(pk=held.pk).state == "uncertain"
    assert counts["rows"] == RECIPIENTS


def test_one_batch_run_twice_at_once_sends_each_message_once(mta, release):
    """What the broker does when a task outlives its visibility timeout: it hands
    the batch to a second worker while the first is still sending it."""
    batch = ledger.claim_batch(release.pk, RECIPIENTS)
    start = threading.Barrier(2)
    reports, errors = [], []

    def run() -> None:
        try:
            start.wait()
            reports.append(sender.send_batch(batch))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    with override_settings(SMTP_URL=mta.url):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
    print("two runs of one batch:", [(r.sent, r.skipped) for r in reports])
    assert errors == [] and len(reports) == 2
    assert sum(report.sent for report in reports) == RECIPIENTS
    assert all(report.sent for report in reports)  # both really sent part of it
    # The run that found itself behind turned round: they met half-way instead
    # of one trailing the other and pushing every body out for nothing.
    assert sum(report.skipped for report in reports) < 20
    states = Counter(Delivery.objects.filter(release=release).values_list("state", flat=True))
    assert states == {"sent": RECIPIENTS}
    received = mta.message_ids()
    assert len(received) == RECIPIENTS and set(received.values()) == {1}


def test_rows_handed_back_for_later_get_one_dispatch_when_due(celery_workers, redis_url, release):
    """A 4xx or the rate limit hands rows back with a due time: a dispatch must
    come then, or they would wait for ever; one, however many batches ask."""
    due = timezone.now() + timedelta(seconds=30)
    Delivery.objects.filter(release=release).update(next_attempt_at=due, attempts=1)
    for _ in range(3):  # three batches that each handed rows back
        schedule_retries(release.pk)
    queue = f"{celery_workers.extra_env['B40NEWS_REDIS_PREFIX']}send"
    client = redis.Redis.from_url(redis_url)
    assert client.llen(queue) == 1
    message = json.loads(client.lindex(queue, 0))
    assert message["headers"]["task"] == "worker.tasks.dispatch_release"
    eta = datetime.fromisoformat(message["headers"]["eta"])
    assert due <= eta <= due + timedelta(seconds=10)  # at the end of its 10-second slot
