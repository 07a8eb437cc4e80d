"""Split a Bulgarian release into segments an engine can translate, and put it back.

Engines translate sentence by sentence, and Apertium keeps a batch 1:1 only
when each segment is one line (see the measured notes). So a release becomes
``segments`` (sentences, headings, list items: stripped, never containing a
line break) plus a ``layout``: every other character of the document --
whitespace, line breaks, blank lines, list markers -- kept literally, with
ints standing for the segments. ``join`` puts any same-length list of
segments back into the layout, so for every text

    segment(t).join(segment(t).segments) == t        (after "\\r\\n" -> "\\n")

The only normalisation is "\\r\\n" -> "\\n", so the output of ``join`` uses
"\\n" line ends.

Decisions worth knowing:

* A line break inside a paragraph always ends a segment (it stays in the
  layout). Releases are stored with one paragraph per line; hard-wrapped text
  therefore yields segments cut at the wrap. Segments never contain any line
  break character (``segment.splitlines() == [segment]``).
* ``г.`` (година) ends a sentence when an uppercase word or an opening quote
  follows ("през 2021 г. Съгласно ..."), never before a lowercase word or a
  digit. ``ч.`` and ``мин.`` after a number ("в 10.30 ч. Срещата ...") are
  treated the same way; elsewhere they are abbreviations ("мин. Иванов").
  Every other abbreviation in ``ABBREVIATIONS`` never ends a sentence.
* A single uppercase letter before a period is an initial ("Н. Чакърова",
  "П. П. Петров"), never a sentence end.
* A one-line paragraph with no final punctuation is a heading: one segment,
  not split further.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Words that, followed by a period, do not end a sentence (lowercase, inner
# periods kept: "т.е" for "т.е.").
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    гр ул т.е т.н т.нар напр бул пл с обл д-р проф доц акад инж арх ал чл ч
    млн млрд хил мин др вкл стр тел факс моб ст кв ж.к жк бл вх ет ап им вж
    св о р м км кг бр год изд пр пр.н.е н.е сл отд зам пом гл ген полк
    г-н г-жа г-ца т.г м.г с.г и.д вр.и.д ср вм англ лат нем фр рус
    mr mrs ms dr prof st no vs e.g i.e etc approx
    """.split()
)
# Units that end a sentence when they follow a number and an uppercase word
# comes next; "г." does so after anything.
_UNIT_ENDINGS = frozenset({"ч", "мин"})

# Every character Python's str.splitlines() treats as a line break. "\r\n"
# is normalised to "\n" before splitting.
_BREAK_RE = re.compile("([\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029])")

# A list marker at the start of a line, followed by spacing and some content.
_MARKER_RE = re.compile(
    r"(?:[-*•–—▪●‣◦]|\d{1,3}[.)]|[a-zа-я]\))[ \t\u00a0]+(?=\S)"
)

# A sentence-ending cluster: terminators, closing quotes/brackets, spacing,
# and (looked at, not consumed) the first character of what follows.
_END_RE = re.compile(r"([.!?…]+)([\"'“”»’)\]]*)(\s+)(?=(\S))")
_OPENERS = "„“\"«‘'(["
_FINAL_PUNCTUATION = ".!?…:;,"
_NUMBER_BEFORE_RE = re.compile(r"\d[\d.:,]*\s*$")
_LAST_WORD_RE = re.compile(r"\S+$")


@dataclass(frozen=True)
class Segmented:
    """A document as segments to translate plus the literal layout around them."""

    segments: tuple[str, ...]
    layout: tuple[str | int, ...]
    paragraphs: tuple[tuple[int, ...], ...]

    def join(self, translated: Sequence[str]) -> str:
        """The document with ``translated[i]`` in place of segment ``i``."""
        if len(translated) != len(self.segments):
            raise ValueError(
                f"expected {len(self.segments)} segments, got {len(translated)}"
            )
        return "".join(
            translated[part] if isinstance(part, int) else part
            for part in self.layout
        )


class _Builder:
    """Collects layout parts, merging neighbouring literal strings."""

    def __init__(self) -> None:
        self.segments: list[str] = []
        self.layout: list[str | int] = []
        self.paragraphs: list[tuple[int, ...]] = []
        self._current: list[int] = []

    def literal(self, text: str) -> None:
        if not text:
            return
        if self.layout and isinstance(self.layout[-1], str):
            self.layout[-1] += text
        else:
            self.layout.append(text)

    def segment(self, text: str) -> None:
        self._current.append(len(self.segments))
        self.layout.append(len(self.segments))
        self.segments.append(text)

    def end_paragraph(self) -> None:
        if self._current:
            self.paragraphs.append(tuple(self._current))
            self._current = []

    def build(self) -> Segmented:
        self.end_paragraph()
        return Segmented(tuple(self.segments), tuple(self.layout), tuple(self.paragraphs))


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n")


