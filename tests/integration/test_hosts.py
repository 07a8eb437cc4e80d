"""A second host changes nothing (issue 17): two worker hosts send one release to
20,000 subscribers; one of them is cut off the network and killed mid-send.

Two network namespaces on this machine stand for the hosts (tests/support/netns.py),
each with its own data directory and the same SECRET_KEY; Redis, PostgreSQL and
Postfix's smtp-sink run on the bridge between them (tests/support/services.py).
Host A builds the audience and the release and sends it (`b40news send`); both
hosts' Celery workers (`-Q send,notify,render`) take the batches; host B also
runs Celery beat (the sweep, every few seconds) and `b40news serve`.

After some thousands of messages have arrived, host A's link goes down and every
process there is SIGKILLed: no FIN, no RST, its tasks stay unacknowledged in
Redis (for the production visibility timeout: an hour), its rows `queued` or
`sending`. Nothing but the sweep on host B brings those rows back. Then:

- every recipient got the message exactly once (counted by Message-ID at the
  relay) or is `uncertain`: at most one per killed pool process, a row that was
  `sending` when the host was cut, sent (if at all) by host A;
- nothing is left `pending`, `queued` or `sending`; the release is settled;
- host B did the rest, and its workers are still running;
- an unsubscribe link signed on host A (before it was lost) works on host B's
  web server (RFC 8058 one-click POST): the hosts share the SECRET_KEY.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from b40news.delivery.models import Delivery
from b40news.network.models import Subscription
from b40news.releases.models import Release
from tests.conftest import REPO, SEED, SEED_TITLE
from tests.ops.processes import clean_env
from tests.support import netns
from tests.support.processes import children
from tests.support.services import PostgresServer, RedisServer, SmtpSink

pytestmark = pytest.mark.slow

RECIPIENTS = 20_000
LISTS = ("sofia-news", "varna-news", "stara-zagora-news")
CUT_AFTER = 5_000  # messages at the relay before host A is lost
CONCURRENCY = 2  # pool processes per host
STALL_SECONDS = 10  # a send with no row moving this long is taken back by the sweep...
SWEEP_SECONDS = 3  # ...which beat runs this often on host B
SITE = "news.b40.test"
SECRET_KEY = "b40news-hosts-test-one-key-for-every-host-0123456789"
DELIVERIES = Delivery._meta.db_table


# -- run on host A, inside `b40news shell -c` ----------------------------------------


def make_release(recipients: int, seed: str, title: str) -> None:
    """The audience (Bulgarian only: no translation), the release, and an
    unsubscribe link signed here; prints them as JSON."""
    from b40news.network import links
    from b40news.network.models import Language, MailingList, Subscriber, Subscription
    from b40news.network.sample import load_sample
    from b40news.releases.workflow import store_source, submit

    load_sample(0)
    bg = Language.objects.sync()["bg"]
    lists = [MailingList.objects.get(slug=slug) for slug in LISTS]
    subscribers = Subscriber.objects.bulk_create(
        [Subscriber(email=f"reader{n:05d}@example.org", ascii_email=f"reader{n:05d}@example.org", language=bg)
         for n in range(recipients)], batch_size=5000,
    )
    Subscription.objects.bulk_create(
        [Subscription(subscriber=s, mailing_list=lists[n % len(lists)], status=Subscription.Status.CONFIRMED)
         for n, s in enumerate(subscribers)], batch_size=5000,
    )
    release = submit(Path(seed).read_bytes(), name="seed.txt", city="sofia", title=title, lists=list(LISTS))
    store_source(release)  # the original, approved: nothing to translate
    reader = subscribers[0]
    print(json.dumps({"release": release.pk, "subscriber": reader.pk, "list": lists[0].pk,
                      "unsubscribe": links.unsubscribe_url(reader.pk, lists[0].pk)}))


# -- the cluster ------------------------------------------------------------------------


@dataclass
class Cluster:
    net: netns.Network
    a: netns.Host
    b: netns.Host
    redis: RedisServer
    pg: PostgresServer
    sink: SmtpSink
    database_url: str
    base: Path

    def env(self, host: netns.Host, **extra: str) -> dict[str, str]:
        """A host's environment: its own data directory, the shared services and key."""
        return clean_env(
            self.base / f"data-{host.name}",
            DJANGO_SETTINGS_MODULE="b40news.settings", DATABASE_URL=self.database_url,
            REDIS_URL=self.redis.url, SMTP_URL=self.sink.url, SECRET_KEY=SECRET_KEY,
            SITE_URL=f"https://{SITE}",
            # The broker would hand a dead host's tasks back only after an hour (the
            # production default): here only the sweep can recover them.
            B40NEWS_VISIBILITY_TIMEOUT="3600",
            B40NEWS_STALL_SECONDS=str(STALL_SECONDS), B40NEWS_SWEEP_SECONDS=str(SWEEP_SECONDS),
            **extra,
        )

    def start(self, host: netns.Host, name: str, args: list[str], **extra: str) -> subprocess.Popen:
        """A long-running process on ``host``, its output in logs/``name``.out."""
        with (self.base / "logs" / f"{name}.out").open("w") as out:
            return self.net.popen(host, [sys.executable, *args], env=self.env(host, **extra), cwd=REPO,
                                  stdout=out, stderr=subprocess.STDOUT)

    def b40news(self, host: netns.Host, *args: str) -> str:
        env = self.env(host)
        done = self.net.run(host, [sys.executable, "-m", "b40news.cli", *args], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"b40news {args[0]} on host {host.name}: {done.stderr[-3000:]}"
        return done.stdout

    def worker(self, host: netns.Host) -> subprocess.Popen:
        return self.start(host, f"worker-{host.name}", [
            "-m", "celery", "-A", "worker", "worker", "-Q", "send,notify,render", "-c", str(CONCURRENCY),
            "-n", f"{host.name}@%h", "-l", "warning", "--without-gossip", "--without-mingle"])

    def logs(self) -> str:
        parts = []
        for path in sorted((self.base / "logs").glob("*")):
            text = path.read_text(errors="replace")
            parts.append(f"--- {path.name} (last 3000 characters) ---\n{text[-3000:]}")
        return "\n".join(parts)


@pytest.fixture
def cluster():
    reason = netns.unavailable()
    if reason:
        pytest.skip(f"two worker hosts need network namespaces: {reason}")
    # In memory where there is room: the relay writes each message to a file (about 550 MB
    # in all), and on a busy disk writing and deleting them cost as much as the test.
    shm = Path("/dev/shm")
    roomy = shm.is_dir() and shutil.disk_usage(shm).free > 4 * 2**30
    base = Path(tempfile.mkdtemp(prefix="b40t-hosts-", dir=shm if roomy else None))
    os.chmod(base, 0o755)  # the postgres and nobody users (PostgreSQL, smtp-sink) work below it
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, base, ignore_errors=True)
        (base / "logs").mkdir()
        net = stack.enter_context(netns.Network())
        a, b = net.add_host("a"), net.add_host("b")
        redis_server = stack.enter_context(RedisServer(net.gateway, base / "redis"))
        pg = stack.enter_context(PostgresServer(net.gateway, base / "pg"))
        sink = stack.enter_context(SmtpSink(net.gateway, base / "sink"))
        for host in (a, b):  # the hosts go first, before the services they use
            stack.callback(net.kill, host)
        yield Cluster(net, a, b, redis_server, pg, sink, pg.create_database("b40news"), base)


