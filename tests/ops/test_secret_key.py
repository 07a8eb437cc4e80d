"""SECRET_KEY: explicit whenever the installation may span hosts (debug off and a
broker or a database server), else refused at start; the embedded default still
runs without one, and `check --deploy` says so."""

from __future__ import annotations

import subprocess

import pytest

from tests.ops.processes import BIN, b40news, clean_env

REDIS = "redis://127.0.0.1:6379/0"  # never contacted: settings only read the URL
POSTGRES = "postgres://b40news@127.0.0.1:5432/b40news"


@pytest.mark.parametrize(
    "setting, why",
    [({"REDIS_URL": REDIS}, "REDIS_URL is set"),
     ({"DATABASE_URL": POSTGRES}, "DATABASE_URL names a database server"),
     ({"REDIS_URL": REDIS, "DATABASE_URL": POSTGRES}, "REDIS_URL is set and DATABASE_URL names a database server")],
)
def test_refuses_to_start_without_a_key_when_shared(tmp_path, setting, why):
    result = b40news("check", env=clean_env(tmp_path, **setting))
    assert result.returncode == 2
    # One clear line, not a traceback.
    assert result.stderr.startswith("b40news: SECRET_KEY is not set. " + why), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "secret_key").exists()  # no key made on the way


def test_serve_refuses_too(tmp_path):
    result = b40news("serve", "--bind", "127.0.0.1:1", env=clean_env(tmp_path, REDIS_URL=REDIS), timeout=60)
    assert result.returncode == 2 and "SECRET_KEY is not set" in result.stderr


def test_celery_refuses_too(tmp_path):
    env = clean_env(tmp_path, REDIS_URL=REDIS, DJANGO_SETTINGS_MODULE="b40news.settings")
    result = subprocess.run([str(BIN / "celery"), "-A", "worker", "inspect", "ping"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("how", ["SECRET_KEY", "SECRET_KEY_FILE"])
def test_an_explicit_key_starts_and_deploy_check_is_quiet_about_it(tmp_path, how):
    key = "k" * 60
    if how == "SECRET_KEY_FILE":
        (tmp_path / "key").write_text(key + "\n")
        key = str(tmp_path / "key")
    result = b40news("check", "--deploy", env=clean_env(tmp_path, REDIS_URL=REDIS, DATABASE_URL=POSTGRES,
                                                          **{how: key}))
    assert result.returncode == 0, result.stderr
    assert "b40news.W001" not in result.stdout + result.stderr


def test_embedded_default_runs_without_a_key_and_deploy_check_reports_it(tmp_path):
    env = clean_env(tmp_path)  # no REDIS_URL, SQLite in the data directory, debug off
    assert b40news("check", env=env).returncode == 0
    assert (tmp_path / "secret_key").exists()  # the data directory's own key
    deploy = b40news("check", "--deploy", env=env)
    assert deploy.returncode == 0, deploy.stderr  # a warning, not an error
    assert "b40news.W001" in deploy.stderr and "SECRET_KEY is not set" in deploy.stderr


def test_debug_on_runs_without_a_key_even_when_shared(tmp_path):
    env = clean_env(tmp_path, REDIS_URL=REDIS, B40NEWS_DEBUG="true")
    assert b40news("check", env=env).returncode == 0
    assert "b40news.W001" in b40news("check", "--deploy", env=env).stderr


def _unsubscribe_link_crosses_hosts(tmp_path, **values) -> bool:
    """Sign an unsubscribe token on host "a", read it on host "b" (separate data directories)."""
    sign = "import django; django.setup(); from b40news.network import links; print(links.unsubscribe_token(7, 3))"
    read = ("import django, sys; django.setup(); from django.core import signing; from b40news.network import links\n"
            "try: print(links.read_unsubscribe_token(sys.argv[1]))\n"
            "except signing.BadSignature: print('rejected')")
    envs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        envs.append(clean_env(tmp_path / name, DJANGO_SETTINGS_MODULE="b40news.settings", **values))
    token = subprocess.run([str(BIN / "python"), "-c", sign], env=envs[0], capture_output=True, text=True,
                           check=True).stdout.strip()
    answer = subprocess.run([str(BIN / "python"), "-c", read, token], env=envs[1], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert answer in ("(7, 3)", "rejected"), answer
    return answer == "(7, 3)"


def test_an_unsubscribe_link_signed_on_one_host_works_on_another_with_the_shared_key(tmp_path):
    assert _unsubscribe_link_crosses_hosts(tmp_path, REDIS_URL=REDIS, SECRET_KEY="shared-" + "x" * 50)


def test_without_the_key_each_data_directory_signs_its_own_way(tmp_path):
    """Why the key is required when hosts share work: the embedded default's keys differ."""
    assert not _unsubscribe_link_crosses_hosts(tmp_path)
