"""choose_route on real engines: what is chosen, and what to do when nothing is."""

from __future__ import annotations

import pytest

from b40news import languages
from b40news.translation.engines import ApertiumEngine, ArgosEngine, SerbianScriptEngine
from b40news.translation.routes import DEFAULT_ROUTES, HUMAN, Route, Step, choose_route

from .conftest import engine_set, packages_subset


@pytest.fixture
def apertium_only(tmp_path):
    return engine_set(ApertiumEngine(), ArgosEngine(packages_dir=tmp_path / "empty"), SerbianScriptEngine())


@pytest.fixture
def everything(packages_dir):
    return engine_set(ApertiumEngine(), ArgosEngine(packages_dir=packages_dir), SerbianScriptEngine())


def test_every_network_target_has_routes():
    assert set(DEFAULT_ROUTES) == set(languages.TARGETS)
    for routes in DEFAULT_ROUTES.values():
        assert routes and all(route.tier in ("good", "gist") for route in routes)


def test_apertium_mk_hbs_modes_are_not_in_the_defaults():
    steps = {step for routes in DEFAULT_ROUTES.values() for r in routes for step in r.steps}
    assert not [s for s in steps if s.engine == "apertium" and s.source == "mk" and s.target != "en"]


def test_labels_and_tiers():
    route = Route((Step("apertium", "bg", "mk"), Step("apertium", "mk", "en")), "gist")
    assert route.label() == ["apertium:bg-mk", "apertium:mk-en"]
    assert HUMAN.label() == ["human"] and HUMAN.tier == "human"
    with pytest.raises(ValueError):
        Route((), "excellent")


def test_apertium_only(apertium_only):
    mk = choose_route("mk", apertium_only)
    assert mk.route.label() == ["apertium:bg-mk"] and mk.route.tier == "good"
    en = choose_route("en", apertium_only)
    assert en.route.label() == ["apertium:bg-mk", "apertium:mk-en"] and en.route.tier == "gist"


def test_nothing_for_greek_says_what_to_install(apertium_only):
    choice = choose_route("el", apertium_only)
    assert choice.route is None
    assert choice.reason.startswith("no engine translates Bulgarian into Greek")
    assert "b40news models download bg:en en:el" in choice.reason
    assert "b40news models install translate-bg_en.argosmodel translate-en_el.argosmodel" in choice.reason
    assert "b40news submit-translation ID --language el FILE" in choice.reason


def test_croatian_has_no_public_model(apertium_only):
    choice = choose_route("hr", apertium_only)
    assert choice.route is None
    assert choice.reason.startswith("no engine translates Bulgarian into Croatian")
    assert "public Argos index has no bg:hr" in choice.reason
    assert "b40news submit-translation ID --language hr FILE" in choice.reason


def test_no_route_at_all():
    choice = choose_route("hr", {}, routes={})
    assert choice == choice.__class__(
        "hr", None,
        "no engine translates Bulgarian into Croatian: submit a human translation with "
        "b40news submit-translation ID --language hr FILE",
    )


def test_missing_apertium_says_apt_get():
    choice = choose_route("mk", engine_set(ApertiumEngine(command="/nonexistent/apertium")))
    assert choice.route is None
    assert "apt-get install apertium apertium-mkd-bul" in choice.reason


def test_with_argos_packages(everything):
    assert choose_route("en", everything).route.label() == ["argos:bg-en"]
    assert choose_route("el", everything).route.label() == ["argos:bg-en", "argos:en-el"]
    latin = choose_route("sr", everything)  # alias of sr-Latn
    assert latin.target == "sr-Latn"
    assert latin.route.label() == ["argos:bg-en", "argos:en-sr", "serbian-script:sr-sr-Latn"]
    assert choose_route("sr-Cyrl", everything).route.tier == "good"
    assert choose_route("mk", everything).route.label() == ["apertium:bg-mk"]
    assert choose_route("hr", everything).route is None


def test_direct_package_is_preferred(packages_dir, tmp_path):
    from b40news.translation import argos_models

    from .conftest import build_argos_package

    argos_models.install_package(build_argos_package(tmp_path, from_code="bg", to_code="el"), packages_dir)
    engines = engine_set(ApertiumEngine(), ArgosEngine(packages_dir=packages_dir))
    assert choose_route("el", engines).route.label() == ["argos:bg-el"]


def test_gist_through_apertium_english(installed_packages, tmp_path):
    only_en_x = packages_subset(installed_packages, tmp_path / "en-x", {("en", "el")})
    engines = engine_set(ApertiumEngine(), ArgosEngine(packages_dir=only_en_x))
    choice = choose_route("el", engines)
    assert choice.route.tier == "gist"
    assert choice.route.label() == ["apertium:bg-mk", "apertium:mk-en", "argos:en-el"]


def test_unknown_language_is_refused(everything):
    with pytest.raises(languages.UnknownLanguage):
        choose_route("xx", everything)