# -- looking at the ledger and the relay ---------------------------------------------


def ledger(cluster: Cluster, release_id: int) -> dict[int, tuple[str, str, str, int]]:
    """Row id -> (state, Message-ID, batch, attempts), read by the test itself."""
    with psycopg.connect(cluster.database_url, autocommit=True) as conn:
        return {pk: (state, message_id, batch, attempts) for pk, state, message_id, batch, attempts in conn.execute(
            f"SELECT id, state, message_id, batch, attempts FROM {DELIVERIES} WHERE release_id = %s",
            [release_id])}


def open_rows(cluster: Cluster, release_id: int) -> int:
    return scalar(cluster, f"SELECT count(*) FROM {DELIVERIES} WHERE release_id = %s "
                  "AND state IN ('pending', 'queued', 'sending')", [release_id])


def scalar(cluster: Cluster, query: str, params: list):
    with psycopg.connect(cluster.database_url, autocommit=True) as conn:
        return conn.execute(query, params).fetchone()[0]


def wait_for(what: str, check, timeout: float, every: float = 0.5):
    """Poll ``check`` until it returns something true; ``timeout`` is a generous limit, not a measure."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(every)


def workers_answer(cluster: Cluster, names: set[str]) -> bool:
    from celery import Celery

    probe = Celery("probe", broker=cluster.redis.url, set_as_current=False)
    probe.conf.broker_transport_options = {"global_keyprefix": "b40news:"}  # the workers' (settings)
    try:
        replies = probe.control.ping(timeout=1.0) or []
    finally:
        probe.close()
    answered = {key.partition("@")[0] for reply in replies for key in reply}
    return names <= answered


def sweep_results(cluster: Cluster) -> list[dict]:
    """What the sweep tasks returned ({"scheduled", "stalled", "notices"}), from the result backend."""
    import redis

    client = redis.Redis.from_url(cluster.redis.url)
    found = []
    for key in client.scan_iter("celery-task-meta-*", count=1000):
        result = json.loads(client.get(key) or b"{}").get("result")
        if isinstance(result, dict) and result.keys() == {"scheduled", "stalled", "notices"}:
            found.append(result)
    client.close()
    return found


def http(method: str, url: str, data: bytes | None = None, timeout: float = 20) -> tuple[int, str]:
    """A request to a host's web server, for the site's name (ALLOWED_HOSTS)."""
    request = urllib.request.Request(url, data=data, method=method, headers={"Host": SITE})
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def web_answers(url: str):
    try:
        return http("GET", url, timeout=5)[0] in (200, 503)
    except OSError:
        return False


# -- the test --------------------------------------------------------------------------------


def test_a_host_cut_off_mid_send_changes_nothing(cluster):
    started = time.monotonic()
    try:
        scenario(cluster, started)
    except BaseException:
        print(cluster.logs())
        raise


def scenario(cluster: Cluster, started: float) -> None:
    a, b, sink = cluster.a, cluster.b, cluster.sink
    cluster.b40news(a, "migrate", "--noinput")
    worker_a, worker_b = cluster.worker(a), cluster.worker(b)
    cluster.start(b, "beat-b", ["-m", "celery", "-A", "worker", "beat", "-l", "warning"])
    web_b = f"http://{b.address}:8000"
    server_b = cluster.start(b, "serve-b", ["-m", "b40news.cli", "serve"],
                             B40NEWS_BIND=f"{b.address}:8000", B40NEWS_WEB_WORKERS="1")
    made = json.loads(cluster.b40news(a, "shell", "-c", (  # while those start
        f"from tests.integration.test_hosts import make_release; "
        f"make_release({RECIPIENTS}, {str(SEED)!r}, {SEED_TITLE!r})")).strip().splitlines()[-1])
    release_id = made["release"]
    wait_for("both hosts' workers answer a ping", lambda: workers_answer(cluster, {"a", "b"}), 120)
    wait_for("host B's web server answers", lambda: web_answers(f"{web_b}/healthz"), 120)
    print(f"set up in {time.monotonic() - started:.0f} s")

    cluster.b40news(a, "send", str(release_id))  # the officer, on host A
    sending_since = time.monotonic()
    wait_for(f"{CUT_AFTER} messages at the relay", lambda: sink.count() >= CUT_AFTER, 180, every=0.1)

    # Host A is lost: its link first (nothing more leaves it), then every process there.
    cluster.net.cut(a)
    pool_a = children(worker_a.pid)
    cluster.net.kill(a)
    cut_at = time.monotonic()
    sending_at_cut = {pk for pk, (state, *_rest) in ledger(cluster, release_id).items() if state == "sending"}
    received_at_cut = len(sink.received())
    print(f"host A cut and killed after {cut_at - sending_since:.0f} s of sending, {received_at_cut} messages "
          f"received; {len(sending_at_cut)} row(s) sending at that moment")
    assert len(pool_a) == CONCURRENCY and worker_a.poll() is not None
    assert received_at_cut < RECIPIENTS

    # Host B goes on; its beat's sweep takes back what host A held once the send is quiet.
    wait_for("every row final", lambda: open_rows(cluster, release_id) == 0, 300, every=1)
    finished = time.monotonic()
    rows = ledger(cluster, release_id)
    states = Counter(state for state, *_rest in rows.values())
    print(f"all rows final {finished - cut_at:.0f} s after the cut: {dict(states)}")
    outcome = Release.Status.SENT_WITH_FAILURES if states.get("uncertain") else Release.Status.SENT
    wait_for(f"the release settled as {outcome}", lambda: scalar(
        cluster, f"SELECT status FROM {Release._meta.db_table} WHERE id = %s", [release_id]) == outcome, 60)

    # -- every recipient once, or uncertain -----------------------------------------
    received = sink.received()
    by_id = Counter(message_id for message_id, _ in received)
    sender_of = {message_id: client for message_id, client in received}
    by_host = Counter(client for _, client in received)
    print(f"{len(received)} messages received: {by_host[a.address]} from host A, {by_host[b.address]} from host B")
    assert len(rows) == RECIPIENTS
    assert set(states) <= {"sent", "uncertain"}, states
    duplicates = [message_id for message_id, n in by_id.items() if n > 1]
    assert not duplicates, f"received twice: {duplicates[:10]}"
    assert set(by_id) <= {message_id for _, message_id, _, _ in rows.values()}
    uncertain = {pk for pk, (state, *_rest) in rows.items() if state == "uncertain"}
    assert uncertain <= sending_at_cut  # in flight on host A when it was lost...
    assert len(uncertain) <= len(pool_a)  # ...at most one per killed pool process, in batches of their own
    assert max(Counter(rows[pk][2] for pk in uncertain).values(), default=0) <= 1
    for pk, (state, message_id, _batch, attempts) in rows.items():
        assert attempts == 1, (pk, state, attempts)  # each row taken once
        if state == "uncertain":
            assert by_id[message_id] <= 1 and sender_of.get(message_id, a.address) == a.address
        else:
            assert by_id[message_id] == 1, (pk, message_id)
    assert sum(by_id.values()) >= RECIPIENTS - len(uncertain)

    # -- the sweep brought back what host A held; host B did the rest and still runs ---
    # Host A held at least one batch (running or reserved), unacknowledged in Redis
    # for an hour: only the sweep (beat on host B) can have found the send stalled.
    sweeps = sweep_results(cluster)
    print(f"{len(sweeps)} sweep(s) recorded, {sum(s['stalled'] for s in sweeps)} found the send stalled")
    assert any(s["stalled"] for s in sweeps)
    assert set(by_host) == {a.address, b.address}
    assert 0 < by_host[a.address] <= received_at_cut
    assert by_host[b.address] >= RECIPIENTS - len(uncertain) - received_at_cut
    assert worker_b.poll() is None and len(children(worker_b.pid)) == CONCURRENCY
    assert server_b.poll() is None

    # -- the officer sees it on host B ------------------------------------------
    shown = json.loads(cluster.b40news(b, "status", str(release_id), "--json"))
    assert shown["status"] == outcome and shown["progress"]["remaining"] == 0
    assert shown["counts"]["uncertain"] == len(uncertain)
    assert shown["counts"]["sent"] == RECIPIENTS - len(uncertain)

    # -- a link signed on host A works on host B --------------------------------------
    url = made["unsubscribe"].replace(f"https://{SITE}", web_b)
    forged = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    assert http("POST", forged, b"List-Unsubscribe=One-Click")[0] == 400  # the signature is checked
    status, page = http("POST", url, b"List-Unsubscribe=One-Click")
    assert status == 200, page[:2000]
    assert scalar(cluster, f"SELECT status FROM {Subscription._meta.db_table} WHERE subscriber_id = %s "
                  "AND mailing_list_id = %s", [made["subscriber"], made["list"]]) == Subscription.Status.UNSUBSCRIBED

    print(f"whole test {time.monotonic() - started:.0f} s (sending to the end: {finished - sending_since:.0f} s)")


