"""Fixtures for the translation tests: real engines, real (synthetic) models.

``tests/support/argos_model.py`` is loaded by its file path: argostranslate
ships a top-level package named ``tests`` into site-packages, which shadows
this repository's ``tests`` folder for ``import tests.support...``.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from b40news.translation import argos_models
from b40news.translation.engines import ApertiumEngine, ArgosEngine, Engine, SerbianScriptEngine

HERE = Path(__file__).parent
SUPPORT = HERE.parent / "support" / "argos_model.py"


def _load_support():
    name = "b40news_tests_support_argos_model"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SUPPORT)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


argos_model = _load_support()
BG_TO_LATIN = argos_model.BG_TO_LATIN
PLACEHOLDER_FAULTS = argos_model.PLACEHOLDER_FAULTS
build_argos_package = argos_model.build_argos_package

SEGMENTS_BG = (HERE / "data" / "segments_bg.txt").read_text(encoding="utf-8").splitlines()

# Packages every Argos-using test shares; installed once per session.
SESSION_PACKAGES = {
    ("bg", "en"): BG_TO_LATIN,  # a transliterating "translator": exact, predictable output
    ("en", "el"): None,  # copy models: what comes in goes out
    ("en", "tr"): None,
    ("en", "sr"): None,  # installed, yet never used: no Serbian route (no package in the index)
}


@pytest.fixture(scope="session")
def installed_packages(tmp_path_factory) -> Path:
    """A packages dir with SESSION_PACKAGES installed through argos_models."""
    build = tmp_path_factory.mktemp("argos-build")
    packages = tmp_path_factory.mktemp("argos-packages")
    paths = [build_argos_package(build, from_code=source, to_code=target, char_map=char_map)
             for (source, target), char_map in SESSION_PACKAGES.items()]
    argos_models.install_packages(paths, packages)
    return packages


@pytest.fixture
def packages_dir(installed_packages, tmp_path) -> Path:
    """A private copy of the session's packages (tests may add or change some)."""
    target = tmp_path / "packages"
    shutil.copytree(installed_packages, target)
    return target


def packages_subset(installed: Path, dest: Path, pairs) -> Path:
    """A packages dir holding only ``pairs`` of the installed ones."""
    dest.mkdir(parents=True, exist_ok=True)
    for package in argos_models.list_packages(installed):
        if package.pair in pairs:
            shutil.copytree(package.path, dest / package.path.name)
    return dest


class Counting:
    """Mixin: records every engine call (pair and batch size)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, str, int]] = []

    def translate_detailed(self, segments, source, target):
        self.calls.append((source, target, len(segments)))
        return super().translate_detailed(segments, source, target)


class CountingApertium(Counting, ApertiumEngine):
    pass


class CountingArgos(Counting, ArgosEngine):
    pass


class CountingSerbian(Counting, SerbianScriptEngine):
    pass


def engine_set(*engines: Engine) -> dict[str, Engine]:
    return {engine.id: engine for engine in engines}


def all_calls(engines: dict[str, Engine]) -> list[tuple[str, str, str, int]]:
    return [(engine.id, *call) for engine in engines.values() for call in engine.calls]


class DictMemory:
    """The Memory protocol over a dict: a real, in-process translation memory."""

    def __init__(self) -> None:
        self.items: dict = {}
        self.lookups = 0

    def lookup(self, keys):
        self.lookups += 1
        return {key: self.items[key] for key in keys if key in self.items}

    def store(self, items):
        self.items.update(items)
