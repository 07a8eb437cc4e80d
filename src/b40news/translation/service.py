"""Translate a stored release: protect, route, translate, restore, verify, store."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from b40news import instruments, languages
from b40news.glossary import review
from b40news.glossary.current import current_glossary
from b40news.glossary.entries import Glossary
from b40news.glossary.forms import source_form
from b40news.glossary.names import detect_names
from b40news.releases.models import Release, Translation
from b40news.text.protect import Protected, Span, protect, restore
from b40news.text.scripts import transliterate
from b40news.text.titles import TITLE_MAX_CHARS
from b40news.text.segment import segment
from b40news.translation.engines import build_engines
from b40news.translation.memory import DatabaseMemory
from b40news.translation.pipeline import LanguageResult, translate_segments

Status = Translation.Status
_engines_lock = threading.Lock()
_engines: dict | None = None


def engines(*, reload: bool = False) -> dict:
    """The engines of this process, loaded once (models are heavy), reloadable."""
    global _engines
    with _engines_lock:
        if _engines is None or reload:
            _engines = build_engines(
                apertium_bin=settings.APERTIUM_BIN,
                apertium_lexicon_dir=settings.APERTIUM_LEXICON_DIR,
                argos_packages_dir=settings.ARGOS_PACKAGES_DIR,
                argos_device=settings.ARGOS_DEVICE,
                argos_compute_type=settings.ARGOS_COMPUTE_TYPE,
                argos_beam_size=settings.ARGOS_BEAM_SIZE,
                argos_threads=settings.ARGOS_THREADS,
            )
        return _engines


@dataclass(frozen=True)
class Prepared:
    """A release's text cut into protected segments (segment 0 is the title)."""

    sources: tuple[str, ...]
    protected: tuple[Protected, ...]
    layout: object


def prepare(title: str, body: str, glossary: Glossary) -> Prepared:
    segmented = segment(body)
    sources = (title, *segmented.segments)
    protected = []
    for source in sources:
        matches = glossary.find(source)
        terms = [(m.start, m.end, "term", m.entry_id) for m in matches]
        terms += [(n.start, n.end, "name", None) for n in detect_names(source, matches)]
        protected.append(with_forms(protect(source, terms), source, matches, glossary))
    return Prepared(sources=sources, protected=tuple(protected), layout=segmented)


def with_forms(protected: Protected, source: str, matches, glossary: Glossary) -> Protected:
    """Each term span with the grammatical form its Bulgarian stands in (:mod:`glossary.forms`)."""
    pending: dict[tuple[str, str], list[str]] = {}
    for match in matches:
        surfaces = glossary.get(match.entry_id).surfaces if match.entry_id in glossary else ()
        form = source_form(source, match.start, match.end, surfaces)
        pending.setdefault((source[match.start:match.end], match.entry_id), []).append(form)
    spans = []
    for span in protected.spans:
        forms = pending.get((span.source, span.key or "")) if span.kind == "term" else None
        spans.append(dataclasses.replace(span, form=forms.pop(0)) if forms else span)
    return Protected(protected.text, tuple(spans))


def _replacement(span: Span, language: str, glossary: Glossary) -> str:
    if span.kind == "term" and span.key:
        target = glossary.get(span.key).target(language, span.form)
        # A term written with a capital (a sentence's first word) keeps it.
        if span.source[:1].isupper() and target[:1].islower():
            return target[:1].upper() + target[1:]
        return target
    if span.kind == "name":
        return transliterate(span.source, language)
    return span.source


@dataclass(frozen=True)
class TermCheck:
    required: int
    satisfied: int
    missing: list[str]
    flags: list[str]
    questions: tuple[str, ...] = ()  # a person's text: terms worded otherwise than the glossary


def check_terms(spans, target: str, language: str, glossary: Glossary) -> TermCheck:
    """Every glossary term of the source must stand in the target as approved."""
    required, satisfied, missing, flags = 0, 0, [], []
    for span in spans:
        if span.kind != "term":
            continue
        required += 1
        wanted = _replacement(span, language, glossary)
        forms = glossary.get(span.key).forms(language) if span.key in glossary else []
        if any(form.casefold() in target.casefold() for form in [wanted, *forms] if form):
            satisfied += 1
        else:
            missing.append(wanted)
            flags.append(f"glossary: {wanted!r} ({span.key}) missing from the output")
    return TermCheck(required, satisfied, missing, flags)


def check_human_terms(spans, target: str, language: str, glossary: Glossary) -> TermCheck:
    """The glossary check of a person's text: a term counts in any inflected form
    (`glossary.inflected`: "Zagrebu", "Grada Sofije"); a term still not found is a
    terminology question for the reviewer (``questions``), not a flag."""
    from b40news.glossary.inflected import contains

    required, satisfied, questions = 0, 0, []
    for span in spans:
        if span.kind != "term":
            continue
        required += 1
        wanted = _replacement(span, language, glossary)
        if contains(wanted, target):
            satisfied += 1
        else:
            questions.append(wanted)
    return TermCheck(required, satisfied, [], [], tuple(questions))


