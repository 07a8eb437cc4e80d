"""Installing a neural model through the command line makes its route win, and
the release is translated through the real CTranslate2 model."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from b40news.network.sample import load_sample
from b40news.releases.workflow import submit
from b40news.translation import argos_models, service
from tests.support.argos_model import BG_TO_LATIN, build_argos_package

pytestmark = pytest.mark.django_db


def test_install_list_and_translate_through_the_installed_model(argos_dir, tmp_path, capsys):
    model = build_argos_package(tmp_path, from_code="bg", to_code="en", char_map=BG_TO_LATIN)
    call_command("models", "install", str(model))
    call_command("models", "list")
    out = capsys.readouterr().out
    assert "installed bg→en 1.0" in out
    assert "bg→en 1.0 (usable)" in out
    assert "engine argos: bg→en" in out

    load_sample(0)
    release = submit("Кметът на Троян\nКметът дойде в Троян.".encode(), name="r.txt", city="troyan")
    [en] = service.translate_release(release, ["en"])
    assert en.route == ["argos:bg-en"] and en.tier == "good"
    # The test model spells Bulgarian in Latin letters; the glossary's Troyan and
    # its title "Mayor" come out exactly as approved, whatever the model does.
    assert en.text == "Mayor dojde v Troyan."
    assert en.title == "Mayor na Troyan"
    assert en.glossary_report == {"required": 4, "satisfied": 4, "missing": []}


def test_installing_a_file_that_is_not_a_model_is_refused(argos_dir, tmp_path):
    bogus = tmp_path / "bogus.argosmodel"
    bogus.write_bytes(b"not a zip")
    with pytest.raises(Exception) as error:
        call_command("models", "install", str(bogus))
    assert "bogus.argosmodel" in str(error.value)


@pytest.fixture
def disk_mirror(tmp_path):
    """A mirror of the Argos index on disk (file://), files named as the index names them."""
    folder = tmp_path / "mirror"
    entries = []
    for source, target, version, char_map in [("bg", "en", "1.9", BG_TO_LATIN), ("en", "el", "1.9", None)]:
        built = build_argos_package(tmp_path / "build", from_code=source, to_code=target,
                                    package_version=version, char_map=char_map)
        folder.mkdir(exist_ok=True)
        name = f"translate-{source}_{target}-{version.replace('.', '_')}.argosmodel"
        built.rename(folder / name)
        entries.append({"from_code": source, "to_code": target, "package_version": version, "links": [name]})
    (folder / "index.json").write_text(json.dumps(entries))
    return folder


def test_download_reads_the_index_url_setting(argos_dir, disk_mirror, capsys):
    with override_settings(ARGOS_INDEX_URL=disk_mirror.as_uri() + "/"):
        call_command("models", "download", "bg:en", "en:el")
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "downloading bg:en 1.9 (translate-bg_en-1_9.argosmodel)",
        "downloading en:el 1.9 (translate-en_el-1_9.argosmodel)",
        "installed bg→en 1.9",
        "installed en→el 1.9",
    ]
    assert sorted(p.name for p in argos_dir.iterdir()) == ["translate-bg_en-1_9", "translate-en_el-1_9"]
    assert service.engines()["argos"].pairs() == {("bg", "en"), ("en", "el")}  # reloaded


def test_download_failure_names_the_package_and_installs_nothing(argos_dir, disk_mirror):
    (disk_mirror / "translate-en_el-1_9.argosmodel").write_bytes(b"PK\x03\x04 half a file")
    with pytest.raises(CommandError) as error:
        call_command("models", "download", "bg:en", "en:el", "--index-url", (disk_mirror / "index.json").as_uri())
    message = str(error.value)
    assert message.startswith("downloading en:el (translate-en_el-1_9.argosmodel) failed: ")
    assert "is not an Argos model" in message and "nothing was installed" in message
    assert argos_models.list_packages(argos_dir) == [] and list(argos_dir.iterdir()) == []


def test_download_of_serbian_says_the_index_has_none(argos_dir, disk_mirror):
    with pytest.raises(CommandError, match="not in the Argos package index .*: en:sr; nothing was downloaded"):
        call_command("models", "download", "en:sr", "--index-url", disk_mirror.as_uri() + "/")


def test_list_says_what_each_language_needs(argos_dir, capsys):
    with override_settings(ARGOS_INDEX_URL="https://mirror.example/argos/"):
        call_command("models", "list")
    out = capsys.readouterr().out
    assert ("the public Argos index has, for this network: bg:en translate-bg_en-1_9.argosmodel, "
            "en:el translate-en_el-1_9.argosmodel, en:ro translate-en_ro-1_9.argosmodel, "
            "en:sl translate-en_sl-1_9.argosmodel, en:sq translate-en_sq-1_9.argosmodel, "
            "en:tr translate-en_tr-1_5.argosmodel") in out
    assert "`models download` reads https://mirror.example/argos/index.json" in out
    assert "  mk: good route apertium:bg-mk" in out
    assert ("  el: no engine translates Bulgarian into Greek here (good route argos:bg-en → argos:en-el "
            "needs argos:bg-en, argos:en-el): b40news models download bg:en en:el, or with the files copied "
            "here: b40news models install translate-bg_en-1_9.argosmodel translate-en_el-1_9.argosmodel; "
            "or submit a human translation: b40news submit-translation ID --language el FILE") in out
    for code in ("hr", "sr-Latn", "sr-Cyrl", "bs", "cnr"):
        line = next(line for line in out.splitlines() if line.startswith(f"  {code}: "))
        assert "a human translation is needed" in line and "models" not in line

