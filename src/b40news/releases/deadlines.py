"""Planned fallbacks: what a language's subscribers get once the deadline has passed.

A plan maps a waiting language to the language its subscribers get instead
(``{"sq": "en", "bs": "hr", "cnr": "sr-Latn"}``) or to ``"wait"`` (they wait
for their own language, however long it takes). The officer sets it per
release; a city's ``default_fallbacks`` are copied to each new release.
`workflow.apply_deadlines` (Celery beat) carries it out; this module only
reads and checks plans.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

from b40news import languages

WAIT = "wait"


class PlanError(ValueError):
    pass


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``["sq=en", "bs=hr", "mk=wait"]`` (or one string ``"sq=en, bs=hr"``) -> a checked plan."""
    if isinstance(pairs, str):
        pairs = pairs.replace(";", ",").split(",")
    plan = {}
    for pair in pairs:
        if not pair.strip():
            continue
        waiting, sign, fallback = pair.partition("=")
        if not sign or not waiting.strip() or not fallback.strip():
            raise PlanError(_("%(pair)r is not LANGUAGE=FALLBACK (e.g. sq=en, or sq=wait)") % {"pair": pair.strip()})
        plan[waiting.strip()] = fallback.strip()
    return parse_plan(plan)


def parse_plan(plan: Mapping[str, str] | None) -> dict[str, str]:
    """A plan with the network's codes; refused when a language is unknown, falls back to itself
    or is the source (the original needs no fallback)."""
    if plan is None:
        return {}
    if not isinstance(plan, Mapping):
        raise PlanError(_('expected a mapping of language to fallback, e.g. {"sq": "en"}'))
    checked = {}
    for waiting, fallback in plan.items():
        try:
            waiting_code = languages.get(str(waiting)).code
            fallback_code = WAIT if str(fallback).strip().lower() == WAIT else languages.get(str(fallback)).code
        except languages.UnknownLanguage as exc:
            raise PlanError(str(exc)) from None
        if waiting_code == languages.SOURCE:
            raise PlanError(_("%(code)s is the original: it needs no fallback") % {"code": waiting_code})
        if waiting_code == fallback_code:
            raise PlanError(_("%(code)s cannot fall back to itself") % {"code": waiting_code})
        checked[waiting_code] = fallback_code
    return checked


def describe(plan: Mapping[str, str]) -> str:
    """``"bs→hr, sq→en, mk: wait"``, or "" for no plan."""
    return ", ".join(f"{code}: {WAIT}" if fallback == WAIT else f"{code}→{fallback}"
                     for code, fallback in sorted(plan.items()))


def as_pairs(plan: Mapping[str, str]) -> str:
    """``"bs=hr, mk=wait, sq=en"``: what `parse_pairs` reads back."""
    return ", ".join(f"{code}={fallback}" for code, fallback in sorted(plan.items()))
