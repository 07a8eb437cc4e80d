"""Translate a release's segments into many languages at once (pure: no Django).

The integrator calls :func:`translate_segments` from a Celery task with the
source segments already protected (placeholders ``⟦n⟧`` in them). For each
target a route is chosen (:func:`routes.choose_route`); then

* the translation memory is asked first, one key per segment and language
  (:func:`memory_key`); hits skip the engines entirely;
* every distinct step PREFIX runs once, on the union of segments any target
  still needs: ``argos:bg-en`` once for English and every ``en→X``,
  ``apertium:bg-mk`` once for Macedonian and English-through-Macedonian;
* placeholders an engine lost, repeated or renumbered are repaired (by the
  engine along its alignment, else here by position: :mod:`b40news.text.repair`)
  and every repair is flagged;
* outputs are cleaned (Bulgarian leftovers transliterated) and flagged
  (:mod:`quality`); a language with too many segments that failed the
  checks (:data:`quality.FAILURE_CODES`) is "failed" but keeps its segments
  for review; an engine error fails only the languages whose route uses that
  step.

Machine output is remembered with its flags, so a hit carries the same
warnings to review as the first run did, and a second run of a release makes
no engine call at all.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from b40news import languages
from b40news.text.repair import Fix, repair
from b40news.translation import quality
from b40news.translation.engines.base import Engine, EngineError, needs_translation
from b40news.translation.routes import DEFAULT_ROUTES, Route, Step, choose_route


VERSIONS_MAX = 200  # MemoryItem.engine_version is stored in a 200-character column


@dataclass(frozen=True)
class MemoryItem:
    source: str
    target: str
    language: str
    route: str
    engine_version: str
    glossary_version: str
    flags: tuple[str, ...] = ()


class Memory(Protocol):
    def lookup(self, keys: Sequence[str]) -> Mapping[str, MemoryItem]: ...

    def store(self, items: Mapping[str, MemoryItem]) -> None: ...


def normalise_source(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def memory_key(source: str, language: str, route: Route, engine_versions: str,
               glossary_version: str) -> str:
    parts = [normalise_source(source), language, " ".join(route.label()), engine_versions,
             glossary_version]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass
class SegmentResult:
    source: str
    target: str
    from_memory: bool
    flags: list[str] = field(default_factory=list)  # "code: reason"


@dataclass
class LanguageResult:
    language: str
    status: str  # "translated" | "no_engine" | "failed"
    route: list[str]
    tier: str | None
    segments: list[SegmentResult]
    reason: str = ""

    @property
    def flagged(self) -> int:
        return sum(1 for segment in self.segments if segment.flags)


Prefix = tuple[Step, ...]


@dataclass(frozen=True)
class _Done:
    """One segment's output after a step prefix, with what every step marked or repaired."""

    text: str
    unknown: tuple[str, ...]
    repairs: tuple[Fix, ...]


class _Prefixes:
    """Runs each step prefix once over the union of segments that need it."""

    def __init__(self, engines: Mapping[str, Engine]) -> None:
        self.engines = engines
        self.needed: dict[Prefix, dict[str, None]] = {}  # ordered sets of sources
        self.done: dict[Prefix, dict[str, _Done]] = {}
        self.errors: dict[Prefix, str] = {}

    def want(self, steps: Prefix, sources: Sequence[str]) -> None:
        if not sources:
            return
        for length in range(1, len(steps) + 1):
            self.needed.setdefault(steps[:length], {}).update(dict.fromkeys(sources))

    def run(self) -> None:
        for prefix in sorted(self.needed, key=len):
            parent, step = prefix[:-1], prefix[-1]
            if parent in self.errors:
                self.errors[prefix] = self.errors[parent]
                continue
            sources = list(self.needed[prefix])
            before = self.done.get(parent, {})
            inputs = [before[s].text if parent else s for s in sources]
            try:
                outputs = self.engines[step.engine].translate_detailed(inputs, step.source, step.target)
            except EngineError as error:
                self.errors[prefix] = f"{step.label()}: {error}"
                continue
            self.done[prefix] = {
                source: _Done(out.text, (before[source].unknown if parent else ()) + out.unknown,
                              (before[source].repairs if parent else ()) + out.repairs)
                for source, out in zip(sources, outputs)
            }


