"""Replace spans an engine must not touch by placeholders, and put them back.

Engines mangle what is not language: Apertium drops the "г." after a year,
raw URLs and e-mails survive only some routes, a person's name becomes a
common noun ("Надежда" -> "Hope"). So before translation every such span is
replaced by a placeholder ``⟦n⟧`` (``tokens.placeholder``), a single token
that every route returns byte-identical and treats as a word slot. After
translation ``restore`` puts the original (or a chosen replacement, such as
a glossary translation) back and reports placeholders the engine lost or
repeated instead of raising: an engine's output is data to check, not trust.

What ``protect`` finds by itself, strongest first (a weaker span that overlaps
a stronger one is dropped):

    literal  text that already looks like a placeholder (``⟦3⟧``, ``⟦ 3 ⟧``),
             so that restoring can never confuse it with ours
    term/name/...  the spans the glossary matcher passes in ``terms``
    url      ``http(s)://...``, ``www....``
    email    ``name@host.tld``, internationalised names included
    url      bare domains with a known top-level domain (``stz.bg``)
    phone    ``+359 42 614 800``, ``042 614 800``
    date     ``25.11.2026``, ``2026-11-25``, ``25/11/2026`` (digits only: the
             words around a date are translated)
    time     ``10:30``, and ``10.30`` when followed by ``ч``/``час``
    number   ``2021``, ``38``, ``3,5``, ``3.5``, ``125 000 000``; never digits
             glued to letters (``B40`` is a glossary term, not a number)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from b40news.text.repair import cut
from b40news.text.tokens import LOOSE_PLACEHOLDER_RE, canonical, placeholder

KINDS: frozenset[str] = frozenset(
    {"url", "email", "number", "date", "time", "phone", "term", "name", "literal"}
)

_URL_CHARS = r"[^\s<>\"„“”«»⟦⟧]"
URL_RE = re.compile(rf"(?<![\w@])(?:https?://|www\.){_URL_CHARS}+", re.IGNORECASE)
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DOMAIN_RE = re.compile(
    r"(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:bg|com|org|net|eu|info|int|gov|edu|rs|hr|ba|me|mk|al|gr|tr|ro|si|io)"
    rf"(?![\w-])(?:/{_URL_CHARS}*)?",
    re.IGNORECASE,
)
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}(?:[ \u00a0./-]?\d{1,4}){2,6}"
    r"|(?<!\d[ \u00a0./-])(?:\(0\d{1,4}\)|0\d{1,4})(?:[ \u00a0/-]?\d{2,4}){1,4})(?!\w)"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_DATE_RE = re.compile(
    rf"(?<![\w.,/-])(?:{_DAY}\.{_MONTH}\.(?:\d{{4}}|\d{{2}})|{_DAY}/{_MONTH}/\d{{4}}"
    rf"|\d{{4}}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(?!\w|[.,/-]\d)"
)
_TIME_RE = re.compile(
    r"(?<![\w.,:])(?:(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?!\w|[.,:]\d)"
    r"|(?:[01]?\d|2[0-3])\.[0-5]\d(?=[ \u00a0]?ч(?:\.|ас|(?!\w))))"
)
_NUMBER_RE = re.compile(
    r"(?<!\w)(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?(?!\d)|\d+(?:[.,]\d+)*)(?!\w)"
)
_TRAILING = ".,;:!?'’\"»”“)]"


@dataclass(frozen=True)
class Span:
    """One protected span: the placeholder that stands for it and what it was."""

    token: str
    source: str
    kind: str
    key: str | None = None
    form: str = ""  # a glossary term's grammatical form in the source ("def", "pl"...)


@dataclass(frozen=True)
class Protected:
    text: str
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class Restored:
    text: str
    missing: tuple[Span, ...]
    duplicated: tuple[Span, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.duplicated


def _trim_link(text: str, start: int, end: int) -> int:
    """The end of a link without the punctuation of the sentence around it."""
    while end > start and text[end - 1] in _TRAILING:
        if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
            break
        end -= 1
    return end


def link_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of URLs, e-mails and bare domains, without overlaps.

    Also used by ``scripts`` to leave links alone when changing script.
    """
    found: list[tuple[int, int, str]] = []
    for kind, pattern in (("url", URL_RE), ("email", EMAIL_RE), ("url", DOMAIN_RE)):
        for match in pattern.finditer(text):
            end = match.end()
            if kind == "url":
                end = _trim_link(text, match.start(), end)
            found.append((match.start(), end, kind))
    return _without_overlaps(found)


