"""The Procfile stack, as a deployment runs it, passes the officer's flow.

`honcho start` runs the Procfile's four processes (gunicorn with debug off,
the translate and send workers, beat) against a fresh PostgreSQL database on
127.0.0.1:5432, Redis and an SMTP server of the test's own. In Chromium, an
officer logs in, submits the seed release, approves Macedonian and schedules
the send a little ahead; the workers and beat deliver it. The admin's styles
are served (debug off: WhiteNoise). A bounce dropped into the bounce mailbox
is read by beat's poll.

The second test runs the Procfile's `send` and `beat` commands without honcho
(which stops everything when one process dies), so that the send worker can
be SIGKILLed while it holds a scheduled send's countdown: the countdown is lost
with it (Redis would give it back only after the visibility timeout, an hour),
and beat's sweep still sends the release once its time has come.

Everything the processes write goes to a temporary data directory; the
database is dropped, Redis keys under the test's prefix deleted.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import redis
from celery import Celery
from honcho.environ import parse_procfile

from tests.conftest import SEED, SEED_TITLE
from tests.ops.processes import BIN, REPO, b40news, clean_env, free_port, get, running_in_groups, wait_for_http
from tests.support.mta import TestMTA

pytestmark = pytest.mark.slow

PROCFILE = parse_procfile((REPO / "Procfile").read_text()).processes
POSTGRES = os.environ.get("B40NEWS_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
BROWSER_ZONE = "Europe/Sofia"  # the officer's browser and her city: the office reads typed times in it
PASSWORD = "a-long-stack-password-7"
BOUNCE_SAMPLE = Path(__file__).resolve().parents[1] / "delivery" / "data" / "postfix-5.1.1-user-unknown.eml"
SCHEDULED_READERS = 30  # bg subscribers of Sofia, for the killed-worker test

# Run in the installation's own environment (its settings, its database).
SETUP = r"""
from django.contrib.auth import get_user_model
from b40news.network.models import City, Language, MailingList, Officer, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.releases import reviewers
from b40news import languages

load_sample(0)
by_code = Language.objects.sync()
def add(list_slug, emails):
    for email, code in emails:
        subscriber = Subscriber.objects.create(email=email, ascii_email=email, language=by_code[code])
        Subscription.objects.create(subscriber=subscriber, mailing_list=MailingList.objects.get(slug=list_slug),
                                    status="confirmed")
add("stara-zagora-news", [(f"reader{i}.{code}@example.org", code) for i, code in enumerate(["bg", "bg", "mk", "mk"])])
add("sofia-news", [(f"sofia{i}@example.net", "bg") for i in range(int(sys.argv[2]))])
user = get_user_model().objects.create_user("nadezhda", email="nadezhda@b40.test", password=sys.argv[1])
Officer.objects.create(user=user, city=City.objects.get(slug="stara-zagora"))
for code in languages.TARGETS:  # she reviews her city's releases herself
    reviewers.grant("nadezhda", code, cities=["stara-zagora"])
print(json.dumps({"officer": user.pk}))
"""

SCHEDULE = r"""
from datetime import timedelta
from django.utils import timezone
from b40news.releases import workflow

