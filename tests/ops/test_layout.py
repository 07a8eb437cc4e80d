"""The process layout: the Procfile runs here under honcho; compose.yaml, the
Dockerfile and the systemd units are checked statically against it (no Docker
daemon and no systemd on the machines this is built and tested on)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from honcho.environ import parse_procfile

from tests.ops.processes import BIN, REPO, b40news, clean_env, free_port, get, running_in_groups, wait_for_http

PROCFILE = parse_procfile((REPO / "Procfile").read_text()).processes
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text())
UNITS = sorted((REPO / "deploy" / "systemd").glob("*.service"))
APP_SERVICES = ("web", "translate", "send", "beat")


def unit_entries(path: Path) -> dict[str, list[str]]:
    """{"Section.Key": [values]} from a systemd unit (keys may repeat)."""
    entries: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return entries


def unit_command(path: Path) -> list[str]:
    """ExecStart as argv, systemd's %% unescaped, the program by its name."""
    [exec_start] = unit_entries(path)["Service.ExecStart"]
    argv = shlex.split(exec_start.replace("%%", "%"))
    assert argv[0].startswith("/opt/b40news/.venv/bin/"), argv[0]  # systemd wants an absolute path
    return [Path(argv[0]).name, *argv[1:]]


def test_procfile_has_the_four_processes():
    assert list(PROCFILE) == ["web", "translate", "send", "beat"]
    assert PROCFILE["web"] == "b40news serve"
    assert PROCFILE["beat"] == "celery -A worker beat"
    queues = {name: shlex.split(cmd)[shlex.split(cmd).index("-Q") + 1] for name, cmd in PROCFILE.items()
              if "-Q" in cmd}
    assert queues == {"translate": "translate", "send": "send,notify,render,webhooks"}


def test_compose_runs_the_procfile_commands():
    services = COMPOSE["services"]
    for name, command in PROCFILE.items():
        assert name in services, f"{name} is missing from compose.yaml"
        assert shlex.split(services[name]["command"]) == shlex.split(command), name


