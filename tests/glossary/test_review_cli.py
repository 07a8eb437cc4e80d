"""`b40news glossary propose | proposals | approve | reject | history | import` on the test database."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from b40news.glossary.database import read
from b40news.glossary.models import GlossaryChange

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("untouched_checkout")]


def run(capsys, *args) -> str:
    capsys.readouterr()
    call_command("glossary", *args)
    return capsys.readouterr().out


def test_propose_list_approve_history(capsys):
    out = run(capsys, "propose", "--kind", "person", "--bg", "Иван Петров", "--target", "en=Ivan Petrov",
              "--target", "mk=Иван Петров", "--case-sensitive", "--fill-transliterated",
              "--comment", "new deputy mayor", "--by", "officer1")
    assert out.splitlines()[0] == "proposed person.ivan-petrov"
    assert "  en               - → Ivan Petrov" in out.splitlines()

    out = run(capsys, "proposals")
    lines = out.splitlines()
    assert lines[0].startswith("person.ivan-petrov (new person, proposed by officer1 ")
    assert "  comment: new deputy mayor" in lines
    assert "  mk               - → Иван Петров" in lines
    assert lines[-1] == "1 pending proposal(s)"

    version = read().version
    out = run(capsys, "approve", "person.ivan-petrov", "--comment", "checked", "--by", "admin1")
    after = read()
    assert out.splitlines()[0] == (
        f"approved person.ivan-petrov as person.ivan-petrov; glossary version {version} → {after.version}")
    assert after.get("person.ivan-petrov").approved_by == "admin1"
    assert run(capsys, "proposals").splitlines() == ["0 pending proposal(s)"]
    assert "no problems" in run(capsys, "lint")

    out = run(capsys, "history", "person.ivan-petrov")
    heads = [line for line in out.splitlines() if not line.startswith("  ")]
    assert [h.split()[2:4] for h in heads] == [["proposed", "person.ivan-petrov"], ["approved", "person.ivan-petrov"]]
    assert heads[1].endswith(f"by admin1 (admin) version {version} → {after.version}")
    assert "  comment: checked" in out


def test_a_change_shows_old_and_new(capsys):
    out = run(capsys, "propose", "--id", "city.sofia", "--target", "sq=Sofje", "--by", "officer1")
    assert out.splitlines() == ["proposed city.sofia~r1 (a change to city.sofia)", "  sq               Sofja → Sofje"]
    out = run(capsys, "proposals")
    assert out.splitlines()[0].startswith("city.sofia~r1 (change to city.sofia, proposed by officer1")
    assert "  sq               Sofja → Sofje" in out.splitlines()


def test_refused_approval_prints_the_lint_message_and_exits_non_zero(capsys):
    run(capsys, "propose", "--kind", "term", "--bg", "Загреб", "--target", "en=Agram", "--fill-transliterated")
    assert "cannot be approved: term.agram: conflict: city.zagreb and term.agram" in run(capsys, "proposals")
    stored = read()
    with pytest.raises(CommandError, match="term.agram: conflict: city.zagreb and term.agram share a Bulgarian term"):
        call_command("glossary", "approve", "term.agram", "--by", "admin1")
    assert read() == stored


def test_reject_needs_a_comment(capsys):
    run(capsys, "propose", "--id", "city.sofia", "--target", "sq=Sofje")
    with pytest.raises(CommandError, match="--comment"):
        call_command("glossary", "reject", "city.sofia~r1")
    assert run(capsys, "reject", "city.sofia~r1", "--comment", "sq keeps Sofja", "--by", "admin1") == (
        "rejected city.sofia~r1\n")
    assert read().get("city.sofia~r1").status == "rejected"
    out = run(capsys, "history", "city.sofia")
    assert "rejected  city.sofia~r1 by admin1 (admin)" in out and "  comment: sq keeps Sofja" in out


def test_bad_input_is_a_command_error():
    with pytest.raises(CommandError, match="LANG=TEXT"):
        call_command("glossary", "propose", "--id", "city.sofia", "--target", "Sofje")
    with pytest.raises(CommandError, match="unknown language 'xx'"):
        call_command("glossary", "propose", "--id", "city.sofia", "--target", "xx=Sofje")
    with pytest.raises(CommandError, match="needs a kind"):
        call_command("glossary", "propose", "--bg", "Нещо")
    with pytest.raises(CommandError, match="no glossary entry 'city.atlantis'"):
        call_command("glossary", "approve", "city.atlantis")
    with pytest.raises(CommandError, match="no recorded change for city.sofia"):
        call_command("glossary", "history", "city.sofia")
    assert not GlossaryChange.objects.exists()


def test_import_records_each_proposal(tmp_path, capsys):
    sheet = tmp_path / "sheet.csv"
    call_command("glossary", "export", "--format", "csv", "--output", str(sheet))
    text = sheet.read_text(encoding="utf-8").replace("Sofja", "Sofje", 1)
    sheet.write_text(text, encoding="utf-8")
    out = run(capsys, "import", str(sheet), "--by", "translator1")
    assert "approved city.sofia kept; change proposed as city.sofia~r1 (changed: targets sq)" in out
    [change] = GlossaryChange.objects.all()
    assert (change.entry_id, change.action, change.source, change.author_name) == (
        "city.sofia~r1", "imported", "import", "translator1")
    assert change.comment == "imported from sheet.csv"
