"""Installing a neural model through the command line makes its route win, and
the release is translated through the real CTranslate2 model."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from b40news.network.sample import load_sample
from b40news.releases.workflow import submit
from b40news.translation import service
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
