"""Database connections in Celery tasks live as Django's settings say (worker/__init__.py).

A real worker (`celery -A worker worker -c 1`, one child process) runs a real
task that reads and writes the database (`purge_unconfirmed`). What the
worker's connections are is seen from outside: on PostgreSQL in
pg_stat_activity (the worker's sessions carry their own application_name,
through libpq's PGAPPNAME), on SQLite in the child's open files (/proc).

A task's result reaches the caller before its `task_postrun` handlers run, so
after each database task the tests run Celery's own `celery.accumulate`, which
touches no database, on the same queue: when its result arrives, the one child
has finished the previous task, postrun included.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection, transaction

from tests.support.processes import children

pytestmark = pytest.mark.django_db(transaction=True)

APPLICATION = f"b40news-task-connections-{os.getpid()}"


def _run(app, name: str, **options):
    return app.send_task(name, queue="send", **options).get(timeout=60)


def _database_task(app) -> str:
    """A real task whose queries need a working connection; then the fence."""
    summary = _run(app, "worker.tasks.purge_unconfirmed")
    assert _run(app, "celery.accumulate", args=(7,)) == [7]
    return summary


def _worker_backends() -> list[tuple[int, object]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, backend_start FROM pg_stat_activity WHERE application_name = %s ORDER BY pid",
                       [APPLICATION])
        return cursor.fetchall()


def _worker(request, vendor: str, why: str):
    """A real worker with one child process, when the tests run on `vendor` (skipped before it starts)."""
    from worker import app

    if connection.vendor != vendor:
        pytest.skip(why)
    celery_workers = request.getfixturevalue("celery_workers")
    celery_workers.extra_env["PGAPPNAME"] = APPLICATION
    return app, celery_workers.start(concurrency=1)


@pytest.fixture
def postgres_worker(request):
    return _worker(request, "postgresql", "PostgreSQL only: the suite's second pass (DATABASE_URL) runs it")


@pytest.fixture
def sqlite_worker(request):
    return _worker(request, "sqlite", "SQLite only (CONN_MAX_AGE=0)")


@pytest.mark.slow
def test_on_postgresql_one_server_backend_serves_consecutive_tasks(postgres_worker):
    app, _ = postgres_worker
    assert _worker_backends() == []  # the worker opens nothing before a task needs it

    _database_task(app)
    [first] = _worker_backends()  # still open after the task: CONN_MAX_AGE=60
    _database_task(app)
    assert _worker_backends() == [first]  # the same server process (pid and start), and no other


@pytest.mark.slow
def test_on_postgresql_a_connection_killed_between_tasks_is_replaced_before_the_next_one(postgres_worker):
    app, _ = postgres_worker
    _database_task(app)
    [(killed, _)] = _worker_backends()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 30000)", [killed])  # returns once it has ended
        assert cursor.fetchone() == (True,)

    # The health check at the next task's first query finds the connection
    # dead and opens another: the task never sees the error (it would raise here).
    summary = _database_task(app)
    assert isinstance(summary, str)
    [(replacement, _)] = _worker_backends()
    assert replacement != killed


def _open_by(pid: int, path: Path) -> bool:
    """Whether process `pid` has the database file (or its -wal/-shm) open."""
    fds = Path(f"/proc/{pid}/fd")
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    found = False
    for fd in fds.iterdir():
        try:
            found |= os.readlink(fd) in names
        except FileNotFoundError:  # closed meanwhile
            pass
    return found


@pytest.mark.slow
def test_on_sqlite_the_connection_is_closed_after_each_task(sqlite_worker):
    app, process = sqlite_worker
    database = Path(connection.settings_dict["NAME"]).resolve()
    connection.ensure_connection()
    assert _open_by(os.getpid(), database)  # the check sees an open database (ours)

    _database_task(app)
    [child] = children(process.pid)  # -c 1: the one process that ran the task
    assert not _open_by(child, database)  # CONN_MAX_AGE=0: closed at the task's end
    assert not _open_by(process.pid, database)


def _eager_task() -> str:
    from worker import app
    from worker.tasks import purge_unconfirmed

    assert app.conf.task_always_eager  # as the tests and the embedded default run tasks
    return purge_unconfirmed.delay().get()


def test_an_eager_task_keeps_the_callers_connection():
    connection.ensure_connection()
    before = connection.connection
    _eager_task()
    # On SQLite (CONN_MAX_AGE=0) close_old_connections would have closed it.
    assert connection.connection is before


def test_an_eager_task_inside_the_callers_transaction_leaves_the_transaction_whole():
    from b40news.network.models import Subscription

    hooks = []
    with transaction.atomic():
        transaction.on_commit(lambda: hooks.append("committed"))
        before = connection.connection
        _eager_task()
        # Closing here (its autocommit is off) would break the caller's
        # transaction and drop its on-commit work, on either database.
        assert connection.connection is before and not connection.needs_rollback
        assert Subscription.objects.count() == 0
    assert hooks == ["committed"]
