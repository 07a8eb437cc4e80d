"""Serbian in the reader's script: a deterministic engine step.

Machine engines write Serbian in Latin letters (Argos' en→sr did, before
Serbian left the public Argos index in 2023; the Apertium hbs generators do),
and Serbian readers read either script. No default route reaches Serbian now
(``routes``: a human translation is needed), but this step stays for a route
the data may add again and for human translations. This engine
turns Serbian text (``sr``, in whichever script it arrives) into ``sr-Latn``
or ``sr-Cyrl`` with the one-to-one Serbian mapping of
:mod:`b40news.text.scripts`. Words that are clearly not Serbian (q, w, x, y,
digits, links) and placeholders pass through untouched.

It also converts between the two written forms (``sr-Latn`` → ``sr-Cyrl``
and back), so a human translation submitted in one script can serve the
subscribers of the other.

It is an engine, not a post-processing hook, so routes can chain it
(``argos:bg-en → argos:en-sr → serbian-script:sr-sr-Cyrl``), the pipeline can
share the Serbian text between both scripts, and the memory key names it.
"""

from __future__ import annotations

from collections.abc import Callable

from b40news.text.scripts import serbian_to_cyrillic, serbian_to_latin

from .base import Engine, Output

# Bump when the mapping in text.scripts changes what it writes.
VERSION = "1"


class SerbianScriptEngine(Engine):
    id = "serbian-script"

    CONVERTERS: dict[str, Callable[[str], str]] = {
        "sr-Latn": serbian_to_latin,
        "sr-Cyrl": serbian_to_cyrillic,
    }

    def is_available(self) -> bool:
        return True

    def version(self) -> str:
        return VERSION

    def pairs(self) -> frozenset[tuple[str, str]]:
        """``sr`` (any script) into either script, and each script into the other."""
        found = set()
        for target in self.CONVERTERS:
            found.add(("sr", target))
            found.update((other, target) for other in self.CONVERTERS if other != target)
        return frozenset(found)

    def _translate(self, segments: list[str], source: str, target: str) -> list[Output]:
        convert = self.CONVERTERS[target]
        # Latin -> Cyrillic leaves Cyrillic alone and the reverse leaves Latin
        # alone, so mixed input comes out in one script either way.
        return [Output(convert(segment)) for segment in segments]


def convert(text: str, target: str) -> str:
    """One text into ``sr-Latn`` or ``sr-Cyrl`` (a shortcut for callers
    that need no engine, e.g. to show a human translation in both scripts)."""
    try:
        return SerbianScriptEngine.CONVERTERS[target](text)
    except KeyError:
        raise ValueError(f"not a Serbian script code: {target!r} (sr-Latn or sr-Cyrl)") from None