def test_compose_services_have_what_they_need():
    services = COMPOSE["services"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        # Debug off with a broker and PostgreSQL: settings refuse to start without a key.
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["build"] == "."
        assert any(volume.endswith(":" + env["B40NEWS_DATA_DIR"]) for volume in services[name]["volumes"])
    assert services["web"]["environment"]["B40NEWS_BIND"] == "0.0.0.0:8000"
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["migrate"]["command"] == "b40news migrate --noinput"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # Redis persists the queues with an append-only file.
    redis = services["redis"]
    assert redis["image"].startswith("redis:")
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
    assert services["postgres"]["image"].startswith("postgres:")
    # Every named volume used is declared; every dependency is a service.
    for service in services.values():
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in COMPOSE["volumes"]
        for dependency in service.get("depends_on", {}):
            assert dependency in services


def test_dockerfile_copies_what_exists_and_serves_by_default():
    lines = [line.strip() for line in (REPO / "Dockerfile").read_text().splitlines()]
    assert lines[[i for i, line in enumerate(lines) if line and not line.startswith("#")][0]].startswith(
        "FROM python:3.11")
    for line in lines:
        if line.startswith("COPY "):
            *sources, _ = line.split()[1:]
            for source in sources:
                assert (REPO / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
    [cmd] = [line for line in lines if line.startswith("CMD ")]
    assert json.loads(cmd[4:]) == shlex.split(PROCFILE["web"])
    ignored = (REPO / ".dockerignore").read_text().split()
    assert ".venv" in ignored and "var" in ignored and ".git" in ignored


def test_every_procfile_process_has_a_systemd_unit_with_its_command():
    commands = {tuple(unit_command(unit)): unit.name for unit in UNITS}
    for name, command in PROCFILE.items():
        assert tuple(shlex.split(command)) in commands, f"no unit runs {name}: {command}"
    target = unit_entries(REPO / "deploy" / "systemd" / "b40news.target")
    assert set(target["Unit.Wants"][0].split()) == {unit.name for unit in UNITS}
    for unit in UNITS:
        entries = unit_entries(unit)
        assert entries["Install.WantedBy"] == ["b40news.target"]
        assert entries["Service.EnvironmentFile"] == ["/etc/b40news/b40news.env"]
        assert entries["Service.User"] == ["b40news"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.stem)
def test_each_unit_command_answers_help(unit, tmp_path):
    argv = unit_command(unit)
    result = subprocess.run([str(BIN / argv[0]), *argv[1:], "--help"], env=clean_env(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout.lower()


def test_the_example_environment_names_real_settings():
    settings_source = (REPO / "src" / "b40news" / "settings.py").read_text()
    names = re.findall(r"^([A-Z0-9_]+)=", (REPO / "deploy" / "b40news.env.example").read_text(), re.M)
    assert "SECRET_KEY" in names and "DATABASE_URL" in names
    for name in names:
        assert f'"{name}"' in settings_source, f"{name} is not read by settings.py"


@pytest.mark.slow
def test_honcho_starts_the_whole_layout(tmp_path, redis_url, mta):
    """web, both workers and beat from the Procfile, on the test Redis, SQLite and the test relay."""
    from celery import Celery

    port = free_port()
    prefix = f"b40news-layout-{port}:"
    env = clean_env(tmp_path, REDIS_URL=redis_url, B40NEWS_REDIS_PREFIX=prefix, SECRET_KEY="layout-" + "k" * 50,
                    SMTP_URL=mta.url, B40NEWS_BIND=f"127.0.0.1:{port}", B40NEWS_WEB_WORKERS="1")
    assert b40news("migrate", "--noinput", env=env).returncode == 0
    log = (tmp_path / "honcho.log").open("w")
    honcho = subprocess.Popen([str(BIN / "honcho"), "--no-colour", "-f", str(REPO / "Procfile"), "start"],
                              env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    probe = Celery("probe", broker=redis_url)
    probe.conf.broker_transport_options = {"global_keyprefix": prefix}
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", honcho, timeout=90)
        status, _, body = get(f"http://127.0.0.1:{port}/healthz")
        report = json.loads(body)
        assert status == 200 and set(report["checks"]) == {"database", "redis", "relay"}, report

        # Both workers answer, each on its own queues.
        deadline, queues = time.monotonic() + 90, {}
        while time.monotonic() < deadline and len(queues) < 2:
            replies = probe.control.inspect(timeout=1).active_queues() or {}
            queues = {name.split("@")[0]: sorted(q["name"] for q in qs) for name, qs in replies.items()}
        assert queues == {"translate": ["translate"], "send": ["notify", "render", "send", "webhooks"]}, queues

        # Beat runs, and keeps its schedule in the data directory.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(tmp_path.glob("celerybeat-schedule*")):
            time.sleep(0.3)
        assert list(tmp_path.glob("celerybeat-schedule*")), (tmp_path / "honcho.log").read_text()[-3000:]

        # /metrics sees the broker.
        status, _, body = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and "b40news_broker_up 1.0" in body.decode()
        assert honcho.poll() is None
    finally:
        honcho.send_signal(signal.SIGTERM)  # honcho stops every process
        try:
            honcho.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait(10)
        log.close()
        probe.close()
    output = (tmp_path / "honcho.log").read_text()
    for name in PROCFILE:
        assert re.search(rf"^\S+ {name}\.1\s+\| ", output, re.M), f"no output from {name}:\n{output[-3000:]}"
    # Honcho starts each process in a session of its own: none of them (gunicorn's
    # or Celery's children included) is left running.
    groups = [int(pid) for pid in re.findall(r"\| \w+\.1 started \(pid=(\d+)\)", output)]
    assert len(groups) == len(PROCFILE), output[:2000]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and running_in_groups([honcho.pid, *groups]):
        time.sleep(0.2)
    assert not running_in_groups([honcho.pid, *groups])
