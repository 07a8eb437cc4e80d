"""One base for every machine translation engine (Weblate's machinery idea).

An engine translates a batch of segments from one language into another and
returns exactly one output per input. The base does the work every engine
would otherwise repeat: it checks the pair, folds identical segments into one,
passes through segments with nothing to translate (blank, numbers, lone
placeholders), keeps each segment's outer whitespace, checks that the engine
answered 1:1 and wraps any failure in :class:`EngineError`.

Codes are the network's BASE codes (``bg``, ``en``, ``mk``, ``sr``…); each
engine maps them to its own. Plain Python: settings come in as arguments.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from b40news.text.repair import Fix

# Characters engines use to mark words they could not handle (Apertium).
MARK_CHARS = "*#@"


class EngineError(Exception):
    """The one error family: an engine could not translate, and says why."""


@dataclass(frozen=True)
class Output:
    """Clean text (no engine marks), the words the engine marked, and the
    placeholders it got wrong and that were repaired (shown to review)."""

    text: str
    unknown: tuple[str, ...] = ()
    repairs: tuple[Fix, ...] = ()


class Engine(ABC):
    id: ClassVar[str]

    @abstractmethod
    def is_available(self) -> bool:
        """Whether the engine can run here now (binaries, data, models)."""

    @abstractmethod
    def version(self) -> str:
        """Changes whenever the engine's code or data changes."""

    def pair_version(self, source: str, target: str) -> str:
        """The version of what translates this pair; engines with data per
        pair narrow it so installing one pair does not invalidate the rest."""
        return self.version()

    @abstractmethod
    def pairs(self) -> frozenset[tuple[str, str]]:
        """The (source, target) base-code pairs it can translate now."""

    def supports(self, source: str, target: str) -> bool:
        return (source, target) in self.pairs()

    def translate_batch(self, segments: Sequence[str], source: str, target: str) -> list[str]:
        return [output.text for output in self.translate_detailed(segments, source, target)]

    def translate_detailed(
        self, segments: Sequence[str], source: str, target: str
    ) -> list[Output]:
        if isinstance(segments, str):
            raise TypeError("segments must be a sequence of strings, not one string")
        if not segments:
            return []
        if not self.supports(source, target):
            raise EngineError(f"{self.id} cannot translate {source}→{target} here")
        cores = [segment.strip() for segment in segments]
        unique = list(dict.fromkeys(core for core in cores if needs_translation(core)))
        done: dict[str, Output] = {}
        if unique:
            try:
                outputs = self._translate(unique, source, target)
            except EngineError:
                raise
            except Exception as error:  # wrap, never swallow
                raise EngineError(f"{self.id} {source}→{target} failed: {error}") from error
            if len(outputs) != len(unique):
                raise EngineError(
                    f"{self.id} {source}→{target} returned {len(outputs)} outputs "
                    f"for {len(unique)} segments"
                )
            for core, output in zip(unique, outputs):
                if not output.text.strip():
                    raise EngineError(
                        f"{self.id} {source}→{target} returned nothing for {core[:60]!r}"
                    )
                done[core] = Output(output.text.strip(), output.unknown, output.repairs)
        results = []
        for segment, core in zip(segments, cores):
            if core not in done:  # blank, numbers, lone placeholders: as they came
                results.append(Output(segment))
                continue
            output = done[core]
            lead = segment[: len(segment) - len(segment.lstrip())]
            trail = segment[len(segment.rstrip()) :]
            results.append(Output(lead + output.text + trail, output.unknown, output.repairs))
        return results

    @abstractmethod
    def _translate(self, segments: list[str], source: str, target: str) -> list[Output]:
        """Translate distinct, stripped, non-trivial segments, one output each."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


def needs_translation(text: str) -> bool:
    """False for text with no letters: blanks, numbers, placeholders, dashes."""
    return any(char.isalpha() for char in text)
