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
from django.test import override_settings

from tests.support.mta import TestMTA

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
            PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),  # this checkout's code, not an installed one
        )
        env.update(self.extra_env)
        return env

    def start(self, concurrency: int = 2, name: str | None = None) -> subprocess.Popen:
        name = name or f"w{len(self.processes)}"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker", "worker", "-Q", "translate,render,send",
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
