"""B40NEWS_LOG_FORMAT=json: one JSON object per line, from Django, Celery and gunicorn
(gunicorn's lines are checked in test_serve.py)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time

import pytest

from b40news.ops.logs import JsonFormatter
from tests.ops.processes import BIN, b40news, clean_env, free_port, json_lines, stop


def _record(**kwargs) -> logging.LogRecord:
    logger = logging.getLogger("b40news.delivery")
    defaults = dict(name=logger.name, level=logging.WARNING, fn=__file__, lno=1, msg="отпратено %s",
                    args=("писмо",), exc_info=None)
    defaults.update(kwargs)
    return logger.makeRecord(**defaults)


def test_fields_extra_and_unicode():
    record = _record(extra={"release": 12, "language": "mk"})
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "отпратено писмо"
    assert entry["level"] == "WARNING" and entry["logger"] == "b40news.delivery"
    assert (entry["release"], entry["language"]) == (12, "mk")
    assert entry["time"].endswith("Z") and isinstance(entry["process"], int)
    assert "msg" not in entry and "args" not in entry  # the record's own attributes stay out


def test_exception_is_one_field_on_one_line():
    try:
        raise ValueError("broken")
    except ValueError:
        record = _record(exc_info=sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: broken" in json.loads(line)["exception"]


def test_values_json_cannot_encode_become_strings():
    entry = json.loads(JsonFormatter().format(_record(extra={"when": object()})))
    assert entry["when"].startswith("<object object")


def test_gunicorn_access_lines_get_http_fields_but_no_headers():
    atoms = {"h": "10.0.0.1", "m": "GET", "U": "/u/abc/", "q": "", "s": "200", "B": 512, "M": 3,
             "a": "curl", "{authorization}i": "Bearer secret-token", "{cookie}i": "sessionid=secret"}
    record = logging.getLogger("gunicorn.access").makeRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(h)s %(m)s %(U)s %(s)s", atoms, None)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["http"] == {"remote": "10.0.0.1", "method": "GET", "path": "/u/abc/", "query": "", "status": 200,
                             "bytes": 512, "duration_ms": 3, "user_agent": "curl"}
    assert "secret" not in line


def test_django_process_logs_json(tmp_path):
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('b40news.test').warning('здравей %s', 'свят', extra={'release': 3})")
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="b40news.settings", B40NEWS_LOG_FORMAT="json")
    result = subprocess.run([str(BIN / "python"), "-c", code], env=env, capture_output=True, text=True, check=True)
    [entry] = json_lines(result.stderr)
    assert (entry["message"], entry["release"], entry["logger"]) == ("здравей свят", 3, "b40news.test")


def test_text_stays_the_default(tmp_path):
    code = "import django, logging; django.setup(); logging.getLogger('b40news.test').warning('plain')"
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="b40news.settings")
    result = subprocess.run([str(BIN / "python"), "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stderr.strip() == "plain"


def test_an_unknown_format_is_refused(tmp_path):
    result = b40news("check", env=clean_env(tmp_path, B40NEWS_LOG_FORMAT="xml"))
    assert result.returncode == 2
    assert "B40NEWS_LOG_FORMAT must be text or json" in result.stderr


@pytest.mark.slow
def test_celery_worker_logs_json(tmp_path, redis_url):
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="b40news.settings", B40NEWS_LOG_FORMAT="json",
                    REDIS_URL=redis_url, SECRET_KEY="s" * 50, B40NEWS_REDIS_PREFIX=f"b40news-logs-{free_port()}:")
    err = (tmp_path / "worker.err").open("w")
    worker = subprocess.Popen([str(BIN / "celery"), "-A", "worker", "worker", "-Q", "send", "-c", "1", "-l", "info",
                               "-n", "logs@%h", "--without-gossip", "--without-mingle"],
                              env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 60
        ready = []
        while time.monotonic() < deadline and not ready:
            time.sleep(0.3)
            # Celery's own lines are JSON; Python's warnings (e.g. running as root) are not log records.
            lines = [line for line in (tmp_path / "worker.err").read_text().splitlines() if line.startswith("{")]
            ready = [e for e in map(json.loads, lines) if e["message"].endswith("ready.")]
        assert ready, (tmp_path / "worker.err").read_text()[-2000:]
        assert ready[0]["logger"] == "celery.apps.worker" and ready[0]["level"] == "INFO"
    finally:
        stop(worker)
        err.close()
