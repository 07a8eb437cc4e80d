"""Glossary terms marked in a segment's source and in its translation (safe HTML)."""

from __future__ import annotations

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


def _marked(text: str, spans: list[tuple[int, int, str]]) -> SafeString:
    out, position = [], 0
    for start, end, note in sorted(spans, key=lambda span: (span[0], -span[1])):
        if start < position:
            continue  # overlaps a span already marked
        out.append(escape(text[position:start]))
        out.append(format_html('<mark class="term" title="{}">{}</mark>', note, text[start:end]))
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))


def highlight(source: str, target: str, code: str, glossary) -> tuple[SafeString, SafeString]:
    """(source, target) with each glossary term of the source and its approved translation marked."""
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
    return _marked(source, source_spans), _marked(target, target_spans)
