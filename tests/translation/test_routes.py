"""choose_route on real engines: what is chosen, and what to do when nothing is."""

from __future__ import annotations

import pytest

from b40news import languages
from b40news.translation.engines import ApertiumEngine, ArgosEngine, SerbianScriptEngine
from b40news.translation import argos_index
from b40news.translation.routes import DEFAULT_ROUTES, HUMAN, Route, Step, build_routes, choose_route

from .conftest import engine_set, packages_subset


@pytest.fixture
def apertium_only(tmp_path):
    return engine_set(ApertiumEngine(), ArgosEngine(packages_dir=tmp_path / "empty"), SerbianScriptEngine())


@pytest.fixture
def everything(packages_dir):
    return engine_set(ApertiumEngine(), ArgosEngine(packages_dir=packages_dir), SerbianScriptEngine())


def test_every_network_target_has_routes_where_an_engine_exists():
    assert set(DEFAULT_ROUTES) == set(languages.TARGETS)
    for routes in DEFAULT_ROUTES.values():
        assert all(route.tier in ("good", "gist") for route in routes)
    # Nothing translates into these: no Argos package in the index, no working Apertium pair.
    assert {code for code, routes in DEFAULT_ROUTES.items() if not routes} == {
        "sr-Latn", "sr-Cyrl", "hr", "bs", "cnr"}


def test_argos_steps_come_from_the_index_data_only():
    steps = {s for routes in DEFAULT_ROUTES.values() for r in routes for s in r.steps if s.engine == "argos"}
    assert {(s.source, s.target) for s in steps} == set(argos_index.PUBLIC_PAIRS)
    assert argos_index.PUBLIC_PAIRS == {("bg", "en"), ("en", "el"), ("en", "ro"), ("en", "sl"),
                                        ("en", "sq"), ("en", "tr")}
    assert not any(s.engine == "serbian-script" for r in DEFAULT_ROUTES.values() for route in r for s in route.steps)
    assert [r.label() for r in DEFAULT_ROUTES["el"]] == [
        ["argos:bg-en", "argos:en-el"], ["apertium:bg-mk", "apertium:mk-en", "argos:en-el"]]
    assert [r.label() for r in DEFAULT_ROUTES["en"]] == [["argos:bg-en"], ["apertium:bg-mk", "apertium:mk-en"]]


def test_a_pair_added_to_the_data_adds_its_routes():
    routes = build_routes(argos_index.PUBLIC_PAIRS | {("bg", "el"), ("en", "sr")})
    assert routes["el"][0].label() == ["argos:bg-el"]
    assert routes["sr-Cyrl"][0].label() == ["argos:bg-en", "argos:en-sr", "serbian-script:sr-sr-Cyrl"]
    assert routes["hr"] == ()


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
    assert choice.reason == (
        "no engine translates Bulgarian into Greek here (good route argos:bg-en → argos:en-el needs "
        "argos:bg-en, argos:en-el): b40news models download bg:en en:el, or with the files copied here: "
        "b40news models install translate-bg_en-1_9.argosmodel translate-en_el-1_9.argosmodel; "
        "or submit a human translation: b40news submit-translation ID --language el FILE")


def test_turkish_names_its_own_version(apertium_only):
    reason = choose_route("tr", apertium_only).reason
    assert "b40news models download bg:en en:tr" in reason  # Apertium's gist route is not "good"
    assert "translate-bg_en-1_9.argosmodel translate-en_tr-1_5.argosmodel" in reason


@pytest.mark.parametrize("code, name", [("hr", "Croatian"), ("sr-Latn", "Serbian (Latin)"),
                                        ("sr-Cyrl", "Serbian (Cyrillic)"), ("bs", "Bosnian"),
                                        ("cnr", "Montenegrin")])
def test_languages_without_any_engine_need_people(everything, code, name):
    choice = choose_route(code, everything)  # every engine and package installed: still nothing
    assert choice.route is None
    assert choice.reason == (
        f"no engine translates Bulgarian into {name}: no machine translation exists for it, a human "
        f"translation is needed: b40news submit-translation ID --language {code} FILE")
    assert "models" not in choice.reason and ".argosmodel" not in choice.reason


def test_a_step_no_index_has_gets_no_install_hint():
    routes = {"hr": (Route((Step("argos", "bg", "hr"),), "good"),)}
    reason = choose_route("hr", {}, routes=routes).reason
    assert "the public Argos index has no bg:hr package, so there is nothing to install" in reason
    assert ".argosmodel" not in reason and "models download" not in reason


def test_no_route_at_all():
    choice = choose_route("hr", {}, routes={})
    assert choice == choice.__class__(
        "hr", None,
        "no engine translates Bulgarian into Croatian: no machine translation exists for it, a human "
        "translation is needed: b40news submit-translation ID --language hr FILE",
    )


def test_missing_apertium_says_apt_get():
    choice = choose_route("mk", engine_set(ApertiumEngine(command="/nonexistent/apertium")))
    assert choice.route is None
    assert "apt-get install apertium apertium-mkd-bul" in choice.reason


def test_with_argos_packages(everything):
    assert choose_route("en", everything).route.label() == ["argos:bg-en"]
    assert choose_route("el", everything).route.label() == ["argos:bg-en", "argos:en-el"]
    latin = choose_route("sr", everything)  # alias of sr-Latn; an en→sr package is installed, unused
    assert latin.target == "sr-Latn" and latin.route is None
    assert choose_route("sr-Cyrl", everything).route is None
    assert choose_route("mk", everything).route.label() == ["apertium:bg-mk"]
    assert choose_route("hr", everything).route is None


def test_direct_package_is_preferred_when_the_index_has_one(packages_dir, tmp_path):
    from b40news.translation import argos_models

    from .conftest import build_argos_package

    argos_models.install_package(build_argos_package(tmp_path, from_code="bg", to_code="el"), packages_dir)
    engines = engine_set(ApertiumEngine(), ArgosEngine(packages_dir=packages_dir))
    routes = build_routes(argos_index.PUBLIC_PAIRS | {("bg", "el")})
    assert choose_route("el", engines, routes).route.label() == ["argos:bg-el"]
    # The public index has no bg→el: an installed one is not a default route.
    assert choose_route("el", engines).route.label() == ["argos:bg-en", "argos:en-el"]


def test_gist_through_apertium_english(installed_packages, tmp_path):
    only_en_x = packages_subset(installed_packages, tmp_path / "en-x", {("en", "el")})
    engines = engine_set(ApertiumEngine(), ArgosEngine(packages_dir=only_en_x))
    choice = choose_route("el", engines)
    assert choice.route.tier == "gist"
    assert choice.route.label() == ["apertium:bg-mk", "apertium:mk-en", "argos:en-el"]


def test_unknown_language_is_refused(everything):
    with pytest.raises(languages.UnknownLanguage):
        choose_route("xx", everything)
