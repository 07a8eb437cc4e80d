"""Translate a Bulgarian document that is not a stored release (``b40news translate``).

The document has no title: the whole text is the body. It goes through the
same steps as a release (:func:`service.prepare`, :func:`pipeline.translate_segments`
with the database memory, :func:`service.finish`) with an empty title, which
no engine is ever asked to translate, and which is left out of the report.

A language whose every segment has a human translation in the memory is
translated by those alone (tier ``human``) and never reaches an engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings

from b40news import languages
from b40news.glossary.current import current_glossary
from b40news.translation.engines.base import Engine, needs_translation
from b40news.translation.memory import DatabaseMemory, human_targets
from b40news.translation.pipeline import LanguageResult, SegmentResult, translate_segments
from b40news.translation.routes import HUMAN
from b40news.translation.service import Prepared, engines as loaded_engines, finish, prepare

NO_TITLE = ""


def translate_document(text: str, codes: Sequence[str], *,
                       engines: Mapping[str, Engine] | None = None) -> dict:
    """The report ``b40news translate --json`` prints: one entry per language.

    ``text`` is decoded (``releases.intake.decode``); ``codes`` are target
    codes (the source language is refused: there is nothing to translate)."""
    wanted = list(dict.fromkeys(languages.get(code).code for code in codes))
    if languages.SOURCE in wanted:
        raise languages.UnknownLanguage(
            f"{languages.SOURCE} is the document's own language: give target languages only")
    glossary = current_glossary()
    prepared = prepare(NO_TITLE, text, glossary)
    human = {code: human_targets(prepared.sources, code) for code in wanted}
    by_human = [code for code in wanted if _covered(prepared, human[code])]
    machine = [code for code in wanted if code not in by_human]
    results = translate_segments(
        [p.text for p in prepared.protected],
        machine,
        loaded_engines() if engines is None else engines,
        memory=DatabaseMemory(),
        glossary_version=glossary.version,
        flagged_share_limit=settings.FLAGGED_SHARE_LIMIT,
    ) if machine else {}
    for code in by_human:
        results[code] = _human_result(prepared, code)
    report = {code: _language(finish(prepared, results[code], glossary, human[code])) for code in wanted}
    return {"source": languages.SOURCE, "segments": len(prepared.sources) - 1, "languages": report}


def _covered(prepared: Prepared, human: dict[str, str]) -> bool:
    body = prepared.sources[1:]
    return any(needs_translation(s) for s in body) and all(
        s in human for s in body if needs_translation(s))


def _human_result(prepared: Prepared, code: str) -> LanguageResult:
    """Every segment as it came: ``finish`` puts the human translations in."""
    passthrough = [SegmentResult(p.text, p.text, False, []) for p in prepared.protected]
    return LanguageResult(code, "translated", HUMAN.label(), HUMAN.tier, passthrough)


def _language(fields: dict) -> dict:
    """``finish``'s Translation fields, as reported (without the empty title)."""
    segments = fields["segments"]
    if segments and segments[0]["source"] == NO_TITLE:
        segments = segments[1:]
    status = str(fields["status"])
    return {
        "status": status,
        "route": list(fields["route"]),
        "quality": {"tier": fields["tier"] or None,
                    "flagged": sum(1 for segment in segments if segment["flags"])},
        "text": fields["text"],
        "segments": segments,
        "glossary": fields["glossary_report"],
        "reason": fields["reason"] or ("" if status == "translated" else "no translation was produced"),
    }
