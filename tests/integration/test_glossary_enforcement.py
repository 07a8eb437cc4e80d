"""Glossary terms come out as approved, with a sentence's capital kept."""

from __future__ import annotations

import pytest

from b40news.network.sample import load_sample
from b40news.releases.workflow import submit
from b40news.translation.service import translate_release

pytestmark = pytest.mark.django_db


def test_a_term_opening_a_sentence_keeps_its_capital():
    load_sample(0)
    release = submit("Кметът на Загреб\nКметът на Загреб откри срещата.".encode(), name="r.txt", city="zagreb")
    [mk] = translate_release(release, ["mk"])
    # definite in the source (Кметът), definite in Macedonian
    assert mk.title == "Градоначалникот на Загреб"
    assert mk.text.startswith("Градоначалникот на Загреб ")
    assert mk.glossary_report == {"required": 4, "satisfied": 4, "missing": []}