def _without_overlaps(candidates: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep candidates in the given order of strength, dropping any that overlap a kept one."""
    taken: set[int] = set()
    kept: list[tuple[int, int, str]] = []
    for start, end, kind in candidates:
        if end <= start or any(i in taken for i in range(start, end)):
            continue
        taken.update(range(start, end))
        kept.append((start, end, kind))
    return kept


def _regex_spans(text: str) -> list[tuple[int, int, str]]:
    found = list(link_spans(text))
    for kind, pattern in (("phone", _PHONE_RE), ("date", _DATE_RE), ("time", _TIME_RE)):
        for match in pattern.finditer(text):
            if kind == "phone" and sum(c.isdigit() for c in match.group(0)) < 6:
                continue
            found.append((match.start(), match.end(), kind))
    found.extend((m.start(), m.end(), "number") for m in _NUMBER_RE.finditer(text))
    return found


def _check_terms(
    text: str, terms: Sequence[tuple[int, int, str, str | None]]
) -> list[tuple[int, int, str, str | None]]:
    checked = []
    for start, end, kind, key in terms:
        if not 0 <= start < end <= len(text):
            raise ValueError(f"term span {start}:{end} outside a text of {len(text)} characters")
        if kind not in KINDS:
            raise ValueError(f"unknown span kind {kind!r}; known: {sorted(KINDS)}")
        checked.append((start, end, kind, key))
    # Longer terms first, so "Община Стара Загора" beats "Стара Загора".
    checked.sort(key=lambda term: (term[0] - term[1], term[0]))
    return checked


def protect(
    text: str,
    terms: Sequence[tuple[int, int, str, str | None]] = (),
    start: int = 0,
) -> Protected:
    """Replace protected spans of ``text`` by placeholders numbered from ``start``.

    ``terms`` are (start, end, kind, key) character offsets from the glossary
    matcher; they win over every span found here except literal placeholders.
    Raises ValueError for a term outside the text or of an unknown kind.
    """
    checked = _check_terms(text, terms)
    keys = {(s, e): key for s, e, _, key in checked}
    candidates = [(m.start(), m.end(), "literal") for m in LOOSE_PLACEHOLDER_RE.finditer(text)]
    candidates += [(s, e, kind) for s, e, kind, _ in checked]
    candidates += _regex_spans(text)
    kept = sorted(_without_overlaps(candidates))

    pieces: list[str] = []
    spans: list[Span] = []
    position = 0
    for number, (span_start, span_end, kind) in enumerate(kept, start=start):
        token = placeholder(number)
        key = keys.get((span_start, span_end)) if kind in ("term", "name") else None
        spans.append(Span(token, text[span_start:span_end], kind, key))
        pieces.append(text[position:span_start])
        pieces.append(token)
        position = span_end
    pieces.append(text[position:])
    return Protected("".join(pieces), tuple(spans))


def restore(
    text: str,
    spans: Sequence[Span],
    replacements: Mapping[str, str] | None = None,
) -> Restored:
    """Put each span (or ``replacements[span.token]``) back in place of its placeholder.

    Tolerates spacing inside the brackets (``⟦ 3 ⟧``) and non-ASCII digits;
    placeholders of no known span are left as they are. A span goes back
    once, at its placeholder's first occurrence; a repeat is removed (with
    the space it leaves), so a name an engine repeated never ships twice.
    Spans that came back zero times or more than once are reported (the
    pipeline repairs engine output first: :func:`b40news.text.repair.repair`).
    Never raises on whatever ``text`` contains.
    """
    by_token: dict[str, Span] = {}
    for span in spans:
        by_token.setdefault(span.token, span)
    chosen = replacements or {}
    counts = dict.fromkeys(by_token, 0)
    repeats = []
    for match in LOOSE_PLACEHOLDER_RE.finditer(text):
        token = canonical(match.group(1))
        if token in counts:
            counts[token] += 1
            if counts[token] > 1:
                repeats.append((match.start(), match.end()))

    def put_back(match: re.Match[str]) -> str:
        span = by_token.get(canonical(match.group(1)) or "")
        return match.group(0) if span is None else chosen.get(span.token, span.source)

    restored = LOOSE_PLACEHOLDER_RE.sub(put_back, cut(text, repeats))
    return Restored(
        restored,
        missing=tuple(span for token, span in by_token.items() if counts[token] == 0),
        duplicated=tuple(span for token, span in by_token.items() if counts[token] > 1),
    )
