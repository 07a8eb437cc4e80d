"""`b40news serve`: gunicorn with debug off on a free port, static files collected
into the data directory and served by WhiteNoise, JSON logs."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from tests.ops.processes import BIN, b40news, clean_env, free_port, get, json_lines, stop, wait_for_http
from tests.support.mta import TestMTA

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve-data")
    mta = TestMTA()
    mta.start()
    port = free_port()
    env = clean_env(data, B40NEWS_BIND=f"127.0.0.1:{port}", B40NEWS_WEB_WORKERS="2", SMTP_URL=mta.url,
                    B40NEWS_LOG_FORMAT="json", B40NEWS_DEBUG="false")
    migrated = b40news("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    out, err = (data / "serve.out").open("w"), (data / "serve.err").open("w")
    process = subprocess.Popen([str(BIN / "b40news"), "serve"], env=env, cwd=data, stdout=out, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", process)
        yield {"base": base, "data": data, "process": process, "err": data / "serve.err"}
    finally:
        stop(process)
        out.close()
        err.close()
        mta.stop()


def test_admin_login_page_and_its_css(server):
    status, headers, body = get(f"{server['base']}/admin/login/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    stylesheets = re.findall(r'href="(/static/admin/css/[^"]+\.css)"', body.decode())
    assert stylesheets, "the login page links no stylesheet"
    # Hashed names (the manifest), so they may be cached for ever.
    assert all(re.search(r"\.[0-9a-f]{12}\.css$", href) for href in stylesheets), stylesheets

    status, headers, css = get(server["base"] + stylesheets[0])
    assert status == 200
    assert headers["content-type"].startswith("text/css")
    assert b"{" in css
    assert "immutable" in headers["cache-control"]

    status, headers, compressed = get(server["base"] + stylesheets[0], {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert len(compressed) < len(css)


def test_static_files_are_collected_into_the_data_directory(server):
    manifest = server["data"] / "static" / "staticfiles.json"
    assert manifest.exists()
    assert "admin/css/base.css" in json.loads(manifest.read_text())["paths"]


def test_healthz_through_gunicorn(server):
    status, headers, body = get(f"{server['base']}/healthz")
    report = json.loads(body)
    assert status == 200, report
    assert headers["content-type"] == "application/json"
    assert report["status"] == "ok"
    assert set(report["checks"]) == {"database", "relay"}  # no REDIS_URL: no broker to check


def test_logs_are_json_lines_with_the_requests(server):
    get(f"{server['base']}/admin/login/")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        entries = json_lines(server["err"].read_text())  # every line parses
        access = [e for e in entries if e["logger"] == "gunicorn.access" and e["http"]["path"] == "/admin/login/"]
        if access:
            break
        time.sleep(0.2)
    assert access, server["err"].read_text()[-2000:]
    assert access[0]["http"]["status"] == 200 and access[0]["http"]["method"] == "GET"
    assert any(e["logger"] == "gunicorn.error" and "Listening at" in e["message"] for e in entries)


def test_term_stops_the_server_cleanly(server):
    """Last of the tests on this server: `serve` exec'd gunicorn, so the signal reaches its master itself."""
    process = server["process"]
    process.terminate()
    assert process.wait(30) == 0
    entries = json_lines(server["err"].read_text())
    assert any(e["logger"] == "gunicorn.error" and "Shutting down" in e["message"] for e in entries)


def test_before_any_collectstatic_pages_link_plain_names(client):
    """The development server and the tests have no manifest: pages still render."""
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert 'href="/static/admin/css/base.css"' in response.content.decode()
