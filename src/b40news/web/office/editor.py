"""The segment editor's rows: per segment its text, state, and what helps to write it.

What helps: the suggestion a person starts from (machine output, a memory or
sibling draft; kept after an edit in ``draft["target"]``), the translation
memory's exact and fuzzy matches (with the words that differ from this
source), the glossary terms of the segment with their approved target, the
flags in plain words with the words they concern marked, terminology
questions, the segment's history and comments. `review.review` renders them.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from b40news.releases import comments
from b40news.releases.models import Release, SegmentEdit, Translation
from b40news.text.segment import segment as split
from b40news.translation import drafts
from b40news.translation.fuzzy import best_matches
from b40news.translation.memory import approved_human, human_entries
from b40news.web.office import flags as flag_words
from b40news.web.office.forms import SegmentForm
from b40news.web.office.highlight import highlight

STATE = {
    "empty": _("empty"),
    "draft": _("draft"),
    "edited": _("edited"),
    "reviewed": _("reviewed"),
}
KIND = {
    "memory": _("translation memory"),
    "script": _("the other Serbian script"),
    "sibling": _("a neighbouring language"),
    "fuzzy": _("a similar sentence translated before"),
    "machine": _("machine translation"),
    "copy": _("copied: nothing to translate"),
    "human": _("uploaded translation"),
}
FILTERS = {"all": _("All"), "flagged": _("Flagged"), "todo": _("Not yet reviewed")}
FUZZY_CANDIDATES = 2000  # the newest approved memory entries compared for fuzzy matches


def state(segment: dict, translation: Translation) -> str:
    """empty | draft | edited | reviewed: reviewed once the language is approved."""
    if translation.status == Translation.Status.APPROVED and segment.get("target"):
        return "reviewed"
    return drafts.state_of(segment)


def shown(row: dict, wanted: str) -> bool:
    if wanted == "flagged":
        return row["flagged"]
    if wanted == "todo":
        return row["state"] in ("empty", "draft")
    return True


def segments_of(release: Release, translation: Translation) -> list[dict]:
    """The translation's segments; before it has any, the release's sentences, empty."""
    if translation.segments:
        return translation.segments
    return [drafts.empty_segment(source) for source in [release.title, *split(release.body).segments]]


def diff_html(source: str, diff) -> SafeString:
    """``source`` with the words that differ from a remembered sentence: <del>was</del><ins>now</ins>."""
    out, position = [], 0
    for change in sorted(diff, key=lambda change: change["start"]):
        if change["start"] < position:
            continue
        out.append(escape(source[position:change["start"]]))
        if change.get("was"):
            out.append(format_html("<del>{}</del>", change["was"]))
        if change["end"] > change["start"]:
            out.append(format_html("<ins>{}</ins>", source[change["start"]:change["end"]]))
        position = change["end"]
    out.append(escape(source[position:]))
    return mark_safe("".join(out))


def _memory(sources: list[str], code: str, release_id: int) -> tuple[dict, dict]:
    """(source index -> exact human entry, source index -> fuzzy help) from other releases."""
    exact_by_source = human_entries(sources, code, exclude_release=release_id)
    exact = {index: exact_by_source[source] for index, source in enumerate(sources) if source in exact_by_source}
    rest = [index for index in range(len(sources)) if index not in exact and sources[index].strip()]
    fuzzy = {}
    if rest:
        candidates = list(approved_human(code, exclude_release=release_id)[:FUZZY_CANDIDATES])
        if candidates:
            found = best_matches([sources[i] for i in rest], [entry.source for entry in candidates],
                                 threshold=settings.FUZZY_THRESHOLD)
            for index, match in zip(rest, found, strict=True):
                if match is not None:
                    entry = candidates[match.index]
                    fuzzy[index] = {"score": match.score, "target": entry.target, "release": entry.release_id,
                                    "source": diff_html(sources[index], match.diff)}
    return exact, fuzzy


def _terms(source: str, code: str, glossary) -> list[dict]:
    terms = []
    for match in glossary.find(source):
        try:
            target = glossary.get(match.entry_id).target(code)
        except KeyError:
            target = ""
        terms.append({"source": match.surface, "target": target, "id": match.entry_id})
    return terms


def _suggestion(item: dict, current_state: str, route: list) -> dict | None:
    draft = item.get("draft") or {}
    if current_state == "draft":
        target, kind = item.get("target", ""), draft.get("kind") or "machine"
    else:
        target, kind = draft.get("target", ""), draft.get("kind") or "machine"
    if not target:
        return None
    origin = draft.get("from") or (" → ".join(route) if kind == "machine" else "")
    return {"kind": KIND.get(kind, kind), "target": target, "score": draft.get("score"), "from": origin,
            "alternatives": [{**alt, "kind": KIND.get(alt.get("kind"), alt.get("kind"))}
                             for alt in draft.get("alternatives") or []]}


def rows(release: Release, translation: Translation, code: str, glossary, *, editable: bool,
         wanted: str = "all") -> list[dict]:
    segments = segments_of(release, translation)
    sources = [item["source"] for item in segments]
    exact, fuzzy = _memory(sources, code, release.pk)
    history = defaultdict(list)
    if translation.pk:
        for edit in SegmentEdit.objects.filter(translation=translation):
            history[edit.index].append(edit)
    remarks = comments.by_segment(release, code)
    found = []
    for index, item in enumerate(segments):
        current = state(item, translation)
        explained = flag_words.explained(item.get("flags", []))
        words = tuple(word for flag in explained for word in flag["words"])
        source, target = highlight(item["source"], item.get("target", ""), code, glossary, words,
                                   str(_("named by a flag")))
        entry = exact.get(index)
        row = {
            "index": index,
            "number": index + 1,
            "is_title": index == 0,
            "source": source,
            "target": target,
            "target_text": item.get("target", ""),
            "state": current,
            "state_label": STATE[current],
            "flagged": bool(item.get("flags")),
            "flags": explained,
            "questions": item.get("questions", []),
            "suggestion": _suggestion(item, current, translation.route or []),
            "exact": {"target": entry.target, "release": entry.release_id,
                      "approved": entry.approved_at is not None} if entry else None,
            "fuzzy": fuzzy.get(index),
            "terms": _terms(item["source"], code, glossary),
            "history": history.get(index, []),
            "comments": remarks.get(index, []),
            "form": SegmentForm(initial={"target": item.get("target", "")}, prefix=f"s{index}") if editable else None,
        }
        row["hidden"] = not shown(row, wanted)
        found.append(row)
    return found
