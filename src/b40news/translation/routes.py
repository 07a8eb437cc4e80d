"""Which engines, in which order, bring Bulgarian into each network language.

A route is a chain of steps; each step is one engine call on one pair of BASE
codes (``Step("apertium", "bg", "mk")``). Pivots are separate steps so the
pipeline can share them: ``bg→en`` is computed once for every ``en→X``, and
``bg→mk`` once for Macedonian and for English-through-Macedonian.

Tiers, best first: ``human`` (stored by the integrator, never chosen here),
``good`` (publishable machine translation), ``gist`` (the sense, not the
style: e.g. Apertium's bg→mk→en, which renders "кмет" as "governor").

The Argos steps are derived from the packages the Argos index really has
(:data:`argos_index.PUBLIC_PACKAGES`, the one place that lists them): a
language whose pairs are not there (Serbian in both scripts, Croatian,
Bosnian, Montenegrin) has no machine route, and its hint says that a human
translation is needed. Adding a pair there adds its routes and hints.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from b40news import languages
from b40news.translation import argos_index

if TYPE_CHECKING:
    from b40news.translation.engines.base import Engine

TIERS = ("human", "good", "gist")  # best first

APERTIUM_PACKAGES = {("bg", "mk"): "apertium-mkd-bul", ("mk", "en"): "apertium-mkd-eng"}


@dataclass(frozen=True)
class Step:
    engine: str
    source: str
    target: str

    def label(self) -> str:
        return f"{self.engine}:{self.source}-{self.target}"


@dataclass(frozen=True)
class Route:
    steps: tuple[Step, ...]
    tier: str

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"unknown tier {self.tier!r}; tiers are {TIERS}")

    def label(self) -> list[str]:
        return [step.label() for step in self.steps] or [self.tier]


HUMAN = Route((), "human")  # a stored human translation; the pipeline never runs it


def _argos(*codes: str) -> tuple[Step, ...]:
    return tuple(Step("argos", a, b) for a, b in zip(codes, codes[1:]))


_BG_MK = Step("apertium", "bg", "mk")
_MK_EN = Step("apertium", "mk", "en")


def _argos_routes(code: str, pairs: Collection[tuple[str, str]]) -> tuple[Route, ...]:
    """Direct bg→X, else bg→en→X, else a gist through Apertium's English: those the pairs allow."""
    base = languages.get(code).base
    routes = [Route(_argos("bg", base), "good")] if ("bg", base) in pairs else []
    if ("en", base) in pairs:
        if ("bg", "en") in pairs:
            routes.append(Route(_argos("bg", "en", base), "good"))
        routes.append(Route((_BG_MK, _MK_EN, Step("argos", "en", base)), "gist"))
    if base == "sr":  # Argos writes Serbian in Latin letters: the reader's script is a step
        routes = [Route(r.steps + (Step("serbian-script", "sr", code),), r.tier) for r in routes]
    return tuple(routes)


def build_routes(argos_pairs: Collection[tuple[str, str]] = argos_index.PUBLIC_PAIRS
                 ) -> dict[str, tuple[Route, ...]]:
    """Every target's routes, best first, for the Argos pairs an index offers."""
    routes = {code: _argos_routes(code, argos_pairs) for code in languages.TARGETS}
    routes["mk"] = (Route((_BG_MK,), "good"),)
    routes["en"] += (Route((_BG_MK, _MK_EN), "gist"),)  # after Argos' direct bg→en
    return routes


DEFAULT_ROUTES: Mapping[str, tuple[Route, ...]] = build_routes()


@dataclass(frozen=True)
class Choice:
    target: str
    route: Route | None
    reason: str  # when route is None: what to do about it


def step_ready(step: Step, engines: Mapping[str, Engine]) -> bool:
    engine = engines.get(step.engine)
    return engine is not None and engine.is_available() and engine.supports(step.source, step.target)


def choose_route(target: str, engines: Mapping[str, Engine],
                 routes: Mapping[str, tuple[Route, ...]] = DEFAULT_ROUTES) -> Choice:
    """The first route whose every step's engine is available and has the pair."""
    language = languages.get(target)
    candidates = routes.get(language.code, ())
    ready: dict[Step, bool] = {}
    for route in candidates:
        for step in route.steps:
            if step not in ready:
                ready[step] = step_ready(step, engines)
        if route.steps and all(ready[step] for step in route.steps):
            return Choice(language.code, route, f"{route.tier} route {' → '.join(route.label())}")
    return Choice(language.code, None, _missing_reason(language, candidates, ready))


def _missing_reason(language: languages.Language, candidates, ready: dict[Step, bool]) -> str:
    head = f"no engine translates Bulgarian into {language.name}"
    human = f"b40news submit-translation ID --language {language.code} FILE"
    runnable = [route for route in candidates if route.steps]
    if not runnable:
        return f"{head}: no machine translation exists for it, a human translation is needed: {human}"

    def unknown(route: Route) -> int:  # Argos steps the public index lacks: nothing to install
        return sum(not ready[s] and s.engine == "argos" and not _public(s) for s in route.steps)

    best = min(runnable, key=lambda r: (unknown(r) > 0, TIERS.index(r.tier),
                                        sum(not ready[s] for s in r.steps)))
    missing = [step for step in best.steps if not ready[step]]
    fixes = []
    argos = [step for step in missing if step.engine == "argos"]
    if argos and all(_public(s) for s in argos):
        codes = " ".join(f"{s.source}:{s.target}" for s in argos)
        files = " ".join(argos_index.file_name(s.source, s.target) for s in argos)
        fixes.append(f"b40news models download {codes}, or with the files copied here: "
                     f"b40news models install {files}")
    elif argos:
        names = ", ".join(f"{s.source}:{s.target}" for s in argos if not _public(s))
        fixes = [f"the public Argos index has no {names} package, so there is nothing to install"]
    apertium = [APERTIUM_PACKAGES.get((s.source, s.target), f"apertium data for {s.source}-{s.target}")
                for s in missing if s.engine == "apertium"]
    if apertium:
        fixes.append("apt-get install apertium " + " ".join(apertium))
    others = [s.label() for s in missing if s.engine not in ("argos", "apertium")]
    if others:
        fixes.append("enable the engine for " + ", ".join(others))
    return (f"{head} here ({best.tier} route {' → '.join(best.label())} needs "
            f"{', '.join(s.label() for s in missing)}): {'; '.join(fixes)}; or submit a human translation: {human}")


def _public(step: Step) -> bool:
    return (step.source, step.target) in argos_index.PUBLIC_PAIRS
