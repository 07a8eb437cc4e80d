"""Translation throughput, in one process, on the same package and inputs.

    .venv/bin/python bench/translate.py [--copies 46] [--argos-copies 6] [--runs 3]

Prints:
* segments/s through our batched ArgosEngine (all segments in one call) and
  through argostranslate's own per-paragraph path (``PackageTranslation``:
  one ``apply_packaged_translation`` per paragraph, with our segmenter in
  place of its sentence splitter, which would download a model), on the
  deterministic test package of ``tests/support/argos_model.py`` (bg→en,
  Bulgarian spelt in Latin letters, one decoding step per character), the
  ratio, and whether both gave the same text. Only the seed's sentences of at
  most 240 characters are used: argostranslate decodes at most 256 pieces and
  would cut the longer ones (doing less work than we do);
* a document whose segments are all in the translation memory: engine calls
  (0) and time, against the first run that filled the memory (Apertium routes);
* Apertium words/s for bg→mk and bg→mk→en (one process per step);
* the peak RSS of the process with our engines and the test model loaded,
  then with argostranslate imported and run as well.

Inputs: the seed release repeated, with a numbered phrase in every sentence so
no two segments are equal (both engines fold duplicates otherwise).
Everything is written to a temporary data directory, as in the tests.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"
DATA = tempfile.mkdtemp(prefix="b40news-bench-")
os.environ.update(
    B40NEWS_DATA_DIR=DATA,
    ARGOS_PACKAGES_DIR=os.path.join(DATA, "argos-packages"),
    DJANGO_SETTINGS_MODULE="b40news.settings",
)
for _name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = os.path.join(DATA, _name.lower())
for _name in ("DATABASE_URL", "REDIS_URL"):
    os.environ.pop(_name, None)
sys.path.insert(0, str(REPO))  # tests.support.argos_model

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from b40news.text.segment import segment  # noqa: E402
from b40news.translation import service  # noqa: E402
from b40news.translation.argos_models import install_package  # noqa: E402
from b40news.translation.document import translate_document  # noqa: E402
from b40news.translation.engines import build_engines  # noqa: E402
from tests.support.argos_model import BG_TO_LATIN, build_argos_package  # noqa: E402

# argostranslate runs as our engine does: same compute type, beam, threads.
os.environ.update(ARGOS_DEVICE_TYPE=settings.ARGOS_DEVICE, ARGOS_COMPUTE_TYPE=settings.ARGOS_COMPUTE_TYPE,
                  ARGOS_BEAM_SIZE=str(settings.ARGOS_BEAM_SIZE), ARGOS_INTRA_THREADS=str(settings.ARGOS_THREADS))
WORD_RE = re.compile(r"\w+")
ARGOS_LONGEST = 240


def document(copies: int, longest: int | None = None) -> tuple[str, list[str]]:
    """The seed ``copies`` times, every sentence numbered (only those of at most
    ``longest`` characters, if given); and its segments."""
    paragraphs = [segment(p.strip()).segments for p in SEED.read_text("utf-8").split("\n\n") if p.strip()]
    if longest is not None:
        paragraphs = [[s for s in p if len(s) <= longest] for p in paragraphs]
    out = []
    for copy in range(1, copies + 1):
        for sentences in filter(None, paragraphs):
            out.append(" ".join(f"{s[:-1]}, част {copy}{s[-1]}" for s in sentences))
    text = "\n\n".join(out) + "\n"
    segments = list(segment(text).segments)
    assert len(set(segments)) == len(segments) == copies * sum(map(len, paragraphs))
    return text, segments


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class CountingEngines(dict):
    """Our engines, counting the batches they are asked to translate."""

    def __init__(self, engines):
        super().__init__(engines)
        self.calls = 0
        for engine in engines.values():
            engine.translate_detailed = self._counted(engine.translate_detailed)

    def _counted(self, method):
        def translate_detailed(segments, source, target):
            self.calls += 1
            return method(segments, source, target)
        return translate_detailed


def argostranslate_per_paragraph(package_path: Path):
    """argostranslate's PackageTranslation with our segmenter as its sentence splitter."""
    import argostranslate.package
    import argostranslate.sbd
    import argostranslate.translate

    class OurSegmenter(argostranslate.sbd.ISentenceBoundaryDetectionModel):
        def split_sentences(self, text: str) -> list[str]:
            return list(segment(text).segments)

    logging.getLogger("argostranslate.utils").setLevel(logging.WARNING)  # it logs every call at INFO
    translation = argostranslate.translate.PackageTranslation(
        None, None, argostranslate.package.Package(package_path))
    translation.sentencizer = OurSegmenter()
    return translation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=46, help="copies of the seed (11 segments each)")
    parser.add_argument("--argos-copies", type=int, default=6,
                        help="copies for the Argos comparison (the character-level test model "
                             "decodes one step per character: slow on long sentences)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each; the best is shown")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    built = build_argos_package(Path(DATA) / "build", from_code="bg", to_code="en", char_map=BG_TO_LATIN)
    package = install_package(built, settings.ARGOS_PACKAGES_DIR)
    text, segments = document(args.copies)
    words = sum(len(WORD_RE.findall(s)) for s in segments)
    # Sentences argostranslate does not cut (it decodes at most 256 pieces, one a character here).
    argos_text, argos_segments = document(args.argos_copies, longest=ARGOS_LONGEST)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; best of {args.runs} runs "
          "of each")

    argos = service.engines()["argos"]
    argos.translate_batch(argos_segments[:2], "bg", "en")  # load the model
    ours_s, ours = best_of(args.runs, lambda: argos.translate_batch(argos_segments, "bg", "en"))

    apertium = service.engines()["apertium"]
    apertium.translate_batch(segments[:1], "bg", "mk")
    mk_s, mk = best_of(args.runs, lambda: apertium.translate_batch(segments, "bg", "mk"))
    en_s, _ = best_of(args.runs, lambda: apertium.translate_batch(mk, "mk", "en"))

    engines = CountingEngines(build_engines(argos_packages_dir=Path(DATA) / "no-argos-packages"))
    first_s, _ = best_of(1, lambda: translate_document(text, ["mk", "en"], engines=engines))
    first_calls, engines.calls = engines.calls, 0
    memory_s, again = best_of(args.runs, lambda: translate_document(text, ["mk", "en"], engines=engines))
    assert all(s["from_memory"] for info in again["languages"].values() for s in info["segments"])
    rss_ours = peak_rss_mb()

    baseline = argostranslate_per_paragraph(package.path)
    baseline.translate("Кмет.")  # load the model
    theirs_s, theirs = best_of(args.runs, lambda: baseline.translate(argos_text))
    ours_paragraphs = segment(argos_text).join(ours).strip().split("\n")
    theirs_paragraphs = theirs.strip().split("\n")
    same = sum(a == b for a, b in zip(ours_paragraphs, theirs_paragraphs) if a)
    paragraphs = sum(1 for p in ours_paragraphs if p)
    seed = segment(SEED.read_text("utf-8")).segments
    cut = [len(s) for s in seed if len(s) > ARGOS_LONGEST]

    print(f"\nArgos bg→en, the test package (one layer, one decoding step per character), "
          f"the seed's sentences of ≤ {ARGOS_LONGEST} characters ×{args.argos_copies}: "
          f"{len(argos_segments)} segments, {paragraphs} paragraphs:")
    print(f"  ours, batched (one call):             {len(argos_segments) / ours_s:7.1f} segments/s  ({ours_s:.2f} s)")
    print(f"  argostranslate, one call a paragraph: {len(argos_segments) / theirs_s:7.1f} segments/s  ({theirs_s:.2f} s)")
    print(f"  ratio ours / argostranslate:          {theirs_s / ours_s:7.2f}×")
    print(f"  outputs: {same} of {paragraphs} paragraphs identical")
    print(f"  left out: {len(cut)} of the seed's {len(seed)} sentences ({', '.join(map(str, cut))} characters), "
          "which argostranslate would cut at CTranslate2's default max_decoding_length of 256 pieces "
          "(ours decodes up to twice the longest input)")
    print(f"\nTranslation memory, the seed ×{args.copies} ({len(segments)} segments) to mk and en "
          "(apertium:bg-mk, apertium:bg-mk → apertium:mk-en):")
    print(f"  first run:           {first_calls} engine calls, {first_s:.2f} s")
    print(f"  all segments stored: {engines.calls} engine calls in {args.runs} runs, {memory_s:.2f} s")
    print(f"\nApertium, the same {len(segments)} segments, {words} words (one process per step):")
    print(f"  bg→mk:     {words / mk_s:7.0f} words/s  ({mk_s:.2f} s)")
    print(f"  bg→mk→en:  {words / (mk_s + en_s):7.0f} words/s  ({mk_s + en_s:.2f} s)")
    print("\nPeak RSS of this process:")
    print(f"  Django, SQLite, our engines with the test model loaded: {rss_ours:5.0f} MB")
    print(f"  then argostranslate imported and run as well:         {peak_rss_mb():5.0f} MB")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(DATA, ignore_errors=True)
