"""Exchange with translators' tools: XLIFF per release and language, TMX for the memory.

Export reads what is stored (a language not translated yet is drafted in
memory for the file, nothing is stored). Import checks the whole file against
the release first and stores nothing when a unit does not match; the units a
person decided on then go through ``workflow.edit_segments``, like corrections
on the review page.
"""

from __future__ import annotations

from b40news import languages
from b40news.glossary.current import current_glossary
from b40news.releases.intake import ReleaseError
from b40news.releases.models import Release, Translation
from b40news.translation import drafts, tmx, xliff
from b40news.translation.models import MemoryEntry


def _segments(release: Release, code: str) -> list[dict]:
    stored = release.translations.filter(language__code=code).first()
    if stored is not None and stored.segments:
        return stored.segments
    from b40news.translation.prefill import Context
    from b40news.translation.service import prepare

    glossary = current_glossary()
    return Context(release, prepare(release.title, release.body, glossary), glossary).language_fields(code)["segments"]


def _draft_note(segment: dict) -> str | None:
    state = drafts.state_of(segment)
    draft = segment.get("draft") or {}
    if state != "draft" or not draft:
        return f"state: {state}"
    kind, origin = draft.get("kind"), draft.get("from")
    detail = {
        "memory": f"the approved translation of this sentence in release {origin}",
        "fuzzy": f"a {draft.get('score')}% match from release {origin}, whose source was {draft.get('source')!r}",
        "sibling": f"converted by rules from the reviewed {origin} text",
        "script": f"the reviewed {origin} text in the other script",
        "machine": f"machine translation ({origin})",
        "copy": "nothing to translate: copied",
    }.get(kind, str(origin))
    return f"draft: {kind}: {detail}"


def export_xliff(release: Release, language: str, *, version: str = "1.2") -> bytes:
    code = languages.get(language).code
    if code == languages.SOURCE:
        raise ReleaseError("Bulgarian is the release's own language: export a target language")
    glossary = current_glossary()
    units = []
    for index, segment in enumerate(_segments(release, code)):
        notes = []
        for match in glossary.find(segment["source"]):
            try:
                wanted = glossary.get(match.entry_id).target(code)
            except KeyError:
                continue
            notes.append(f"glossary: {segment['source'][match.start:match.end]} = {wanted}")
        notes.append(_draft_note(segment))
        notes += [f"check: {flag}" for flag in segment.get("flags", []) if not flag.startswith("empty:")]
        units.append(xliff.ExportUnit(index, segment["source"], segment.get("target", ""),
                                      drafts.state_of(segment), drafts.kind_of(segment), tuple(notes)))
    return xliff.export(units, release_id=release.pk, source_language=languages.SOURCE, target_language=code,
                        version=version)


def import_xliff(release: Release, data: bytes, *, user=None) -> tuple[Translation, int]:
    """Store the decisions of an XLIFF file; (the translation, how many segments changed)."""
    from b40news.releases import workflow
    from b40news.translation.prefill import prefill_release

    imported = xliff.read(data)
    try:
        code = languages.get(imported.target_language).code
    except languages.UnknownLanguage:
        raise xliff.XliffError(f"the file's target language {imported.target_language!r} is not one of the "
                               f"network's: {', '.join(languages.TARGETS)}") from None
    if code == languages.SOURCE:
        raise xliff.XliffError("the file's target language is Bulgarian, the release's own")
    sources = [segment["source"] for segment in _segments(release, code)]
    xliff.check(imported, release_id=release.pk, language=code, sources=sources)
    translation = release.translations.select_related("language", "release").filter(language__code=code).first()
    if translation is None or not translation.segments:
        prefill_release(release, [code], create=True)
        translation = release.translations.select_related("language", "release").get(language__code=code)
    current = {index: (segment.get("target", ""), drafts.is_human(segment))
               for index, segment in enumerate(translation.segments)}
    edits = xliff.decisions(imported, release_id=release.pk, current=current)
    if not edits:
        return translation, 0
    return workflow.edit_segments(translation, edits, user=user), len(edits)


def export_tmx(*, language: str | None = None, machine: bool = False) -> bytes:
    rows = MemoryEntry.objects.select_related("author", "reviewer").order_by("language", "created_at", "id")
    if not machine:
        rows = rows.filter(origin=MemoryEntry.Origin.HUMAN)
    if language:
        rows = rows.filter(language=languages.get(language).code)

    def name(user) -> str | None:
        return user.get_username() if user is not None else None

    return tmx.export(
        (tmx.TmxEntry(source=row.source, target=row.target, language=row.language, created=row.created_at,
                      origin=row.origin if row.origin == "human" else f"machine {row.route}",
                      release_id=row.release_id, author=name(row.author), reviewer=name(row.reviewer),
                      approved=row.approved_at)
         for row in rows.iterator()),
        source_language=languages.SOURCE)
