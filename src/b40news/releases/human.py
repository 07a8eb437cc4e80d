"""Human translations: a person's text for one language, aligned by paragraph.

The text logic of human work (aligning, checking terms, rebuilding the text
after a correction); `releases.workflow` stores it and does the rest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from b40news import languages
from b40news.glossary.current import current_glossary
from b40news.releases.intake import ReleaseError, checked_title, decode
from b40news.releases.models import Release, Translation
from b40news.text.protect import protect
from b40news.text.segment import segment, split_paragraphs
from b40news.translation.memory import remember_human
from b40news.network.models import Language
from b40news.translation import drafts
from b40news.translation.service import check_human_terms, check_terms


def submit_translation(
    release: Release, language: str, raw: bytes, *, name: str, title: str | None = None, user=None
) -> Translation:
    """Store a human translation; refused, storing nothing, when paragraphs do not align.

    The file holds one translated paragraph per paragraph of the release
    (blank lines between them). Its title is ``title``, or the file's first
    paragraph when the file has exactly one paragraph more than the release.
    """
    code = languages.get(language).code
    if code == languages.SOURCE:
        raise ReleaseError("Bulgarian is the release's own language: there is nothing to translate")
    text = decode(raw, name=name, max_bytes=settings.MAX_RELEASE_BYTES)
    sources = split_paragraphs(release.body)
    targets = split_paragraphs(text)
    if title is None and len(targets) == len(sources) + 1:
        title, targets = checked_title(targets[0], first_line=True), targets[1:]
    elif title is not None:
        title = checked_title(title)
    if len(targets) != len(sources):
        raise ReleaseError(
            f"{name} has {len(targets)} paragraph(s) but release {release.pk} has {len(sources)}: "
            "give one translated paragraph per source paragraph, separated by blank lines "
            "(and the title with --title, or as an extra first paragraph)"
        )
    if not title:
        raise ReleaseError("the translation needs a title: give it with --title or as the first paragraph")
    glossary = current_glossary()
    pairs = [(release.title, title), *zip(sources, targets)]
    segments, required, satisfied, questions = [], 0, 0, []
    for source, target in pairs:
        check = check_human_terms(protect(source, _terms(source, glossary)).spans, target, code, glossary)
        required, satisfied = required + check.required, satisfied + check.satisfied
        questions += check.questions
        segments.append({"source": source, "target": target, "from_memory": False, "flags": [],
                         "questions": list(check.questions)})
    with transaction.atomic():
        translation, _ = Translation.objects.update_or_create(
            release=release,
            language=Language.objects.for_code(code),
            defaults={
                "status": Translation.Status.TRANSLATED,
                "title": title,
                "text": "\n\n".join(targets),
                "segments": segments,
                "route": ["human"],
                "tier": "human",
                "reason": "",
                "glossary_version": glossary.version,
                "glossary_report": {"required": required, "satisfied": satisfied, "missing": [],
                                    "questions": questions},
                **Translation.APPROVAL_CLEARED,
            },
        )
        remember_human(pairs, code, release=release, author=user)
    return translation


def _terms(text: str, glossary) -> list[tuple[int, int, str, str]]:
    return [(m.start, m.end, "term", m.entry_id) for m in glossary.find(text)]


def body_text(release: Release, route: list, targets: list[str]) -> str:
    """The translated body from its segments' targets, in the release's layout."""
    if route == ["human"]:
        return "\n\n".join(targets)  # human translations are aligned by paragraph
    layout = segment(release.body)
    if len(layout.segments) != len(targets):
        raise ReleaseError("the segments no longer match the release: translate it again")
    return layout.join(targets)


def glossary_report(segments: list[dict], code: str, glossary, *, human: bool = False) -> dict:
    """The glossary report of a translation's segments (updating each segment's ``questions``).

    A person's segment (edited, reviewed, a draft of people's words, or every
    segment of a ``human`` upload) is checked as human text: a term it words otherwise is a
    terminology question; the other segments must carry the terms as approved.
    """
    required, satisfied, missing, questions = 0, 0, [], []
    for item in segments:
        if not item.get("target"):
            continue
        spans = protect(item["source"], _terms(item["source"], glossary)).spans
        if human or drafts.worded_by_people(item):
            check = check_human_terms(spans, item["target"], code, glossary)
            item["questions"] = list(check.questions)
        else:
            check = check_terms(spans, item["target"], code, glossary)
        required, satisfied = required + check.required, satisfied + check.satisfied
        missing, questions = missing + check.missing, questions + list(check.questions)
    return {"required": required, "satisfied": satisfied, "missing": missing, "questions": questions}
