"""`b40news translate FILE --to …`: a document translated on every engine installed
here, through the translation memory, without storing a release."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b40news.text.segment import segment
from b40news.translation import quality, service
from b40news.translation.argos_models import install_package
from b40news.translation.document import translate_document
from b40news.translation.engines import build_engines
from b40news.translation.engines.base import MARK_CHARS
from b40news.translation.memory import remember_human
from tests.conftest import SEED
from tests.support.argos_model import BG_TO_LATIN, PLACEHOLDER_FAULTS, build_argos_package

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile("[\u0400-\u04ff]")
LANGUAGE_KEYS = {"status", "route", "quality", "text", "segments", "glossary", "reason"}
SEGMENT_KEYS = {"source", "target", "from_memory", "flags"}
APERTIUM_EN = ["apertium:bg-mk", "apertium:mk-en"]


def translate(path, *args) -> str:
    out = io.StringIO()
    call_command("translate", str(path), *args, stdout=out)
    return out.getvalue()


def translate_json(path, to: str) -> dict:
    return json.loads(translate(path, "--to", to, "--json"))


@pytest.fixture
def seed_file(tmp_path, seed_bytes):
    path = tmp_path / "seed.txt"
    path.write_bytes(seed_bytes)
    return path


@pytest.fixture
def no_argos(tmp_path):
    """Only the engines of the machine (Apertium): no Argos package installed."""
    with override_settings(ARGOS_PACKAGES_DIR=tmp_path / "no-packages"):
        service.engines(reload=True)
        yield
    service.engines(reload=True)


def test_seed_to_mk_en_hr_as_json(no_argos, seed_file):
    report = translate_json(seed_file, "mk,en,hr")
    sources = list(segment(SEED.read_text(encoding="utf-8")).segments)
    assert set(report) == {"source", "segments", "languages"}
    assert report["source"] == "bg" and report["segments"] == len(sources)
    assert list(report["languages"]) == ["mk", "en", "hr"]
    assert all(set(info) == LANGUAGE_KEYS for info in report["languages"].values())
    mk, en, hr = (report["languages"][code] for code in ("mk", "en", "hr"))

    assert (mk["status"], mk["route"], mk["quality"]["tier"]) == ("translated", ["apertium:bg-mk"], "good")
    assert (en["status"], en["route"], en["quality"]["tier"]) == ("translated", APERTIUM_EN, "gist")
    for info in (mk, en):
        assert [s["source"] for s in info["segments"]] == sources
        assert all(set(s) == SEGMENT_KEYS and s["from_memory"] is False for s in info["segments"])
        assert info["quality"]["flagged"] == sum(1 for s in info["segments"] if s["flags"])
        assert info["text"].count("\n\n") == SEED.read_text(encoding="utf-8").strip().count("\n\n")
        assert info["reason"] == ""
    assert mk["glossary"]["required"] > 0
    assert mk["glossary"]["satisfied"] == mk["glossary"]["required"] and mk["glossary"]["missing"] == []

    # English: placeholders restored, no engine marks, nothing Cyrillic left.
    assert not set(MARK_CHARS + "⟦⟧") & set(en["text"])
    assert not CYRILLIC.search(en["text"]) and quality.foreign_words(en["text"], "en") == []
    assert all(number in en["text"] for number in ("2021", "38", "11", "B40"))

    assert hr["status"] == "no_engine" and hr["route"] == [] and hr["quality"] == {"tier": None, "flagged": 0}
    assert "submit-translation" in hr["reason"] and hr["text"] == "" and hr["segments"] == []


def test_second_run_comes_from_memory(no_argos, seed_file):
    first = translate_json(seed_file, "mk,en")
    second = translate_json(seed_file, "mk,en")
    for code in ("mk", "en"):
        segments = second["languages"][code]["segments"]
        assert segments and all(s["from_memory"] for s in segments)
        assert [s["target"] for s in segments] == [s["target"] for s in first["languages"][code]["segments"]]
        assert [s["flags"] for s in segments] == [s["flags"] for s in first["languages"][code]["segments"]]
        assert second["languages"][code]["text"] == first["languages"][code]["text"]


def test_plain_output_names_route_tier_flags_glossary_and_reason(no_argos, seed_file):
    out = translate(seed_file, "--to", "mk,hr")
    report = translate_json(seed_file, "mk")["languages"]["mk"]
    glossary = f"{report['glossary']['satisfied']}/{report['glossary']['required']}"
    assert (f"mk  translated  route apertium:bg-mk  tier good  flagged {report['quality']['flagged']}  "
            f"glossary {glossary}") in out
    assert report["text"] in out
    assert "hr  no_engine  route -  tier -  flagged 0  glossary 0/0" in out
    assert "b40news submit-translation" in out


def test_installed_argos_model_takes_english(argos_dir, tmp_path, seed_file):
    model = build_argos_package(tmp_path, from_code="bg", to_code="en", char_map=BG_TO_LATIN)
    call_command("models", "install", str(model), stdout=io.StringIO())
    en = translate_json(seed_file, "en")["languages"]["en"]
    assert (en["status"], en["route"], en["quality"]["tier"]) == ("translated", ["argos:bg-en"], "good")
    assert not CYRILLIC.search(en["text"])
    # The model spells Bulgarian in Latin letters; glossary terms come out as approved.
    assert "Ot strana na" in en["text"] and "Sofia" in en["text"]
    assert en["glossary"]["satisfied"] == en["glossary"]["required"] > 0


def test_human_translations_of_every_segment_make_a_human_language(no_argos, tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("Кметът на Загреб откри срещата.\n\nОбщината покани гости.\n", encoding="utf-8")
    remember_human([("Кметът на Загреб откри срещата.", "Sastanak je otvorio gradonačelnik Zagreba."),
                    ("Общината покани гости.", "Općina je pozvala goste.")], "hr")
    hr = translate_json(path, "hr")["languages"]["hr"]
    assert (hr["status"], hr["route"], hr["quality"]["tier"]) == ("translated", ["human"], "human")
    assert hr["text"] == "Sastanak je otvorio gradonačelnik Zagreba.\n\nOpćina je pozvala goste.\n"
    assert all(s["from_memory"] and not s["flags"] for s in hr["segments"])
    assert hr["glossary"]["satisfied"] == hr["glossary"]["required"] == 2


@pytest.mark.parametrize(
    ("content", "to", "expected"),
    [
        ("Текст".encode("cp1251"), "en", "is not UTF-8 text"),
        (b"  \n", "en", "is empty"),
        ("Текст.".encode(), "xx", "xx"),
        ("Текст.".encode(), "bg", "give target languages only"),
    ],
)
def test_bad_input_is_refused_with_a_reason(tmp_path, content, to, expected):
    path = tmp_path / "doc.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=re.escape(expected)):
        translate(path, "--to", to)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="cannot read .*nothing.txt"):
        translate(tmp_path / "nothing.txt", "--to", "en")


# --- every route available here: no engine marks, no words in the wrong script ------------

@pytest.fixture(scope="module")
def engine_sets(tmp_path_factory):
    """(engines, language, expected route) for every route the test machine has."""
    build = tmp_path_factory.mktemp("argos-build")
    packages = tmp_path_factory.mktemp("argos-packages")
    install_package(build_argos_package(build, from_code="bg", to_code="en", char_map=BG_TO_LATIN), packages)
    apertium_only = build_engines(argos_packages_dir=tmp_path_factory.mktemp("argos-none"))
    with_argos = build_engines(argos_packages_dir=packages)
    return [(apertium_only, "mk", ["apertium:bg-mk"]), (apertium_only, "en", APERTIUM_EN),
            (with_argos, "en", ["argos:bg-en"])]


LETTERS = "абвгдежзийклмнопрстуфхцчшщъьюя"
KNOWN = ("кметът", "общината", "срещата", "град", "София", "Загреб", "покани", "гости", "и", "на",
         "в", "от", "през", "година", "мрежата", "B40", "щастие", "юли", "ябълка", "Йордан")
WORD = st.one_of(
    st.sampled_from(KNOWN),
    st.text(LETTERS, min_size=2, max_size=10),  # mostly words no engine knows
    st.text(LETTERS, min_size=2, max_size=10).map(str.capitalize),
    st.integers(0, 30_000).map(str),
)
SENTENCE = st.lists(WORD, min_size=1, max_size=12).map(lambda words: " ".join(words).capitalize() + ".")
DOCUMENT = st.lists(st.lists(SENTENCE, min_size=1, max_size=3).map(" ".join), min_size=1, max_size=3).map(
    "\n\n".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=DOCUMENT)
def test_no_route_ships_marks_or_words_in_the_wrong_script(engine_sets, text):
    for engines, code, route in engine_sets:
        info = translate_document(text, [code], engines=engines)["languages"][code]
        assert info["route"] == route
        for row in info["segments"]:
            target = row["target"]
            assert not set(MARK_CHARS) & set(target), (route, row)
            assert quality.foreign_words(target, code) == [], (route, row)
            assert "⟦" not in target, (route, row)


def test_placeholders_an_argos_model_gets_wrong_never_lose_or_double_a_name(argos_dir, tmp_path):
    # The model swaps ⟦1⟧ and ⟦2⟧, drops ⟦3⟧ and repeats ⟦4⟧ (tests/support/argos_model.py).
    model = build_argos_package(tmp_path, from_code="bg", to_code="en", char_map=BG_TO_LATIN,
                                piece_map=PLACEHOLDER_FAULTS)
    call_command("models", "install", str(model), stdout=io.StringIO())
    document = tmp_path / "release.txt"
    document.write_text("На 12.05.2024 в 10:30 кметът посрещна гости от Загреб и Скопие на www.b40.bg.\n\n"
                        "Кметът дойде.\n", encoding="utf-8")
    en = translate_json(document, "en")["languages"]["en"]
    # Protected: ⟦0⟧ 12.05.2024, ⟦1⟧ 10:30, ⟦2⟧ кметът, ⟦3⟧ Загреб, ⟦4⟧ Скопие, ⟦5⟧ www.b40.bg.
    assert en["text"] == ("Na 12.05.2024 v 10:30 Mayor posreŝna gosti ot Zagreb i Skopje na www.b40.bg.\n\n"
                          "Mayor dojde.\n")
    assert en["status"] == "translated" and en["quality"] == {"tier": "good", "flagged": 1}
    assert en["segments"][0]["flags"] == [
        "placeholder-repaired: the engine wrote ⟦2⟧ for ⟦1⟧; corrected by the alignment",
        "placeholder-repaired: the engine wrote ⟦1⟧ for ⟦2⟧; corrected by the alignment",
        "placeholder-repaired: ⟦4⟧ came back 2 times; kept the one the alignment points to",
        "placeholder-repaired: ⟦3⟧ did not come back from the engine; put back by the engine's alignment",
    ]
    assert en["glossary"] == {"required": 4, "satisfied": 4, "missing": []}

