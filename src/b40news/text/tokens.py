"""The placeholder that stands for a protected span while text is translated.

``⟦3⟧`` is one plain token: Apertium returns it byte-identical on every route
and treats it as a word slot, so the grammar around it holds (see the measured
notes). Every stage that protects, translates or restores spans uses this form.
"""

from __future__ import annotations

import re

PLACEHOLDER_RE = re.compile(r"⟦(\d+)⟧")


def placeholder(number: int) -> str:
    return f"⟦{number}⟧"


def placeholders_in(text: str) -> list[str]:
    """The placeholder tokens in ``text``, in order, repeats included."""
    return [match.group(0) for match in PLACEHOLDER_RE.finditer(text)]
