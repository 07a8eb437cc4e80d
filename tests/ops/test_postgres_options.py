"""The PostgreSQL session options the settings give every connection."""

from __future__ import annotations

import psycopg
import pytest

from tests.ops.processes import b40news, clean_env

PG = "postgres://postgres@127.0.0.1:5432/postgres"


def _postgres_answers() -> bool:
    try:
        psycopg.connect(PG, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def test_an_unknown_synchronous_commit_is_refused(tmp_path):
    result = b40news("check", env=clean_env(tmp_path, DATABASE_URL=PG, B40NEWS_PG_SYNCHRONOUS_COMMIT="sometimes"))
    assert result.returncode == 2
    assert "B40NEWS_PG_SYNCHRONOUS_COMMIT='sometimes'" in result.stderr


@pytest.mark.parametrize("value", ["on", "off"])
def test_the_session_runs_with_the_chosen_synchronous_commit(tmp_path, value):
    if not _postgres_answers():
        pytest.skip("no PostgreSQL at 127.0.0.1:5432")
    result = b40news("shell", "-c", "from django.db import connection\n"
                     "with connection.cursor() as c:\n"
                     "    c.execute('SHOW synchronous_commit'); print(c.fetchone()[0])\n"
                     "    c.execute('SHOW idle_in_transaction_session_timeout'); print(c.fetchone()[0])",
                     env=clean_env(tmp_path, DATABASE_URL=PG, SECRET_KEY="k" * 50,
                                   B40NEWS_PG_SYNCHRONOUS_COMMIT=value))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == [value, "1min"]