@dataclass
class _Plan:
    route: Route
    versions: str  # the steps' engine versions, as stored in the memory
    keys: dict[str, str]  # source -> memory key
    found: dict[str, MemoryItem] = field(default_factory=dict)  # source -> remembered output


def translate_segments(
    segments: Sequence[str],
    targets: Sequence[str],
    engines: Mapping[str, Engine],
    *,
    memory: Memory | None = None,
    glossary_version: str = "",
    routes: Mapping[str, tuple[Route, ...]] = DEFAULT_ROUTES,
    flagged_share_limit: float = 0.5,
) -> dict[str, LanguageResult]:
    results: dict[str, LanguageResult] = {}
    plans: dict[str, _Plan] = {}
    versions: dict[Step, str] = {}
    texts = [s for s in dict.fromkeys(segments) if needs_translation(s)]
    order = list(dict.fromkeys(languages.get(t).code for t in targets))
    for target in order:
        choice = choose_route(target, engines, routes)
        if choice.route is None:
            results[target] = LanguageResult(target, "no_engine", [], None, [], choice.reason)
            continue
        route = choice.route
        try:
            for step in route.steps:
                if step not in versions:
                    versions[step] = engines[step.engine].pair_version(step.source, step.target)
        except Exception as error:  # a version we cannot read is an engine failure
            results[target] = _failed(target, route, f"{step.label()}: version: {error}")
            continue
        joined = " ".join(versions[step] for step in route.steps)
        if len(joined) > VERSIONS_MAX:  # fits the memory table's column
            joined = "sha256:" + hashlib.sha256(joined.encode()).hexdigest()
        keys = {s: memory_key(s, target, route, joined, glossary_version) for s in texts}
        plans[target] = _Plan(route, joined, keys)

    all_keys = list(dict.fromkeys(k for plan in plans.values() for k in plan.keys.values()))
    hits = dict(memory.lookup(all_keys)) if memory is not None and all_keys else {}
    prefixes = _Prefixes(engines)
    for plan in plans.values():
        plan.found = {s: hits[k] for s, k in plan.keys.items() if k in hits}
        prefixes.want(plan.route.steps, [s for s in texts if s not in plan.found])
    prefixes.run()

    fresh: dict[str, MemoryItem] = {}
    for target, plan in plans.items():
        if plan.route.steps in prefixes.errors:
            results[target] = _failed(target, plan.route, prefixes.errors[plan.route.steps])
            continue
        results[target] = _finish(segments, target, plan, prefixes.done.get(plan.route.steps, {}),
                                  glossary_version, flagged_share_limit, fresh)
    if memory is not None and fresh:
        memory.store(fresh)
    return {target: results[target] for target in order}


def _finish(segments: Sequence[str], target: str, plan: _Plan, done: Mapping[str, _Done],
            glossary_version: str, limit: float, fresh: dict[str, MemoryItem]) -> LanguageResult:
    """Clean and flag one language's segments; collect new output for the memory."""
    rows = []
    for source in segments:
        if source in plan.found:
            item = plan.found[source]
            rows.append(SegmentResult(source, item.target, True, list(item.flags)))
        elif source in done:
            step = done[source]
            fixed = repair(source, step.text)  # what the engines' alignment left: by position
            text, notes = quality.clean_segment(fixed.text, target, step.unknown)
            flags = [str(f) for f in quality.repair_flags(step.repairs + fixed.fixes)
                     + quality.check_segment(source, fixed.text, target, step.unknown) + notes]
            rows.append(SegmentResult(source, text, False, flags))
            fresh[plan.keys[source]] = MemoryItem(source, text, target, " ".join(plan.route.label()),
                                                  plan.versions, glossary_version, tuple(flags))
        else:  # nothing to translate: blank, numbers, lone placeholders
            rows.append(SegmentResult(source, source, False, []))
    result = LanguageResult(target, "translated", plan.route.label(), plan.route.tier, rows)
    countable = sum(1 for row in rows if needs_translation(row.source))
    failing = sum(1 for row in rows if quality.failed(row.flags))
    if countable and failing / countable > limit:
        result.status = "failed"
        result.reason = (f"{failing} of {countable} segments failed the quality checks, more than "
                         f"{limit:.0%}: this route is not usable for this text; review it, or "
                         "supply a human translation")
    return result


def _failed(target: str, route: Route, reason: str) -> LanguageResult:
    return LanguageResult(target, "failed", route.label(), route.tier, [], reason)