def finish(prepared: Prepared, result: LanguageResult, glossary: Glossary, human: dict[str, str]) -> dict:
    """Restore spans, apply human memory, verify glossary terms: the Translation's fields."""
    code = result.language
    segments, required, satisfied, missing, questions = [], 0, 0, [], []
    for index, (source, protected) in enumerate(zip(prepared.sources, prepared.protected, strict=True)):
        machine = result.segments[index] if result.segments else None
        flags = list(machine.flags) if machine else []
        if source in human:
            target, flags, from_memory = human[source], [], True
        elif machine is None:
            continue
        else:
            replacements = {span.token: _replacement(span, code, glossary) for span in protected.spans}
            restored = restore(machine.target, protected.spans, replacements)
            target, from_memory = restored.text, machine.from_memory
            flags += [f"placeholder-lost: {span.source!r} was dropped by the engine" for span in restored.missing]
            flags += [f"placeholder-duplicated: {span.source!r}" for span in restored.duplicated]
        # A person's text from the memory is read as human text: inflected terms count.
        check = (check_human_terms if source in human else check_terms)(protected.spans, target, code, glossary)
        required, satisfied = required + check.required, satisfied + check.satisfied
        missing += check.missing
        questions += check.questions
        flags += check.flags
        segments.append({"source": source, "target": target, "from_memory": from_memory, "flags": flags,
                         **({"questions": list(check.questions)} if check.questions else {})})
    fields = {
        "route": result.route,
        "tier": result.tier or "",
        "reason": result.reason,
        "glossary_version": glossary.version,
        "glossary_report": {"required": required, "satisfied": satisfied, "missing": missing,
                            **({"questions": questions} if questions else {})},
        "segments": segments,
    }
    if result.status == "translated" and segments:
        fields.update(
            status=Status.TRANSLATED,
            title=_bounded_title(segments[0]),
            text=prepared.layout.join([s["target"] for s in segments[1:]]),
        )
    else:
        fields.update(status=Status.NO_ENGINE if result.status == "no_engine" else Status.FAILED, title="", text="")
    return fields


def _bounded_title(title_segment: dict) -> str:
    """The machine's title, cut to the column's length when longer, and then flagged for a person."""
    title = title_segment["target"]
    if len(title) <= TITLE_MAX_CHARS:
        return title
    title_segment["flags"] = [
        *title_segment.get("flags", []),
        f"title-too-long: {len(title)} characters, at most {TITLE_MAX_CHARS}: shorten the title",
    ]
    return title[: TITLE_MAX_CHARS - 1].rstrip() + "…"


def translate_release(release: Release, codes: Sequence[str], *, force: bool = False) -> list[Translation]:
    """Translate into ``codes``; approved translations are kept unless ``force``."""
    from b40news.releases import workflow

    workflow.store_source(release)
    wanted = [languages.get(code).code for code in codes if languages.get(code).code != languages.SOURCE]
    if not force:
        approved = set(
            release.translations.filter(status=Status.APPROVED).values_list("language__code", flat=True)
        )
        wanted = [code for code in wanted if code not in approved]
    if not wanted:
        return []
    glossary = current_glossary()
    prepared = prepare(release.title, release.body, glossary)
    # Names the glossary does not know yet go to the admins as proposals.
    review.propose_detected_names(
        [span for p in prepared.protected for span in p.spans], source="name-detector", release_id=release.pk
    )
    with instruments.translation_timer():
        results = translate_segments(
            [p.text for p in prepared.protected],
            wanted,
            engines(),
            memory=DatabaseMemory(),
            glossary_version=glossary.version,
            flagged_share_limit=settings.FLAGGED_SHARE_LIMIT,
        )
    return store_with_drafts(release, prepared, glossary, {
        code: finish(prepared, results[code], glossary, {}) for code in wanted
    })


def store_with_drafts(release: Release, prepared: Prepared, glossary: Glossary,
                      machine: dict[str, dict]) -> list[Translation]:
    """Machine output plus drafts for every segment it leaves empty, stored through the workflow.

    Human memory comes in here (not in ``finish``): this release's own corrections
    stay as edits, earlier releases' approved work is a ``memory`` draft
    (:mod:`prefill`). A language no engine reaches is drafted from memory and its
    reviewed siblings; English comes from reviewed Macedonian where that applies.
    """
    from b40news.releases import workflow
    from b40news.translation.prefill import Context, english_applies, english_fields

    context = Context(release, prepared, glossary)
    fields: dict[str, dict] = {}
    for code, made in machine.items():
        if code == "en" and made["route"] == ["apertium:bg-mk", "apertium:mk-en"] and english_applies(context):
            derived = english_fields(context)
            if derived is not None:
                fields[code] = derived
                continue
        fields[code] = context.language_fields(code, machine=made)
    by_machine = {code: f for code, f in fields.items()
                  if machine[code]["status"] in (Status.TRANSLATED, Status.FAILED) and machine[code]["segments"]
                  or f["route"] == ["reviewed:mk", "apertium:mk-en"]}
    drafted = {code: f for code, f in fields.items() if code not in by_machine}
    stored = workflow.store_machine_results(release, by_machine) if by_machine else []
    return stored + (workflow.store_drafts(release, drafted) if drafted else [])
