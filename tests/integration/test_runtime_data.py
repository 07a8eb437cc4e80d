"""What a running installation writes goes to its data directory, never into the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="not a git checkout")
def test_the_demo_leaves_the_checkout_as_it_was(tmp_path):
    before = git_status()
    env = {**os.environ, "B40NEWS_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "b40news.settings",
           "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "B40NEWS_GLOSSARY_DIR"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "b40news.cli", "demo", "--subscribers-per-city", "1"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "sent_waiting" in result.stdout  # languages without an engine wait, visibly
    assert git_status() == before  # not even an ignored file (./var, .hypothesis) appeared
    written = {path.name for path in Path(tmp_path / "data").iterdir()}
    assert {"b40news.sqlite3", "demo"} <= written
