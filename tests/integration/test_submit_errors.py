"""Bad input gets a clear error, a non-zero exit, and stores nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from b40news.network.sample import load_sample
from b40news.releases.models import Release
from tests.conftest import REPO, _worker_database_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(db):
    load_sample(0)


def submit(path, *args):
    call_command("submit", str(path), *args)


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "is empty"),
        (b"   \n\n \n", "is empty"),
        ("Заглавие\nТекст".encode("cp1251"), "is not UTF-8 text (byte 0xc7 at offset 0)"),
        ("Заглавие\n".encode() + "а".encode() * 5_000_000, "is 10.0 MB; a release may be at most 1.0 MB"),
        ("Заглавие\nТекст\x00с нула".encode(), "control character U+0000 on line 2"),
        ("Само един ред".encode(), "has only one line"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(network, tmp_path, content, expected):
    path = tmp_path / "release.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        submit(path, "--city", "stara-zagora")
    assert expected in str(error.value)
    assert Release.objects.count() == 0


def test_unknown_city_names_the_known_ones(network, tmp_path, seed_bytes):
    path = tmp_path / "release.txt"
    path.write_bytes(seed_bytes)
    with pytest.raises(CommandError) as error:
        submit(path, "--city", "atlantis", "--title", "T")
    assert "unknown city 'atlantis'" in str(error.value)
    assert "stara-zagora" in str(error.value)
    assert Release.objects.count() == 0


def test_unknown_list_is_refused(network, tmp_path, seed_bytes):
    path = tmp_path / "release.txt"
    path.write_bytes(seed_bytes)
    with pytest.raises(CommandError, match="unknown mailing list.*nowhere-news"):
        submit(path, "--city", "stara-zagora", "--title", "T", "--lists", "sofia-news", "nowhere-news")
    assert Release.objects.count() == 0


def test_good_file_prints_its_id(network, tmp_path, seed_bytes, capsys):
    path = tmp_path / "release.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "Заглавие на съобщението\r\n".encode() + seed_bytes)
    submit(path, "--city", "stara-zagora")
    release = Release.objects.get()
    assert capsys.readouterr().out.strip() == str(release.pk)
    assert release.title == "Заглавие на съобщението"
    assert release.body.startswith("Заместник-кметът на Община Стара Загора")
    assert "\r" not in release.body
    assert [mailing_list.slug for mailing_list in release.lists.all()] == ["stara-zagora-news"]


@pytest.mark.django_db(transaction=True)
def test_the_command_line_exits_non_zero_with_the_message(tmp_path):
    load_sample(0)
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "b40news.settings", "DATABASE_URL": _worker_database_url()}
    result = subprocess.run(
        [sys.executable, "-m", "b40news.cli", "submit", str(path), "--city", "stara-zagora"],
        capture_output=True, text=True, env=env, cwd=REPO,
    )
    assert result.returncode == 1
    assert "empty.txt is empty" in result.stderr
    assert Release.objects.count() == 0
