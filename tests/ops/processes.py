"""Running the real commands in subprocesses, each with an environment of its own.

The test process's environment carries test settings (a secret key, an https
site, a data directory); a subprocess that stands for a fresh installation
starts from a copy without any of them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtual environment's scripts: b40news, celery, honcho

# What the test settings put in the environment, and what an installation sets.
_OURS = ("SECRET_KEY", "REDIS_URL", "DATABASE_URL", "SMTP_URL", "SITE_URL", "DJANGO_SETTINGS_MODULE",
         "PROMETHEUS_MULTIPROC_DIR", "ARGOS_PACKAGES_DIR", "DKIM_PRIVATE_KEY_FILE")


def clean_env(data_dir: Path, **values: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("B40NEWS_") and key.removesuffix("_FILE") not in _OURS and key not in _OURS
        # set for Playwright's event loop by the browser tests' conftest: never for a deployment
        and key != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        B40NEWS_DATA_DIR=str(data_dir),
        PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),
        PATH=os.pathsep.join([str(BIN), env.get("PATH", "")]),
        PYTHONUNBUFFERED="1",
    )
    env.update(values)
    return env


def b40news(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "b40news"), *args], env=env, cwd=env["B40NEWS_DATA_DIR"],
                          capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, dict, bytes]:
    """(status, headers with lower-case names, body); HTTP errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode} before answering {url}")
        try:
            get(url, timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError(f"nothing answered {url} within {timeout} s")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def running_in_groups(groups: list[int]) -> list[str]:
    """Processes (not zombies) in these process groups, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
        state, _ppid, pgrp = text[text.rindex(")") + 2:].split()[:3]
        if int(pgrp) in groups and state != "Z":
            found.append(text[:text.rindex(")") + 1])
    return found