release = workflow.submit("Среща в София\n\nКметът на София откри срещата.".encode(), name="r.txt", city="sofia")
report = workflow.send(release, eta=timezone.now() + timedelta(seconds=float(sys.argv[1])))
print(json.dumps({"release": release.pk, "eta": report.scheduled_for.isoformat(), "due": report.due}))
"""


def django_script(script: str, env: dict[str, str], *args: str) -> dict:
    """Run ``script`` with django set up in the installation's environment; its last line, as JSON."""
    code = "import json, sys, django; django.setup()\n" + script
    result = subprocess.run([sys.executable, "-c", code, *args], env={**env, "DJANGO_SETTINGS_MODULE": "b40news.settings"},
                            cwd=env["B40NEWS_DATA_DIR"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@dataclass
class Installation:
    env: dict[str, str]
    data: Path
    database: str
    redis_url: str
    mta: TestMTA
    base: str

    def with_prefix(self, name: str) -> dict[str, str]:
        """The environment with Redis keys of their own (a fresh broker for each test)."""
        return {**self.env, "B40NEWS_REDIS_PREFIX": f"b40news-stack-{name}-{secrets.token_hex(3)}:"}

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(self.database, autocommit=True) as connection:
            return connection.execute(query, params).fetchall()

    def states(self, release_id: int) -> dict[str, int]:
        return dict(self.sql("SELECT state, count(*) FROM delivery_delivery WHERE release_id = %s GROUP BY state",
                             release_id))


@pytest.fixture(scope="module")
def database():
    name = f"b40news_stack_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def installation(database, redis_url, tmp_path_factory):
    data = tmp_path_factory.mktemp("stack-data")
    mta = TestMTA()
    mta.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(
        data, DATABASE_URL=database, REDIS_URL=redis_url, SECRET_KEY="stack-" + secrets.token_urlsafe(40),
        SMTP_URL=mta.url, SITE_URL=base, B40NEWS_BIND=f"127.0.0.1:{port}", B40NEWS_WEB_WORKERS="2",
        B40NEWS_DEBUG="false", B40NEWS_SWEEP_SECONDS="2", B40NEWS_BOUNCE_MAILBOX=str(data / "bounces"),
        B40NEWS_MAILBOX_POLL_SECONDS="2",
    )
    try:
        migrated = b40news("migrate", "--noinput", env=env, timeout=600)
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        django_script(SETUP, env, PASSWORD, str(SCHEDULED_READERS))
        (data / "bounces").mkdir()
        for folder in ("new", "cur", "tmp"):
            (data / "bounces" / folder).mkdir()
        yield Installation(env, data, database, redis_url, mta, base)
    finally:
        mta.stop()


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": BROWSER_ZONE}


def forget_prefix(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def probe_for(env: dict[str, str]) -> Celery:
    probe = Celery("probe", broker=env["REDIS_URL"])
    probe.conf.broker_transport_options = {"global_keyprefix": env["B40NEWS_REDIS_PREFIX"]}
    return probe


def wait_until(condition, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout} s")


def stop_groups(processes: list[subprocess.Popen], timeout: float = 60) -> None:
    """TERM each process group, then KILL what is left; none may remain."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    groups = [process.pid for process in processes]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and running_in_groups(groups):
        time.sleep(0.2)
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)  # stragglers only; nothing when all are gone
        except ProcessLookupError:
            pass


def bounce_for(message) -> bytes:
    """The Postfix 5.1.1 sample, as the relay would return ``message``."""
    token = message["X-Envelope-From"].partition("@")[0].partition("+")[2]
    return (BOUNCE_SAMPLE.read_bytes().replace(b"@@ID@@", token.encode())
            .replace(b"@@RCPT@@", message["To"].encode()).replace(b"@@MSGID@@", message["Message-ID"].encode()))


def test_an_officer_schedules_a_release_and_the_procfile_stack_sends_it(installation, page, screenshot):
    inst = installation
    env = inst.with_prefix("flow")
    log = (inst.data / "honcho.log").open("w")
    honcho = subprocess.Popen([str(BIN / "honcho"), "--no-colour", "-f", str(REPO / "Procfile"), "start"],
                              env=env, cwd=inst.data, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_http(f"{inst.base}/healthz", honcho, timeout=120)
        status, _, body = get(f"{inst.base}/healthz")
        assert status == 200 and set(json.loads(body)["checks"]) == {"database", "redis", "relay"}, body

        # Log in (anonymous visitors are sent to the login page first).
        page.goto(f"{inst.base}/office/")
        assert "/office/login/" in page.url
        page.fill("#id_username", "nadezhda")
        page.fill("#id_password", PASSWORD)
        page.click("button:has-text('Log in')")
        page.wait_for_url(f"{inst.base}/office/")
        assert page.locator("h1").inner_text() == "Releases of Stara Zagora"

        # Submit the seed release; the translate worker translates it.
        page.click("text=New release")
        page.fill("#id_title", SEED_TITLE)
        page.fill("#id_body", SEED.read_text(encoding="utf-8"))
        page.click("button:has-text('Submit and translate')")
        page.wait_for_url(re.compile(r".*/office/releases/\d+/$"))
        release_id = int(re.search(r"/releases/(\d+)/$", page.url).group(1))
        mk = page.locator("#language-mk")

        def translated() -> bool:
            if mk.count() and "to review" in mk.inner_text():
                return True
            page.reload()
            return False

        wait_until(translated, 300, "Macedonian ready to review", interval=1)
        screenshot("translated")

        # Approve (she reviews Macedonian herself), confirming the flagged segments.
        page.locator("button", has_text=re.compile(r"^Approve (the|all) \d+ languages? to review$")).click()
        if page.locator("button:has-text('Approve despite')").count():
            page.click("button:has-text('Approve despite')")
        page.goto(f"{inst.base}/office/releases/{release_id}/")
        page.wait_for_selector("#language-mk .status-approved")

        # Schedule it: the next whole minute at least 15 s ahead (the field has minutes), in her time zone.
        # Send leads to the confirmation page, where she schedules it.
        page.click("#send-button")
        page.wait_for_selector("#audience")
        zone = ZoneInfo(BROWSER_ZONE)  # also her city's (Stara Zagora), which the office reads times in
        eta = (datetime.now(zone) + timedelta(seconds=75)).replace(second=0, microsecond=0)
        page.check("#id_when_1")
        page.fill("#id_send_at", eta.strftime("%Y-%m-%dT%H:%M"))
        screenshot("schedule")
        page.click("#confirm-send")
        page.wait_for_load_state()
        [(state, scheduled_for)] = inst.sql("SELECT status, scheduled_for FROM releases_release WHERE id = %s",
                                            release_id)
        assert state == "scheduled", page.locator("body").inner_text()[:2000]
        assert scheduled_for == eta.astimezone(timezone.utc)
        assert not inst.mta.messages()

        # Meanwhile: the admin is styled with debug off (its stylesheets are served, as CSS).
        stylesheets = []
        page.on("response", lambda response: stylesheets.append(response)
                if response.request.resource_type == "stylesheet" else None)
        page.goto(f"{inst.base}/admin/login/")
        page.wait_for_load_state("networkidle")
        assert stylesheets, "the admin's login page loaded no stylesheet"
        for response in stylesheets:
            assert response.status == 200, response.url
            assert response.headers["content-type"].startswith("text/css"), response.url
            assert "{" in response.text()
        screenshot("admin")

        # The workers and beat send it when its time has come: every reader once, in their language.
        wait_until(lambda: len(inst.mta.messages()) >= 4, 600, "the scheduled send delivered", interval=1)
        wait_until(lambda: inst.sql("SELECT status FROM releases_release WHERE id = %s", release_id)[0][0] == "sent",
                   120, "the release settled as sent")
        messages = inst.mta.messages()
        assert Counter(m["To"] for m in messages) == {
            "reader0.bg@example.org": 1, "reader1.bg@example.org": 1, "reader2.mk@example.org": 1,
            "reader3.mk@example.org": 1}
        assert Counter(m["Content-Language"] for m in messages) == {"bg": 2, "mk": 2}
        assert inst.states(release_id) == {"sent": 4}
        page.goto(f"{inst.base}/office/releases/{release_id}/progress/")
        screenshot("progress")

        # A bounce for one of them lands in the bounce mailbox; beat's poll reads it.
        bounced = next(m for m in messages if m["To"] == "reader2.mk@example.org")
        (inst.data / "bounces" / "tmp" / "bounce-1").write_bytes(bounce_for(bounced))
        os.rename(inst.data / "bounces" / "tmp" / "bounce-1", inst.data / "bounces" / "new" / "bounce-1")
        wait_until(lambda: inst.states(release_id) == {"sent": 3, "bounced": 1}, 120, "the bounce read by beat")
        assert inst.sql("SELECT email FROM delivery_suppression") == [("reader2.mk@example.org",)]
        wait_until(lambda: not list((inst.data / "bounces" / "new").iterdir()), 30, "the bounce marked read")
        assert honcho.poll() is None, "a process of the stack died"
    finally:
        honcho.send_signal(signal.SIGTERM)  # honcho stops every process
        try:
            honcho.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait(10)
        log.close()
        forget_prefix(inst.redis_url, env["B40NEWS_REDIS_PREFIX"])
    output = (inst.data / "honcho.log").read_text()
    groups = [int(pid) for pid in re.findall(r"\| \w+\.1 started \(pid=(\d+)\)", output)]
    assert len(groups) == len(PROCFILE), output[:3000]
    wait_until(lambda: not running_in_groups([honcho.pid, *groups]), 30, "every process of the stack stopped")


def test_beat_sends_a_scheduled_release_whose_countdown_a_killed_worker_took_along(installation):
    inst = installation
    env = inst.with_prefix("sweep")
    prefix = env["B40NEWS_REDIS_PREFIX"]
    probe = probe_for(env)
    processes: list[subprocess.Popen] = []
    logs = []

    def start(name: str) -> subprocess.Popen:
        log = (inst.data / f"{name}.{len(processes)}.log").open("w")
        logs.append(log)
        process = subprocess.Popen(shlex.split(PROCFILE[name]), env=env, cwd=inst.data, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(process)
        return process

    def send_worker_answers() -> bool:
        return any("send@" in name for reply in probe.control.ping(timeout=1) or [] for name in reply)

    inst.mta.drain()
    try:
        start("beat")
        worker = start("send")
        wait_until(send_worker_answers, 120, "the send worker answers")

        scheduled = django_script(SCHEDULE, env, "40")
        release_id = scheduled["release"]
        assert scheduled["due"] == SCHEDULED_READERS

        # The worker holds the countdown (an ETA task it has taken from Redis) …
        def holds_countdown() -> bool:
            held = probe.control.inspect(timeout=1).scheduled() or {}
            return any(entry["request"]["name"] == "worker.tasks.dispatch_release"
                       and entry["request"]["kwargs"] == {"release_id": release_id}
                       for entries in held.values() for entry in entries)

        wait_until(holds_countdown, 60, "the send worker holds the dispatch countdown")
        # … and dies with it, before the time comes.
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)
        assert inst.states(release_id) == {"pending": SCHEDULED_READERS}
        start("send")
        wait_until(send_worker_answers, 120, "the restarted send worker answers")

        # Beat's sweep finds the release due and dispatches it: everyone gets it once.
        wait_until(lambda: len(inst.mta.messages()) >= SCHEDULED_READERS, 600, "the release sent by the sweep",
                   interval=1)
        wait_until(lambda: inst.states(release_id) == {"sent": SCHEDULED_READERS}, 120, "every row sent")
        recipients = Counter(m["To"] for m in inst.mta.messages())
        assert recipients == {f"sofia{i}@example.net": 1 for i in range(SCHEDULED_READERS)}
        sent_at = inst.sql("SELECT min(sent_at) FROM delivery_delivery WHERE release_id = %s", release_id)[0][0]
        assert sent_at >= datetime.fromisoformat(scheduled["eta"])  # not before its time
        # The countdown never ran: it is still where the killed worker left it (unacknowledged,
        # given back by Redis only after the visibility timeout). The sweep sent the release.
        client = redis.Redis.from_url(inst.redis_url)
        unacked = [json.loads(value) for value in client.hvals(prefix + "unacked")]
        client.close()
        assert any(message[0]["headers"]["task"] == "worker.tasks.dispatch_release" for message in unacked), unacked
    finally:
        stop_groups(processes)
        for log in logs:
            log.close()
        probe.close()
        forget_prefix(inst.redis_url, prefix)
