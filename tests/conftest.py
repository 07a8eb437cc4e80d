"""Real parts for the tests: Redis, Celery workers, an SMTP server on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from django.test import override_settings

from tests.support.mta import TestMTA

# Property tests run on loaded 2-core machines: no deadline, no "too slow"
# health check; the number of examples, not the clock, bounds them.
hypothesis_settings.register_profile(
    "b40news", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
hypothesis_settings.load_profile("b40news")

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"
SEED_TITLE = "Стара Загора участва в Петата среща на върха на B40 в Загреб"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _only_test_transactions(connection) -> bool:
    """True inside a test's own transaction (pytest-django's `db`), and no other."""
    blocks = connection.atomic_blocks
    return bool(blocks) and all(getattr(block, "_from_testcase", False) for block in blocks)


def _run_commit_hooks(connection) -> None:
    while connection.run_on_commit and _only_test_transactions(connection) and not connection.needs_rollback:
        hooks, connection.run_on_commit = connection.run_on_commit, []
        for _savepoints, func, _robust in hooks:
            func()


@pytest.fixture(scope="session", autouse=True)
def _commits_inside_a_test_transaction_run_their_hooks():
    """A test's transaction never commits, so `transaction.on_commit` work (the
    workflow's dispatches, notices) would never run in `db` tests. Treat the
    end of every block the code itself opened as the commit it is in
    production: its hooks run then, in order; a rolled-back block's hooks are
    dropped by Django as usual. Tests with `transactional_db` commit for real."""
    from django.db import transaction
    from django.db.backends.base.base import BaseDatabaseWrapper

    original_exit, original_on_commit = transaction.Atomic.__exit__, BaseDatabaseWrapper.on_commit

    def exit_and_run(self, exc_type, exc_value, traceback):
        result = original_exit(self, exc_type, exc_value, traceback)
        _run_commit_hooks(transaction.get_connection(self.using))
        return result

    def on_commit_and_run(self, func, robust=False):
        original_on_commit(self, func, robust)
        _run_commit_hooks(self)

    transaction.Atomic.__exit__ = exit_and_run
    BaseDatabaseWrapper.on_commit = on_commit_and_run
    yield
    transaction.Atomic.__exit__, BaseDatabaseWrapper.on_commit = original_exit, original_on_commit


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_default_language_and_zone():
    """A request through Django's test client leaves its language (and the office its
    time zone) active in the thread, as a worker process would not: the next test would
    read messages in Serbian. Each test starts from the settings' defaults."""
    from django.utils import timezone, translation

    translation.deactivate()
    timezone.deactivate()
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL when it answers, else a redis-server of our own on a free port."""
    configured = os.environ.get("B40NEWS_TEST_REDIS_URL", "")
    if configured and _redis_answers(configured):
        yield configured
        return
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: ./scripts/bootstrap installs it"
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        if _redis_answers(url):
            break
        time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def mta():
    """A fault-injecting SMTP server on 127.0.0.1 (Mailman's test MTA, on aiosmtpd)."""
    server = TestMTA()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def argos_dir(tmp_path):
    """An empty Argos packages folder; the engines are reloaded around the test."""
    from b40news.translation import service

    packages = tmp_path / "packages"
    with override_settings(ARGOS_PACKAGES_DIR=packages):
        service.engines(reload=True)
        yield packages
    service.engines(reload=True)


@pytest.fixture
def seed_bytes() -> bytes:
    return SEED.read_bytes()


def _worker_database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    port = db.get("PORT") or 5432
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{port}/{db['NAME']}"


class Workers:
    """Real `celery -A worker worker` processes over Redis, sharing the test database."""

    def __init__(self, redis_url: str, smtp_url: str, extra_env: dict[str, str]):
        self.redis_url, self.smtp_url, self.extra_env = redis_url, smtp_url, extra_env
        self.processes: list[subprocess.Popen] = []

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="b40news.settings",
            DATABASE_URL=_worker_database_url(),
            REDIS_URL=self.redis_url,
            SMTP_URL=self.smtp_url,
            # This checkout's code, even where the virtual environment has another installed (a worktree).
            PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),
        )
        env.update(self.extra_env)
        return env

    def start(self, concurrency: int = 2, name: str | None = None) -> subprocess.Popen:
        from worker import QUEUES

        name = name or f"w{len(self.processes)}"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker", "worker", "-Q", QUEUES,
             "-c", str(concurrency), "-n", f"{name}@%h", "-l", "warning", "--without-gossip", "--without-mingle"],
            cwd=REPO,
            env=self.env(),
        )
        self.processes.append(process)
        self.wait_ready(name)
        return process

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        from worker import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=0.5) or []
            if any(name in key for reply in replies for key in reply):
                return
        raise AssertionError(f"celery worker {name} did not answer within {timeout} s")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def fresh_broker_state(app) -> None:
    """Forget cached broker pools and result backend after the broker changes.

    Kombu keeps one connection pool per URL for the process and Celery caches
    its pool, producer pool and backend: without this, a test switching between
    in-process tasks and Redis talks to the wrong broker or a closed pool.
    """
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture(autouse=True)
def _fresh_broker_state_around_each_test():
    """Every test starts and ends with no cached broker pools (see above)."""
    from worker import app

    fresh_broker_state(app)
    yield
    fresh_broker_state(app)


@pytest.fixture
def celery_workers(redis_url, mta, transactional_db):
    """Start workers with `celery_workers.start()`; tasks then leave this process."""
    from worker import app

    keys = ("broker_url", "result_backend", "task_always_eager", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    prefix = f"b40news-test-{os.getpid()}-{time.monotonic_ns()}:"
    options = {"visibility_timeout": 5, "global_keyprefix": prefix}
    app.conf.update(
        broker_url=redis_url, result_backend=redis_url, task_always_eager=False, broker_transport_options=options
    )
    fresh_broker_state(app)
    workers = Workers(redis_url, mta.url, {"B40NEWS_VISIBILITY_TIMEOUT": "5", "B40NEWS_REDIS_PREFIX": prefix})
    yield workers
    workers.stop()
    app.conf.update(saved)
    fresh_broker_state(app)
