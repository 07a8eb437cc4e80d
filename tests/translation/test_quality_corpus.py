"""The benchmark's held-out texts (bench/corpus/heldout-*): the lexicon was never
extended from them, so they show what it does on releases it has not seen."""

from __future__ import annotations

import shutil

import pytest

from b40news.glossary.store import load
from bench.translation_quality import engine_sets, load_corpus, measure
from b40news.translation import lexicon


@pytest.fixture(scope="module", autouse=True)
def apertium_tools():
    """Installed by scripts/bootstrap: missing, these tests fail rather than skip."""
    assert shutil.which("apertium") and lexicon.build.tools_available(), \
        "Apertium's tools are missing: ./scripts/bootstrap installs apertium, lttoolbox-dev and cg3"


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    from django.conf import settings

    glossary = load(settings.GLOSSARY_DIR).approved()
    heldout = [text for text in load_corpus() if text.heldout]
    assert len(heldout) >= 3
    engines = engine_sets(tmp_path_factory.mktemp("quality"))
    return {which: measure(heldout, engine_set, glossary) for which, engine_set in engines.items()}


def test_terms_stand_in_the_right_form_on_held_out_texts(scores):
    for code in ("mk", "en"):
        score = scores["with"][(code, True)]
        assert score.terms >= 10
        assert score.terms_right / score.terms >= 0.98, code


def test_the_lexicon_cuts_unknown_words_to_a_third_on_held_out_texts(scores):
    without, with_ = scores["without"][("mk", True)], scores["with"][("mk", True)]
    assert without.words == with_.words > 100
    assert with_.unknown * 3 <= without.unknown


def test_english_ships_no_transliterated_common_word(scores):
    # found word by word in the segments the checks pass, whatever the flags say
    assert scores["with"][("en", True)].shipped_transliterated == 0
    assert scores["without"][("en", True)].shipped_transliterated == 0
    assert scores["without"][("en", True)].transliterated > scores["with"][("en", True)].transliterated
    assert scores["with"][("en", True)].publishable > scores["without"][("en", True)].publishable


def test_chrf_against_the_references_improves(scores):
    for code in ("mk", "en"):
        assert scores["with"][(code, True)].chrf() > scores["without"][(code, True)].chrf()
