"""Argos Translate packages, run directly on CTranslate2 + SentencePiece.

``argostranslate`` itself is never imported here: it reads its settings from
the environment at first import, keeps global translator caches and splits
sentences with models it downloads on first use (offline: fails). Instead the
packages in ``packages_dir`` are read from their ``metadata.json``
(:mod:`b40news.translation.argos_models`), and each package's CTranslate2
model runs with its own ``sentencepiece.model``: all segments of a call in ONE
``translate_batch``. Translators load once per process, behind a lock, keyed
by the package's fingerprint; :meth:`ArgosEngine.reload` drops them.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from b40news.translation import argos_models

from .base import Engine, EngineError, Output


class ArgosEngine(Engine):
    id = "argos"

    def __init__(self, *, packages_dir: str | Path, device: str = "cpu",
                 compute_type: str = "int8", beam_size: int = 4, threads: int = 0,
                 max_batch_size: int = 32) -> None:
        self.packages_dir = Path(packages_dir)
        self.device = device
        self.compute_type = compute_type
        self.beam_size = beam_size
        self.threads = threads
        self.max_batch_size = max_batch_size
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, str], tuple[object, object]] = {}  # (path, fingerprint)

    def packages(self) -> dict[tuple[str, str], argos_models.ArgosPackage]:
        """The usable package for each pair (the highest version wins)."""
        chosen = {}
        for package in argos_models.list_packages(self.packages_dir):
            if package.usable:  # list is sorted by version, so later wins
                chosen[package.pair] = package
        return chosen

    def is_available(self) -> bool:
        return bool(self.pairs())

    def pairs(self) -> frozenset[tuple[str, str]]:
        if self.device == "cuda" and not _cuda_devices():
            return frozenset()
        return frozenset(self.packages())

    def _settings(self) -> str:
        import ctranslate2

        return f"ct2 {ctranslate2.__version__};{self.compute_type};b{self.beam_size}"

    def version(self) -> str:
        parts = [self.pair_version(*pair) for pair in sorted(self.packages())]
        return f"{self._settings()};{hashlib.sha256('|'.join(parts).encode()).hexdigest()[:12]}"

    def pair_version(self, source: str, target: str) -> str:
        package = self.packages().get((source, target))
        if package is None:
            return self.version()
        return f"{source}-{target} {package.package_version}:{package.fingerprint()};{self._settings()}"

    def reload(self) -> None:
        """Forget loaded translators; the next call reads the packages again."""
        with self._lock:
            self._loaded.clear()

    def _load(self, package: argos_models.ArgosPackage) -> tuple[object, object]:
        key = (str(package.path), package.fingerprint())
        with self._lock:
            if key not in self._loaded:
                for old in [k for k in self._loaded if k[0] == key[0]]:
                    del self._loaded[old]  # an older install of the same folder
                self._loaded[key] = (self._translator(package), _tokenizer(package))
            return self._loaded[key]

    def _translator(self, package: argos_models.ArgosPackage):
        import ctranslate2

        if self.device == "cuda" and not _cuda_devices():
            raise EngineError("argos: device 'cuda' asked for, but CTranslate2 sees no GPU")
        options = dict(device=self.device, inter_threads=1, intra_threads=self.threads)
        compute = self.compute_type
        if compute not in ctranslate2.get_supported_compute_types(self.device):
            compute = "default"
        try:
            return ctranslate2.Translator(str(package.path / "model"), compute_type=compute, **options)
        except (ValueError, RuntimeError):
            if compute == "default":
                raise
            return ctranslate2.Translator(str(package.path / "model"), compute_type="default", **options)

    def _translate(self, segments: list[str], source: str, target: str) -> list[Output]:
        package = self.packages()[(source, target)]
        translator, tokenizer = self._load(package)
        tokens = [tokenizer.encode(segment, out_type=str) for segment in segments]
        prefix = [package.target_prefix] if package.target_prefix else []
        pieces = self._decode(translator, tokens, prefix, replace_unknowns=False)
        # Copying unknown source pieces through needs attention kept at every
        # step, which is slow: only the rows that produced <unk> pay for it.
        again = [i for i, row in enumerate(pieces) if "<unk>" in row]
        if again:
            redone = self._decode(translator, [tokens[i] for i in again], prefix, replace_unknowns=True)
            for i, row in zip(again, redone):
                pieces[i] = row
        return [Output(tokenizer.decode_pieces(row).replace("▁", " ").strip()) for row in pieces]

    def _decode(self, translator, tokens: list[list[str]], prefix: list[str], *, replace_unknowns: bool):
        longest = max(len(row) for row in tokens)
        results = translator.translate_batch(
            tokens,
            target_prefix=[prefix] * len(tokens) if prefix else None,
            max_batch_size=self.max_batch_size,
            beam_size=self.beam_size,
            max_decoding_length=max(256, 2 * longest + 16),
            replace_unknowns=replace_unknowns,
            length_penalty=0.2,
        )
        rows = []
        for result in results:
            row = list(result.hypotheses[0])
            rows.append(row[len(prefix) :] if prefix and row[: len(prefix)] == prefix else row)
        return rows


def _tokenizer(package: argos_models.ArgosPackage):
    import sentencepiece

    return sentencepiece.SentencePieceProcessor(model_file=str(package.path / "sentencepiece.model"))


def _cuda_devices() -> int:
    import ctranslate2

    return ctranslate2.get_cuda_device_count()
