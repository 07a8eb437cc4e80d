"""Which engines, in which order, bring Bulgarian into each network language.

A route is a chain of steps; each step is one engine call on one pair of BASE
codes (``Step("apertium", "bg", "mk")``). Pivots are separate steps so the
pipeline can share them: ``bg→en`` is computed once for every ``en→X``, and
``bg→mk`` once for Macedonian and for English-through-Macedonian.

Tiers, best first: ``human`` (stored by the integrator, never chosen here),
``good`` (publishable machine translation), ``gist`` (the sense, not the
style: e.g. Apertium's bg→mk→en, which renders "кмет" as "governor").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from b40news import languages
from b40news.translation.argos_models import package_file_name

if TYPE_CHECKING:
    from b40news.translation.engines.base import Engine

TIERS = ("human", "good", "gist")  # best first

# Pairs the public Argos package index offers (checked 2025; en:sr per the measured notes).
PUBLIC_ARGOS_PAIRS = frozenset({("bg", "en"), ("en", "bg"), ("en", "el"), ("en", "tr"),
                                ("en", "sq"), ("en", "ro"), ("en", "sl"), ("en", "sr")})
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


def _through_english(base: str) -> tuple[Route, ...]:
    """Direct Argos bg→X if installed, else bg→en→X; a gist via Apertium's English."""
    return (
        Route(_argos("bg", base), "good"),
        Route(_argos("bg", "en", base), "good"),
        Route((_BG_MK, _MK_EN, Step("argos", "en", base)), "gist"),
    )


def _serbian(code: str) -> tuple[Route, ...]:
    script = Step("serbian-script", "sr", code)
    return tuple(Route(route.steps + (script,), route.tier) for route in _through_english("sr"))


DEFAULT_ROUTES: Mapping[str, tuple[Route, ...]] = {
    "en": (Route(_argos("bg", "en"), "good"), Route((_BG_MK, _MK_EN), "gist")),
    "mk": (Route((_BG_MK,), "good"),),
    **{code: _through_english(code) for code in ("el", "tr", "sq", "ro", "sl")},
    "sr-Latn": _serbian("sr-Latn"),
    "sr-Cyrl": _serbian("sr-Cyrl"),
    # No default engine: only an Argos package the network installs itself.
    **{code: (Route(_argos("bg", code), "good"), Route(_argos("bg", "en", code), "good"))
       for code in ("hr", "bs", "cnr")},
}


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
    human = (f"submit a human translation with "
             f"b40news submit-translation ID --language {language.code} FILE")
    runnable = [route for route in candidates if route.steps]
    if not runnable:
        return f"{head}: {human}"

    def private(route: Route) -> int:
        return sum(not ready[s] and s.engine == "argos" and not _public(s) for s in route.steps)

    best = min(runnable, key=lambda r: (TIERS.index(r.tier), private(r),
                                        sum(not ready[s] for s in r.steps)))
    missing = [step for step in best.steps if not ready[step]]
    fixes = []
    argos = [step for step in missing if step.engine == "argos"]
    files = " ".join(package_file_name(s.source, s.target) for s in argos)
    if argos and all(_public(s) for s in argos):
        codes = " ".join(f"{s.source}:{s.target}" for s in argos)
        fixes.append(f"b40news models download {codes} (or b40news models install {files})")
    elif argos:
        names = ", ".join(f"{s.source}:{s.target}" for s in argos if not _public(s))
        fixes.append(f"the public Argos index has no {names} package; install one if the "
                     f"network has it: b40news models install {files}")
    apertium = [APERTIUM_PACKAGES.get((s.source, s.target), f"apertium data for {s.source}-{s.target}")
                for s in missing if s.engine == "apertium"]
    if apertium:
        fixes.append("apt-get install apertium " + " ".join(apertium))
    others = [s.label() for s in missing if s.engine not in ("argos", "apertium")]
    if others:
        fixes.append("enable the engine for " + ", ".join(others))
    return (f"{head} here ({best.tier} route {' → '.join(best.label())} needs "
            f"{', '.join(s.label() for s in missing)}): {'; '.join(fixes)}; or {human}")


def _public(step: Step) -> bool:
    return (step.source, step.target) in PUBLIC_ARGOS_PAIRS
