"""The placeholder that stands for a protected span while text is translated.

``⟦3⟧`` is one plain token: Apertium returns it byte-identical on every route
and treats it as a word slot, so the grammar around it holds (see the measured
notes). Every stage that protects, translates or restores spans uses this form.
"""

from __future__ import annotations

import re

PLACEHOLDER_RE = re.compile(r"⟦(\d+)⟧")
# Placeholders as engines may return them: spacing inside the brackets, any Unicode digits.
LOOSE_PLACEHOLDER_RE = re.compile(r"⟦\s*(\d+)\s*⟧")


def placeholder(number: int) -> str:
    return f"⟦{number}⟧"


def placeholders_in(text: str) -> list[str]:
    """The placeholder tokens in ``text``, in order, repeats included."""
    return [match.group(0) for match in PLACEHOLDER_RE.finditer(text)]


def canonical(digits: str) -> str | None:
    """The placeholder for the digits an engine returned (``"٣"`` -> ``⟦3⟧``), if sane."""
    if len(digits) > 18:  # int() of thousands of digits raises; no span has such a number
        return None
    return placeholder(int(digits))
