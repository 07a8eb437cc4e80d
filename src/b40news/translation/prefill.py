"""Pre-fill the segments of a release nobody has written yet, from what people already reviewed.

Runs when a release is translated (``service.translate_release``) and again
when a language is approved (the ``prefill_drafts`` task, enqueued by
``workflow.approve``): a reviewed Croatian text then starts Bosnian,
Montenegrin and Serbian, a reviewed Serbian one the other script, and a
reviewed Macedonian one English (Apertium mk→en instead of bg→mk→en).
Segments a person wrote (state ``edited`` or ``reviewed``) are never replaced;
approved, sent and human-uploaded languages are left alone. What is found is
stored through ``workflow.store_drafts``. The choice between candidates and
the segment format are :mod:`drafts`' (plain Python).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

from b40news import languages
from b40news.glossary.entries import Glossary
from b40news.releases.models import Release, Translation
from b40news.text.protect import protect, restore
from b40news.text.segment import segment
from b40news.translation import drafts, siblings
from b40news.translation.drafts import Candidate
from b40news.translation.engines.base import needs_translation
from b40news.translation.fuzzy import best_matches
from b40news.translation.memory import approved_human, human_entries

Status = Translation.Status
MK_EN = ("reviewed:mk", "apertium:mk-en")
APERTIUM_EN = ["apertium:bg-mk", "apertium:mk-en"]


def reviewed(translation: Translation | None) -> bool:
    """Approved, uploaded by a person, or every segment written or accepted by one."""
    if translation is None or not translation.segments and translation.route != ["human"]:
        return False
    return (translation.status == Status.APPROVED or translation.route == ["human"]
            or all(drafts.is_human(s) for s in translation.segments))


def sentence_pairs(translation: Translation, sources: Sequence[str]) -> dict[str, str]:
    """Source sentence -> target sentence of a translation, for the release's ``sources``.

    Sentence-segmented translations map directly. A human upload is aligned by
    paragraph: a paragraph whose target splits into as many sentences as its
    source gives them one by one; others only as a whole (when a whole
    paragraph is one segment)."""
    wanted = set(sources)
    pairs: dict[str, str] = {}
    for item in translation.segments:
        source, target = item.get("source", ""), item.get("target", "")
        if not target:
            continue
        if source in wanted:
            pairs[source] = target
            continue
        parts, translated = segment(source).segments, segment(target).segments
        if len(parts) == len(translated):
            pairs.update((s, t) for s, t in zip(parts, translated) if s in wanted)
    return pairs


def _entries_with_reviewer(code: str, release_id: int) -> list:
    return list(approved_human(code, exclude_release=release_id).select_related("reviewer"))


def _reviewer(entry) -> str | None:
    return entry.reviewer.get_username() if entry.reviewer_id else None


class Context:
    """What drafts of one release are made from, each part loaded once."""

    def __init__(self, release: Release, prepared, glossary: Glossary, *,
                 threshold: float | None = None) -> None:
        self.release, self.prepared, self.glossary = release, prepared, glossary
        self.sources: list[str] = list(prepared.sources)
        self.threshold = settings.FUZZY_THRESHOLD if threshold is None else threshold
        self.translations = {t.language.code: t for t in release.translations.select_related("language")}
        self._exact: dict[str, dict] = {}
        self._own: dict[str, dict] = {}
        self._fuzzy: dict[str, list] = {}
        self._reviewed: dict[str, dict[str, str] | None] = {}

    def exact(self, code: str) -> dict:
        if code not in self._exact:
            self._exact[code] = human_entries(self.sources, code, approved_only=True,
                                              exclude_release=self.release.pk)
        return self._exact[code]

    def own(self, code: str) -> dict:
        """This release's own human entries: a person's corrections, to keep."""
        if code not in self._own:
            self._own[code] = human_entries(self.sources, code, only_release=self.release.pk)
        return self._own[code]

    def fuzzy(self, code: str, index: int) -> Candidate | None:
        if code not in self._fuzzy:
            entries = _entries_with_reviewer(code, self.release.pk)
            seen, unique = set(), []
            for entry in entries:  # newest first: the latest version of each source
                if entry.source not in seen:
                    seen.add(entry.source)
                    unique.append(entry)
            matches = best_matches(self.sources, [e.source for e in unique], threshold=self.threshold)
            self._fuzzy[code] = [None if m is None else (m, unique[m.index]) for m in matches]
        found = self._fuzzy[code][index]
        if found is None:
            return None
        match, entry = found
        return Candidate("fuzzy", entry.target, entry.release_id, match.score, match.diff,
                         extra=(("source", entry.source), ("reviewer", _reviewer(entry))))

    def reviewed_targets(self, code: str) -> dict[str, str] | None:
        if code not in self._reviewed:
            translation = self.translations.get(code)
            self._reviewed[code] = (sentence_pairs(translation, self.sources)
                                    if reviewed(translation) else None)
        return self._reviewed[code]

    def terms(self, source: str, from_code: str, to_code: str) -> list[tuple[str, str]]:
        pairs = []
        for match in self.glossary.find(source):
            entry = self.glossary.get(match.entry_id)
            try:
                pairs.append((entry.target(from_code), entry.target(to_code)))
            except KeyError:
                continue
        return pairs

    # -- candidates --------------------------------------------------------------------

    def candidates(self, code: str, index: int, machine: Candidate | None) -> list[Candidate]:
        source = self.sources[index]
        found: list[Candidate] = []
        entry = self.exact(code).get(source)
        if entry is not None:
            found.append(Candidate("memory", entry.target, entry.release_id, 100.0,
                                   extra=(("reviewer", _reviewer(entry)),)))
        if siblings.in_family(code):
            found += self._siblings(code, source)
        fuzzy = self.fuzzy(code, index)
        if fuzzy is not None:
            found.append(fuzzy)
        if machine is not None:
            found.append(machine)
        return found

    def _siblings(self, code: str, source: str) -> list[Candidate]:
        found = []
        for order, other in enumerate(siblings.PREFERENCE[code]):
            text, extra, rank = None, (), order
            pairs = self.reviewed_targets(other)
            if pairs and source in pairs:
                text = pairs[source]
            else:
                entry = self.exact(other).get(source)
                if entry is not None:  # reviewed in an earlier release
                    text, extra, rank = entry.target, (("release", entry.release_id),), 10 + order
            if text:
                converted = siblings.convert(text, other, code, terms=self.terms(source, other, code))
                found.append(Candidate(converted.kind, converted.text, other,
                                       diff=tuple(c.as_dict() for c in converted.changes),
                                       order=rank, extra=extra))
        return found

    # -- one language ------------------------------------------------------------------

    def language_fields(self, code: str, *, machine: dict | None = None,
                        derived: list[Candidate | None] | None = None) -> dict:
        """The Translation fields of ``code`` with every unwritten segment drafted.

        ``machine``: the fields ``service.finish`` made from an engine's output;
        ``derived``: per segment, a machine candidate made another way (English
        from reviewed Macedonian)."""
        from b40news.translation.service import _bounded_title, check_human_terms, check_terms

        current = self.translations.get(code)
        current_segments = current.segments if current is not None and \
            [s.get("source") for s in current.segments] == self.sources else []
        glossary_moved = current is not None and current.glossary_version != self.glossary.version
        machine_segments = {s["source"]: s for s in (machine or {}).get("segments", [])}
        route = " → ".join((machine or {}).get("route") or [])
        own = self.own(code)
        segments, required, satisfied, missing, questions = [], 0, 0, [], []
        for index, (source, protected) in enumerate(zip(self.sources, self.prepared.protected, strict=True)):
            existing = current_segments[index] if current_segments else None
            if existing is not None and drafts.is_human(existing):
                item = dict(existing)
                if glossary_moved:  # the glossary changed under a person's text: ask about what it wants now
                    item["questions"] = list(check_human_terms(protected.spans, item["target"], code,
                                                               self.glossary).questions)
            elif source in own:
                item = drafts.edited_segment({"source": source, "draft": None}, own[source].target)
                item["from_memory"] = True
            elif not needs_translation(protected.text):
                replacements = {span.token: _replacement(span, code, self.glossary) for span in protected.spans}
                item = drafts.drafted_segment(source, [Candidate(
                    "copy", restore(protected.text, protected.spans, replacements).text, None)])
            else:
                machine_candidate = None
                if derived is not None and derived[index] is not None:
                    machine_candidate = derived[index]
                elif source in machine_segments:
                    made = machine_segments[source]
                    machine_candidate = Candidate("machine", made["target"], route, flags=_own_flags(made))
                elif existing is not None and drafts.kind_of(existing) == "machine":
                    machine_candidate = Candidate("machine", existing["target"],
                                                  (existing.get("draft") or {}).get("from"), flags=_own_flags(existing))
                item = drafts.drafted_segment(source, self.candidates(code, index, machine_candidate))
                if item["target"] and drafts.worded_by_people(item):
                    item["questions"] = list(check_human_terms(protected.spans, item["target"], code,
                                                               self.glossary).questions)
                elif item["target"]:
                    item["flags"] += check_terms(protected.spans, item["target"], code, self.glossary).flags
            if item["target"]:
                check = (check_human_terms if drafts.worded_by_people(item) else check_terms)(
                    protected.spans, item["target"], code, self.glossary)
                required, satisfied, missing = (required + check.required, satisfied + check.satisfied,
                                                missing + check.missing)
                questions += check.questions
            segments.append(item)
        report = {"required": required, "satisfied": satisfied, "missing": missing,
                  **({"questions": questions} if questions else {})}
        return self._fields(code, segments, machine, report, _bounded_title)

    def _fields(self, code: str, segments: list[dict], machine: dict | None, report: dict, bounded) -> dict:
        title = bounded(segments[0]) if segments and segments[0]["target"] else ""
        fields = {
            "segments": segments,
            "title": title,
            "text": self.prepared.layout.join([s["target"] for s in segments[1:]]),
            "glossary_version": self.glossary.version,
            "glossary_report": report,
        }
        machine = machine or {}
        if machine.get("status") in (Status.TRANSLATED, Status.FAILED) and machine.get("segments"):
            fields.update(status=machine["status"], route=machine["route"], tier=machine["tier"],
                          reason=machine["reason"])
        elif drafts.complete(segments):
            fields.update(status=Status.TRANSLATED, route=["drafts"], tier="draft", reason="")
        else:
            status = machine.get("status") or Status.NO_ENGINE
            reason = machine.get("reason") or _no_engine_reason(code)
            drafted = sum(1 for s in segments if s["target"])
            if drafted:
                reason += (f" (drafts for {drafted} of {len(segments)} segments; the others need a "
                           "translation)")
            # Incomplete: nothing to preview or send yet (the drafts are in the segments).
            fields.update(status=status if status in (Status.NO_ENGINE, Status.FAILED) else Status.NO_ENGINE,
                          route=[], tier="", reason=reason, title="", text="")
        return fields

    # -- English from reviewed Macedonian ------------------------------------------------------

    def english_from_macedonian(self) -> list[Candidate | None] | None:
        """Per segment, Apertium mk→en of the reviewed Macedonian, or None when it does not apply."""
        from b40news.translation.pipeline import translate_segments
        from b40news.translation.routes import Route, Step
        from b40news.translation.memory import DatabaseMemory
        from b40news.translation.service import engines

        macedonian = self.reviewed_targets("mk")
        if not macedonian:
            return None
        protected_texts, replacement_maps, spans_per_segment = [], [], []
        for source, bg in zip(self.sources, self.prepared.protected):
            text = macedonian.get(source)
            if text is None:
                protected_texts.append("")
                replacement_maps.append({})
                spans_per_segment.append(())
                continue
            terms, english = [], {}
            folded = text.casefold()
            for number, span in enumerate(bg.spans):
                if span.kind not in ("term", "name"):
                    continue
                written = _replacement(span, "mk", self.glossary)
                start = folded.find(written.casefold()) if len(folded) == len(text) else -1
                if start >= 0 and all(start >= e or start + len(written) <= s for s, e, *_ in terms):
                    terms.append((start, start + len(written), span.kind, str(number)))
                    english[str(number)] = _replacement(span, "en", self.glossary)
            protected = protect(text, terms)
            protected_texts.append(protected.text)
            replacement_maps.append({s.token: english[s.key] for s in protected.spans if s.key in english})
            spans_per_segment.append(protected.spans)
        route = Route((Step("apertium", "mk", "en"),), "gist")
        result = translate_segments(
            [t for t in protected_texts if t], ["en"], engines(), memory=DatabaseMemory(),
            glossary_version=self.glossary.version, routes={"en": (route,)},
            flagged_share_limit=settings.FLAGGED_SHARE_LIMIT)["en"]
        if result.status != "translated":
            return None
        by_text = {row.source: row for row in result.segments}
        derived: list[Candidate | None] = []
        for text, spans, replacements in zip(protected_texts, spans_per_segment, replacement_maps):
            row = by_text.get(text) if text else None
            if row is None:
                derived.append(None)
                continue
            restored = restore(row.target, spans, replacements)
            flags = list(row.flags) + [f"placeholder-lost: {s.source!r} was dropped by the engine"
                                       for s in restored.missing]
            derived.append(Candidate("machine", restored.text, " → ".join(MK_EN), flags=tuple(flags)))
        return derived


def _own_flags(segment: dict) -> tuple[str, ...]:
    """A machine segment's quality flags, without those made again for the chosen draft
    (glossary checks, the title's length, draft flags)."""
    return tuple(flag for flag in segment.get("flags", [])
                 if not flag.startswith(("glossary:", "title-too-long:", "draft-")))


def _replacement(span, code: str, glossary: Glossary) -> str:
    from b40news.translation.service import _replacement as replacement

    return replacement(span, code, glossary)


def _no_engine_reason(code: str) -> str:
    from b40news.translation.routes import choose_route
    from b40news.translation.service import engines

    return choose_route(code, engines()).reason


def english_applies(context: Context) -> bool:
    """English is re-derived from reviewed Macedonian when it would otherwise come from
    Apertium through raw Macedonian, and no person has touched it."""
    from b40news.releases.workflow import language_locked

    macedonian = context.translations.get("mk")
    if macedonian is None or macedonian.status != Status.APPROVED:
        return False
    english = context.translations.get("en")
    if english is not None:
        if english.status == Status.APPROVED or english.route == ["human"] or \
                any(drafts.is_human(s) for s in english.segments) or language_locked(context.release, "en"):
            return False
        if english.route not in (APERTIUM_EN, list(MK_EN), []):
            return False  # a better route (Argos bg→en) made it
    from b40news.translation.routes import choose_route
    from b40news.translation.service import engines

    choice = choose_route("en", engines())
    return choice.route is not None and choice.route.label() == APERTIUM_EN


def english_fields(context: Context) -> dict | None:
    derived = context.english_from_macedonian()
    if derived is None or not any(derived):
        return None
    fields = context.language_fields("en", derived=derived)
    fields.update(status=Status.TRANSLATED if drafts.complete(fields["segments"]) else Status.FAILED,
                  route=list(MK_EN), tier="gist", reason="" if drafts.complete(fields["segments"]) else
                  "some Macedonian segments could not be carried into English: translate it again")
    return fields


def prefill_release(release: Release, codes: Sequence[str], *, create: bool = False) -> list[Translation]:
    """Draft ``codes`` again from what is reviewed now, storing through the workflow.

    Only languages the release was translated into, unless ``create``: an
    approval does not add languages nobody asked for."""
    from b40news.glossary.current import current_glossary
    from b40news.releases import workflow
    from b40news.translation.service import prepare

    wanted = [languages.get(code).code for code in codes if languages.get(code).code != languages.SOURCE]
    if not wanted:
        return []
    glossary = current_glossary()
    context = Context(release, prepare(release.title, release.body, glossary), glossary)
    results: dict[str, dict] = {}
    for code in wanted:
        translation = context.translations.get(code)
        if translation is None and not create:
            continue
        if code == "en":
            if english_applies(context) and (fields := english_fields(context)) is not None:
                results[code] = fields
            continue
        if translation is not None and (
                translation.status in (Status.APPROVED, Status.STALE, Status.PENDING)
                or translation.route == ["human"] or workflow.language_locked(release, code)):
            continue
        if translation is not None and translation.status == Status.TRANSLATED and translation.tier != "draft" \
                and not siblings.in_family(code):
            continue  # a machine translation: the translate task drafts those
        results[code] = context.language_fields(code)
    return workflow.store_drafts(release, results) if results else []
