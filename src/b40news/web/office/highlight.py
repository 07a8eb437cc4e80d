"""Glossary terms (and the words a flag concerns) marked in a segment's source and translation (safe HTML)."""

from __future__ import annotations

import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


def _marked(text: str, spans: list[tuple]) -> SafeString:
    out, position = [], 0
    for start, end, note, *css in sorted(spans, key=lambda span: (span[0], -span[1])):
        if start < position:
            continue  # overlaps a span already marked
        out.append(escape(text[position:start]))
        out.append(format_html('<mark class="{}" title="{}">{}</mark>', css[0] if css else "term", note,
                               text[start:end]))
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))


def _words(text: str, words, note: str) -> list[tuple]:
    return [(found.start(), found.end(), note, "flagged")
            for word in words if word.strip() for found in re.finditer(re.escape(word), text, re.IGNORECASE)]


def highlight(source: str, target: str, code: str, glossary, flagged: tuple[str, ...] = (),
              note: str = "") -> tuple[SafeString, SafeString]:
    """(source, target) with each glossary term of the source and its approved translation
    marked, and the ``flagged`` words (those a flag names) marked ``flagged``."""
    source_spans, wanted = [], {}
    for match in glossary.find(source):
        entry = glossary.get(match.entry_id)
        try:
            approved = entry.target(code)
        except KeyError:
            approved = ""
        source_spans.append((match.start, match.end, f"{match.entry_id} → {approved or '?'}"))
        if approved:
            wanted[approved] = match.entry_id
    target_spans = []
    for term in sorted(wanted, key=len, reverse=True):
        start = target.find(term)
        while start != -1:
            target_spans.append((start, start + len(term), wanted[term]))
            start = target.find(term, start + len(term))
    source_spans += _words(source, flagged, note)
    target_spans += _words(target, flagged, note)
    return _marked(source, source_spans), _marked(target, target_spans)
