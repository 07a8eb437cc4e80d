"""Reviewers on the command line: `b40news reviewers`, `approve --as/--override`, `status --json`.

The same matrix as the office's (tests/web/test_reviewers_web.py), through
the CLI: `workflow.approve` decides for both.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from b40news.releases.models import LanguageRole, Release, ReviewerSettings, Translation
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, OTHER, fast_hashing, make_user, network, seed_release,
)

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def people(network):
    made = {name: make_user(name, city=city) for name, city in
            (("ivo", HOME), ("boris", OTHER), ("marija", None), ("tome", None), ("elena", None))}
    made["root"] = make_user("root", staff=True)
    run("reviewers", "add", "marija", "--language", "mk")
    run("reviewers", "add", "tome@b40.test", "--language", "mk", "--role", "translator")  # by e-mail address
    run("reviewers", "add", "elena", "--language", "mk", "--city", OTHER)
    return made


@pytest.fixture
def release(people):
    return seed_release(user=people["ivo"])


def approve(release, *args):
    return run("approve", str(release.pk), "--language", "mk", "--force", *args)


def mk(release) -> Translation:
    return Translation.objects.get(release=release, language__code="mk")


@pytest.mark.parametrize("args, expected", [
    (["--as", "marija"], ("approved", "marija", False)),
    (["--as", "marija", "--override"], ("approved", "marija", False)),  # a reviewer needs none
    (["--as", "tome"], "translators edit, a reviewer approves"),
    (["--as", "tome", "--override"], "only the release's officers and admins may override"),
    (["--as", "elena"], "you may not approve mk"),
    (["--as", "ivo"], "you are not a reviewer of mk: approve with an override"),
    (["--as", "ivo", "--override"], ("approved", "ivo", True)),
    (["--as", "boris", "--override"], "only the release's officers and admins may override"),
    (["--as", "root", "--override"], ("approved", "root", True)),
    ([], "say so with --override"),
    (["--override"], ("approved", "cli", True)),  # the operator: recorded as "cli"
    (["--as", "nobody"], "no user 'nobody'"),
], ids=lambda value: (" ".join(value) or "operator") if isinstance(value, list) else None)
def test_who_approves_from_the_command_line(people, release, args, expected):
    if isinstance(expected, str):
        with pytest.raises(CommandError, match=expected):
            approve(release, *args)
        assert mk(release).status == Translation.Status.TRANSLATED
        return
    out = approve(release, *args)
    translation = mk(release)
    assert (translation.status, translation.approved_by_name, translation.approval_override) == expected
    assert translation.approved_by == people.get(expected[1])  # None for the operator
    assert ("by override of the reviewers" in out) is expected[2]


def test_unknown_users_languages_and_cities_are_clear_errors_and_store_nothing(people):
    before = sorted(LanguageRole.objects.values_list("pk", flat=True))
    cases = [
        (["add", "nobody", "--language", "hr"], "no user 'nobody'"),
        (["add", "ivo", "--language", "xx"], "unknown language 'xx'"),
        (["add", "ivo", "--language", "bg"], "bg is the language releases are written in"),
        (["add", "ivo", "--language", "hr", "--city", "zagreb", "atlantis"], "unknown city.*atlantis"),
        (["remove", "ivo", "--language", "hr"], "ivo has no role for hr"),
        (["remove", "marija", "--language", "mk", "--city", "zagreb"], "marija has no role for mk for zagreb"),
        (["settings", "ivo", "--mail-language", "xx"], "unknown language 'xx'"),
        (["settings", "ivo"], "nothing to change"),
    ]
    for args, message in cases:
        with pytest.raises(CommandError, match=message):
            run("reviewers", *args)
    assert sorted(LanguageRole.objects.values_list("pk", flat=True)) == before  # zagreb was not stored either
    assert not ReviewerSettings.objects.exists()


def test_add_list_change_and_remove(people):
    run("reviewers", "add", "ivo", "--language", "sr", "--city", "belgrade", "podgorica")  # sr is sr-Latn
    run("reviewers", "add", "ivo", "--language", "sr-Latn", "--city", "belgrade", "--role", "translator")
    run("reviewers", "settings", "ivo", "--mail-language", "el", "--digest")
    rows = json.loads(run("reviewers", "list", "--json", "--language", "sr-Latn"))
    assert [(r["user"], r["role"], r["city"], r["mail_language"], r["daily_digest"]) for r in rows] == [
        ("ivo", "translator", "belgrade", "el", True), ("ivo", "reviewer", "podgorica", "el", True)]
    text = run("reviewers", "list")
    assert "mk       reviewer   marija <marija@b40.test> every city (mails in en)" in text
    assert "elena <elena@b40.test> skopje" in text
    assert run("reviewers", "remove", "ivo", "--language", "sr-Latn", "--city", "podgorica") == "1 role(s) taken back\n"
    assert run("reviewers", "remove", "ivo", "--language", "sr-Latn") == "1 role(s) taken back\n"
    assert not LanguageRole.objects.filter(user=people["ivo"]).exists()
    assert "mails in bg, one per release" in run("reviewers", "settings", "ivo", "--mail-language", "default",
                                                  "--no-digest")


def test_status_json_names_each_languages_reviewers_and_the_deadline(people, release):
    run("reviewers", "add", "ivo", "--language", "hr", "--city", HOME, "--role", "translator")
    approve(release, "--as", "ivo", "--override")
    status = json.loads(run("status", str(release.pk), "--json"))
    deadline = release.deadline.isoformat()
    assert status["deadline"] == deadline
    mk_info, hr_info = status["languages"]["mk"], status["languages"]["hr"]
    assert mk_info["reviewers"] == [
        {"user": "marija", "email": "marija@b40.test", "role": "reviewer"},
        {"user": "tome", "email": "tome@b40.test", "role": "translator"},
    ]
    assert (mk_info["deadline"], mk_info["approved_by"], mk_info["approval_override"]) == (deadline, "ivo", True)
    assert hr_info["reviewers"] == [{"user": "ivo", "email": "ivo@b40.test", "role": "translator"}]
    assert status["languages"]["en"]["reviewers"] == []


def test_submit_takes_a_deadline_or_the_configured_one(people, tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("Заглавие\nТекст на съобщението.", encoding="utf-8")
    first = Release.objects.get(pk=int(run("submit", str(path), "--city", HOME, "--deadline", "2030-01-02T09:30+01:00")))
    assert first.deadline.isoformat() == "2030-01-02T08:30:00+00:00"
    with override_settings(REVIEW_DEADLINE_HOURS=48):
        second = Release.objects.get(pk=int(run("submit", str(path), "--city", HOME)))
    assert abs(second.deadline - (timezone.now() + timedelta(hours=48))) < timedelta(minutes=1)
    with override_settings(REVIEW_DEADLINE_HOURS=0):
        assert Release.objects.get(pk=int(run("submit", str(path), "--city", HOME))).deadline is None
    with pytest.raises(CommandError, match="--deadline: not a time"):
        run("submit", str(path), "--city", HOME, "--deadline", "tomorrow")
