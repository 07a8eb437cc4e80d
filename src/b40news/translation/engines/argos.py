"""Argos Translate packages, run directly on CTranslate2 + SentencePiece.

``argostranslate`` itself is never imported here: it reads its settings from
the environment at first import, keeps global translator caches and splits
sentences with models it downloads on first use (offline: fails). Instead the
packages in ``packages_dir`` are read from their ``metadata.json``
(:mod:`b40news.translation.argos_models`), and each package's CTranslate2
model runs with its own ``sentencepiece.model``: all segments of a call in ONE
``translate_batch``. Translators load once per process, behind a lock, keyed
by the package's fingerprint; :meth:`ArgosEngine.reload` drops them. Rows that
lost, repeated or renumbered a ``⟦n⟧`` are repaired along the attention.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from b40news.text.repair import repair
from b40news.text.tokens import placeholders_in
from b40news.translation import argos_models

from .base import Engine, EngineError, Output


class ArgosEngine(Engine):
    id = "argos"

    def __init__(self, *, packages_dir: str | Path, device: str = "cpu",
                 compute_type: str = "int8", beam_size: int = 4, threads: int = 0,
                 max_batch_size: int = 32) -> None:
        self.packages_dir = Path(packages_dir)
        self.device, self.compute_type, self.beam_size = device, compute_type, beam_size
        self.threads, self.max_batch_size = threads, max_batch_size
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, str], tuple[object, object]] = {}  # (path, fingerprint)

    def packages(self) -> dict[tuple[str, str], argos_models.ArgosPackage]:
        """The usable package for each pair (listed by version: the highest wins)."""
        return {p.pair: p for p in argos_models.list_packages(self.packages_dir) if p.usable}

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
                import sentencepiece

                tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(package.path / "sentencepiece.model"))
                self._loaded[key] = (self._translator(package), tokenizer)
            return self._loaded[key]

    def _translator(self, package: argos_models.ArgosPackage):
        import ctranslate2

        if self.device == "cuda" and not _cuda_devices():
            raise EngineError("argos: device 'cuda' asked for, but CTranslate2 sees no GPU")
        options = dict(device=self.device, inter_threads=1, intra_threads=self.threads)
        supported = self.compute_type in ctranslate2.get_supported_compute_types(self.device)
        for compute in [self.compute_type, "default"] if supported else ["default"]:
            try:
                return ctranslate2.Translator(str(package.path / "model"), compute_type=compute, **options)
            except (ValueError, RuntimeError):
                if compute == "default":
                    raise

    def _translate(self, segments: list[str], source: str, target: str) -> list[Output]:
        package = self.packages()[(source, target)]
        translator, tokenizer = self._load(package)
        tokens = [tokenizer.encode(segment, out_type=str) for segment in segments]
        prefix = [package.target_prefix] if package.target_prefix else []
        rows, _ = self._decode(translator, tokens, prefix, again=False)
        outputs = [Output(tokenizer.decode_pieces(row).replace("▁", " ").strip()) for row in rows]
        # Copying unknown pieces through and aligning placeholders need the
        # attention of every step, which is slow: only the rows that produced
        # <unk>, or lost, repeated or renumbered a placeholder, pay for it.
        again = [i for i, (row, out) in enumerate(zip(rows, outputs))
                 if "<unk>" in row or placeholders_in(out.text) != placeholders_in(segments[i])]
        if again:
            redone, attention = self._decode(translator, [tokens[i] for i in again], prefix, again=True)
            for i, row, weights in zip(again, redone, attention):
                outputs[i] = _aligned(tokenizer, tokens[i], row, weights, segments[i])
        return outputs

    def _decode(self, translator, tokens: list[list[str]], prefix: list[str], *, again: bool):
        longest = max(len(row) for row in tokens)
        results = translator.translate_batch(
            tokens,
            target_prefix=[prefix] * len(tokens) if prefix else None,
            max_batch_size=self.max_batch_size,
            beam_size=self.beam_size,
            max_decoding_length=max(256, 2 * longest + 16),
            replace_unknowns=again,
            return_attention=again,
            length_penalty=0.2,
        )
        rows = [list(result.hypotheses[0]) for result in results]
        rows = [row[len(prefix) :] if prefix and row[: len(prefix)] == prefix else row for row in rows]
        return rows, [result.attention[0] for result in results] if again else []


def _aligned(tokenizer, source: list[str], row: list[str], weights, segment: str) -> Output:
    """The row's text, its placeholders repaired if they differ from the segment's, along
    the model's attention: each output piece -> the source piece it attended to most."""
    text, spans = _spans(tokenizer, row)
    if placeholders_in(text) == placeholders_in(segment):
        return Output(text)
    origin, places = _spans(tokenizer, source)
    steps = weights[len(weights) - len(row) :] if len(weights) >= len(row) else []  # no prefix steps
    links = [(*spans[t], *places[max(range(min(len(step), len(places))), key=step.__getitem__)])
             for t, step in enumerate(steps) if spans[t][1] > spans[t][0] and len(step) and places]
    fixed = repair(origin, text, links)
    return Output(fixed.text, repairs=fixed.fixes)


def _spans(tokenizer, pieces: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The text of ``pieces`` and each piece's (start, end) in it."""
    ends = [len(tokenizer.decode_pieces(pieces[: n + 1])) for n in range(len(pieces))]
    text = tokenizer.decode_pieces(pieces).replace("▁", " ")
    lead = len(text) - len(text.lstrip())
    return text.strip(), [(max(0, a - lead), max(0, b - lead)) for a, b in zip([0, *ends], ends)]


def _cuda_devices() -> int:
    import ctranslate2

    return ctranslate2.get_cuda_device_count()
