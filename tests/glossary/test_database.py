"""The glossary in the database: seeded from the YAML files, one glossary for every
host and process, the YAML files as seed and export format only (never written)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connections, transaction

from b40news.glossary import database, review
from b40news.glossary.current import current_glossary
from b40news.glossary.entries import Glossary
from b40news.glossary.models import GlossaryChange, GlossaryEntry, GlossaryState
from b40news.glossary.store import load

from .conftest import REPO, SEED_DIR, make

pytestmark = pytest.mark.usefixtures("untouched_checkout")


def command(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run(*args) -> str:
    return command("glossary", *args)


@pytest.mark.django_db
def test_a_new_database_holds_the_seed_and_its_version(glossary):
    stored = database.read()
    assert stored.entries == database.ordered(glossary.entries).entries
    state = GlossaryState.objects.get()
    # The version is the content checksum: translation memory keys made with the files stay valid.
    assert current_glossary().version == glossary.version == state.version
    assert state.checksum == glossary.approved().checksum
    assert current_glossary().entries == glossary.approved().entries


@pytest.mark.django_db
def test_every_field_round_trips_through_the_database():
    entries = (
        make("term.tricky", "да: не", variants=["„кавички“", "yes"], note="# not a comment",
             targets={"en": "yes", "sr-Latn": "2026-11-25"}, status="proposed", case_sensitive=True),
        make("organisation.test-net", "TestNet", do_not_translate=True, targets={}),
        make("city.sofia~r1", "София", status="rejected", replaces="city.sofia"),
    )
    with database.locked() as glossary:
        database.save(glossary, Glossary(glossary.entries + entries))
    stored = database.read()
    assert [stored.get(e.id) for e in entries] == list(entries)


@pytest.mark.django_db
def test_export_yaml_writes_the_seed_files_back_byte_for_byte(tmp_path):
    run("export", "--format", "yaml", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in SEED_DIR.glob("*.yaml"))
    for path in SEED_DIR.glob("*.yaml"):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()
    review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author="officer1")
    run("export", "--format", "yaml", str(tmp_path))
    assert load(tmp_path) == database.read() and "id: city.sofia~r1" in (tmp_path / "cities.yaml").read_text()


@pytest.mark.django_db
def test_import_of_a_yaml_folder_or_file_brings_proposals(tmp_path):
    run("export", "--format", "yaml", str(tmp_path))
    cities = tmp_path / "cities.yaml"
    cities.write_text(cities.read_text(encoding="utf-8").replace("sq: Sofja", "sq: Sofje"), encoding="utf-8")
    out = run("import", str(tmp_path), "--by", "translator1")
    assert "approved city.sofia kept; change proposed as city.sofia~r1 (changed: targets sq)" in out
    assert database.read().get("city.sofia~r1").status == "proposed"
    out = run("import", str(cities))  # one file of the folder
    assert "unchanged: city.sofia~r1 already proposes this change to approved city.sofia" in out
    assert GlossaryChange.objects.filter(action="imported").count() == 1


@pytest.mark.django_db
def test_current_glossary_asks_one_query_and_follows_every_change(django_assert_num_queries):
    first = current_glossary()
    with django_assert_num_queries(1):
        assert current_glossary() is first
    # A note changes no translation (the version stays) but is still the glossary's.
    with database.locked() as glossary:
        sofia = glossary.get("city.sofia")
        renoted = Glossary(tuple(e for e in glossary.entries if e.id != sofia.id) + (
            make(sofia.id, sofia.bg, targets=sofia.targets, note="renamed note"),))
        database.save(glossary, renoted)
    assert current_glossary().get("city.sofia").note == "renamed note"
    assert current_glossary().version == first.version
    # A rolled back change never stays in the copy of a process that read it.
    with pytest.raises(RuntimeError), transaction.atomic():
        review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author="o")
        review.approve("city.sofia~r1", admin="a")
        assert current_glossary().get("city.sofia").targets["sq"] == "Sofje"
        raise RuntimeError
    assert current_glossary().get("city.sofia").targets["sq"] == "Sofja"


@pytest.mark.django_db(transaction=True)
def test_flush_and_migrate_seed_an_empty_glossary(glossary):
    GlossaryEntry.objects.all().delete()
    call_command("migrate", verbosity=0)
    assert database.read() == database.ordered(glossary.entries)
    review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author="officer1")
    call_command("migrate", verbosity=0)  # a glossary in use is never seeded again
    assert "city.sofia~r1" in database.read()
    call_command("flush", interactive=False, verbosity=0)
    assert database.read() == database.ordered(glossary.entries)
    assert current_glossary().version == glossary.version


@pytest.mark.django_db
def test_load_seed_adds_new_ids_and_replace_makes_the_files_the_glossary(glossary, tmp_path):
    review.approve(review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author="o").id, admin="a")
    version = current_glossary().version
    assert run("load-seed").splitlines() == [f"{len(glossary)} unchanged; glossary version {version} → {version}"]
    run("export", "--format", "yaml", str(tmp_path))  # the glossary as it is, plus one entry:
    village = make("city.novo-selo", "Ново село", targets={"en": "Novo Selo"}, status="proposed")
    (tmp_path / "cities.yaml").write_text(
        (tmp_path / "cities.yaml").read_text(encoding="utf-8") + "\n- id: city.novo-selo\n  bg: Ново село\n"
        "  targets: {en: Novo Selo}\n  status: proposed\n", encoding="utf-8")
    assert run("load-seed", str(tmp_path), "--by", "admin1").splitlines()[0] == "added city.novo-selo"
    assert database.read().get("city.novo-selo") == village
    assert database.read().get("city.sofia").targets["sq"] == "Sofje"  # reviewed entries stay
    out = run("load-seed", "--replace", "--by", "admin1")
    assert out.splitlines()[:2] == ["removed city.novo-selo", "updated city.sofia"]
    assert database.read() == database.ordered(glossary.entries)
    assert current_glossary().version == glossary.version
    loaded = GlossaryChange.objects.filter(action="loaded").order_by("id")
    assert [(c.entry_id, c.author_name, bool(c.payload)) for c in loaded] == [
        ("city.novo-selo", "admin1", True), ("city.novo-selo", "admin1", False), ("city.sofia", "admin1", True)]
    history = run("history", "city.novo-selo").splitlines()  # a removal has no entry to show a diff of
    assert [line.split()[2] for line in history if not line.startswith("  ")] == ["loaded", "loaded"]


def _host(data_dir, *args) -> str:
    """``b40news ARGS`` in another process with its own data directory: another host,
    the same database."""
    from tests.conftest import _worker_database_url

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="b40news.settings", DATABASE_URL=_worker_database_url(),
               B40NEWS_DATA_DIR=str(data_dir), PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]))
    result = subprocess.run([sys.executable, "-m", "b40news.cli", *args], env=env, cwd=data_dir.parent,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_two_hosts_see_one_glossary(tmp_path):
    before = current_glossary().version  # this process ("host 0") keeps a copy
    review.propose({"id": "city.sofia", "targets": {"sq": "Sofje"}}, author="officer1")
    out = _host(tmp_path / "host1", "glossary", "approve", "city.sofia~r1", "--by", "admin1")
    old, new = re.search(r"glossary version (\w+) → (\w+)", out).groups()
    assert old == before != new
    shown = _host(tmp_path / "host2", "shell", "-c", "from b40news.glossary.current import current_glossary; "
                  "g = current_glossary(); print(g.version, g.get('city.sofia').targets['sq'])")
    assert shown.splitlines()[-1].split() == [new, "Sofje"]
    assert current_glossary().version == new and current_glossary().get("city.sofia").targets["sq"] == "Sofje"


@pytest.mark.django_db(transaction=True)
def test_concurrent_proposals_wait_for_each_other():
    """Four workers propose changes to one entry at once: the lock gives each its own revision."""
    errors, barrier = [], threading.Barrier(4)

    def propose(spelling: str) -> None:
        try:
            barrier.wait()
            review.propose({"id": "city.sofia", "targets": {"sq": spelling}}, author="officer1")
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=propose, args=(f"Sofj{c}",)) for c in "wxyz"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    revisions = sorted(e.id for e in database.read().entries if e.replaces == "city.sofia")
    assert revisions == [f"city.sofia~r{n}" for n in range(1, 5)]


@pytest.mark.django_db
def test_translating_a_release_proposes_names_in_the_database_only():
    from b40news.network.sample import load_sample
    from b40news.releases.workflow import submit

    load_sample(0)
    release = submit("Среща в Сливен\nКметът на Сливен Стефан Радев посрещна гости.".encode(), name="r.txt",
                     city="stara-zagora")
    out = command("translate_release", str(release.pk), "--to", "mk")
    assert out.startswith("mk")
    entry = GlossaryEntry.objects.get(entry_id="person.stefan-radev")
    assert (entry.status, entry.bg, entry.targets["mk"]) == ("proposed", "Стефан Радев", "Стефан Радев")
    change = GlossaryChange.objects.get(entry_id="person.stefan-radev")
    assert (change.action, change.source, change.release_id) == ("detected", "name-detector", release.pk)
    # The checkout's files are compared before and after by the untouched_checkout fixture.
