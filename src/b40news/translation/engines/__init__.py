"""Machine translation engines: one class per engine over one base.

``build_engines(...)`` builds the set the pipeline and ``choose_route`` take,
keyed by each engine's ``id``.
"""

from __future__ import annotations

from pathlib import Path

from .base import Engine, EngineError, Output
from .apertium import ApertiumEngine
from .argos import ArgosEngine
from .serbian_script import SerbianScriptEngine

__all__ = [
    "ApertiumEngine",
    "ArgosEngine",
    "Engine",
    "EngineError",
    "Output",
    "SerbianScriptEngine",
    "build_engines",
]


def build_engines(*, argos_packages_dir: str | Path, apertium_bin: str = "apertium",
                  apertium_data_dir: str | Path = "/usr/share/apertium",
                  argos_device: str = "cpu", argos_compute_type: str = "int8",
                  argos_beam_size: int = 4, argos_threads: int = 0,
                  argos_max_batch_size: int = 32,
                  apertium_lexicon_dir: str | Path | None = None) -> dict[str, Engine]:
    """Every engine, configured from settings the caller passes in."""
    engines: list[Engine] = [
        ApertiumEngine(command=apertium_bin, data_dir=apertium_data_dir,
                       lexicon_dir=apertium_lexicon_dir),
        ArgosEngine(packages_dir=argos_packages_dir, device=argos_device,
                    compute_type=argos_compute_type, beam_size=argos_beam_size,
                    threads=argos_threads, max_batch_size=argos_max_batch_size),
        SerbianScriptEngine(),
    ]
    return {engine.id: engine for engine in engines}