def _paragraph_runs(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The document as (literal before, [(line, break after), ...]) runs.

    Each run is one paragraph: consecutive non-blank lines. Blank lines and
    the breaks around them belong to the literal before the next paragraph;
    whatever follows the last paragraph comes as a final run with no lines.
    """
    parts = _BREAK_RE.split(text)
    lines = parts[0::2]
    breaks = parts[1::2] + [""]
    runs: list[tuple[str, list[tuple[str, str]]]] = []
    pending = ""
    current: list[tuple[str, str]] = []
    for line, brk in zip(lines, breaks):
        if line.strip():
            current.append((line, brk))
            continue
        if current:
            runs.append((pending, current))
            pending, current = "", []
        pending += line + brk
    if current:
        runs.append((pending, current))
        pending = ""
    runs.append((pending, []))
    return runs


def split_paragraphs(text: str) -> list[str]:
    """The non-empty paragraphs of ``text`` (separated by blank lines), stripped."""
    return [
        "".join(line + brk for line, brk in lines).strip()
        for _, lines in _paragraph_runs(_normalise(text))
        if lines
    ]


def segment(text: str) -> Segmented:
    """Split ``text`` into segments and the layout that puts them back."""
    out = _Builder()
    for before, lines in _paragraph_runs(_normalise(text)):
        out.literal(before)
        heading = len(lines) == 1 and _is_heading(lines[0][0])
        for line, brk in lines:
            _add_line(out, line, heading)
            out.literal(brk)
        out.end_paragraph()
    return out.build()


def _is_heading(line: str) -> bool:
    body = line.strip().rstrip("\"'“”»’)]")
    return (
        bool(body)
        and body[-1] not in _FINAL_PUNCTUATION
        and not _MARKER_RE.match(line.strip())
    )


def _add_line(out: _Builder, line: str, heading: bool) -> None:
    """Emit one non-blank line: leading space, list marker, sentences, trailing space."""
    content_start = len(line) - len(line.lstrip())
    marker = _MARKER_RE.match(line, content_start)
    if marker:
        content_start = marker.end()
    out.literal(line[:content_start])
    content = line[content_start:]
    body = content.strip()  # never empty: the line is not blank, a marker needs content
    lead = len(content) - len(content.lstrip())
    spans = [(0, len(body))] if heading else sentence_spans(body)
    out.literal(content[:lead])
    position = 0
    for start, end in spans:
        out.literal(body[position:start])
        out.segment(body[start:end])
        position = end
    out.literal(body[position:])
    out.literal(content[lead + len(body):])


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in one stripped line; gaps are whitespace."""
    if not text:
        return []
    quoted = _quoted_positions(text)
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END_RE.finditer(text):
        end = match.end(2)
        if _is_boundary(text, match, quoted):
            spans.append((start, end))
            start = match.end(3)
    spans.append((start, len(text)))
    return spans


def _is_boundary(text: str, match: re.Match[str], quoted: list[bool]) -> bool:
    following = match.group(4)
    is_opener = following in _OPENERS
    if not (following.isupper() or following.isdigit() or is_opener):
        return False
    end = match.end(2)
    if quoted[end]:
        return False
    if match.group(1) != "." or match.group(2):
        return True
    # Only the last few characters matter: no abbreviation or number is longer,
    # and looking no further keeps a long line linear.
    before = text[max(0, match.start(1) - 48): match.start(1)]
    word_match = _LAST_WORD_RE.search(before)
    if not word_match:
        return True
    word = word_match.group(0).lstrip("(„“\"«[‘'")
    if _is_initials(word):
        return False
    lowered = word.lower()
    starts_word = following.isupper() or is_opener
    if lowered == "г":
        return starts_word
    if lowered in _UNIT_ENDINGS:
        number_before = _NUMBER_BEFORE_RE.search(before[: word_match.start()])
        return starts_word and number_before is not None
    return lowered not in ABBREVIATIONS


def _is_initials(word: str) -> bool:
    """Initials such as "Н" or "П.П": single uppercase letters joined by periods."""
    letters = word.split(".")
    return all(len(letter) == 1 and letter.isupper() for letter in letters)


_QUOTE_DEPTH = 8  # how many open quotes a closing quote may skip to find its match
# Opening quote -> the closing quotes that may end it.
_PAIRS = {"„": "“”", "“": "”", "«": "»", '"': '"'}


def _quoted_positions(text: str) -> list[bool]:
    """For each index i of ``text`` (and len(text)): is i inside a quotation?

    "Inside" means after an opening quote and up to and including its closing
    quote, so a sentence that ends with the closing quote ends after it.
    Bulgarian quotes „…“, English “…”, guillemets «…» and straight "…" are
    paired with a stack; an opening quote that is never closed is ignored,
    so one stray quote cannot swallow the rest of a line. Only the innermost
    few open quotes are searched for a match, which keeps long lines linear.
    """
    stack: list[tuple[str, int]] = []
    depth_change = [0] * (len(text) + 2)
    for index, char in enumerate(text):
        opener_at = next(
            (
                depth
                for depth in range(len(stack) - 1, max(-1, len(stack) - 1 - _QUOTE_DEPTH), -1)
                if char in _PAIRS[stack[depth][0]]
            ),
            None,
        )
        if opener_at is not None:
            depth_change[stack[opener_at][1] + 1] += 1
            depth_change[index + 1] -= 1
            del stack[opener_at:]
        elif char in _PAIRS:
            stack.append((char, index))
    inside: list[bool] = []
    depth = 0
    for change in depth_change[:-1]:
        depth += change
        inside.append(depth > 0)
    return inside
