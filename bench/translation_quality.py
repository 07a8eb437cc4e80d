"""Machine translation quality over the corpus, with and without the project's lexicon.

    .venv/bin/python bench/translation_quality.py [--corpus bench/corpus]

For every text of ``bench/corpus/`` (Bulgarian municipal news written for it;
``dev-*`` texts were read while the lexicon grew, ``heldout-*`` never were)
and each Apertium route (bg→mk, bg→mk→en), in one run, Apertium alone and
Apertium with the lexicon compiled over it (``translation/lexicon``):

* unknown-word rate: the source's words the engine marked as unknown on the
  route, names, Latin-script words and abbreviations left out (a name no
  dictionary has is not a fault), per 100 words;
* publishable: the share of segments the checks pass with no flag
  (``translation/quality.py``, glossary checks included), as a reviewer would
  see them;
* English common words only transliterated: how many the checks found (each
  holds its segment for a person), and how many ship in a segment the checks
  pass, found by spelling every source word in Latin letters and keeping those
  Apertium's English analyser does not know (must be 0);
* term accuracy: glossary term occurrences whose target stands in the output
  in the form the source asks for (Кметът → Градоначалникот, 80 кмета →
  80 Mayors);
* chrF (sacrebleu) of the whole texts against the reference translations in
  the corpus (``NAME.mk.txt``, ``NAME.en.txt``), where there are any.

The real path of a release: ``service.prepare`` (terms and names protected)
→ ``pipeline.translate_segments`` → ``service.finish``. The glossary is the
seed's approved entries. No database, no memory; everything in a temporary
folder.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).with_name("corpus")
ROUTES = ("mk", "en")
_WORD_RE = re.compile(r"\w+(?:[-'’]\w+)*")


@dataclass
class Text:
    name: str
    title: str
    body: str
    references: dict[str, str] = field(default_factory=dict)

    @property
    def heldout(self) -> bool:
        return self.name.startswith("heldout-")


@dataclass
class Score:
    words: int = 0
    unknown: int = 0
    segments: int = 0
    publishable: int = 0
    transliterated: int = 0
    shipped_transliterated: int = 0  # found by comparing words, not from the flags
    terms: int = 0
    terms_right: int = 0
    hypotheses: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)

    def chrf(self) -> float | None:
        if not self.references:
            return None
        import sacrebleu

        return sacrebleu.corpus_chrf(self.hypotheses, [self.references]).score


def load_corpus(directory: Path = CORPUS) -> list[Text]:
    texts = []
    for path in sorted(directory.glob("*.bg.txt")):
        name = path.name.removesuffix(".bg.txt")
        title, _, body = path.read_text(encoding="utf-8").strip("\n").partition("\n")
        references = {code: (directory / f"{name}.{code}.txt").read_text(encoding="utf-8")
                      for code in ROUTES if (directory / f"{name}.{code}.txt").is_file()}
        texts.append(Text(name, title.strip(), body.strip("\n"), references))
    return texts


def engine_sets(work: Path) -> dict[str, dict]:
    """``without`` (Apertium's installed data) and ``with`` (the lexicon compiled over it)."""
    from b40news.translation.engines import build_engines

    none = work / "no-argos-packages"  # Apertium's routes only: this measures the lexicon
    return {
        "without": build_engines(argos_packages_dir=none),
        "with": build_engines(argos_packages_dir=none, apertium_lexicon_dir=work / "apertium-lexicon"),
    }


ENGLISH_ANALYSER = Path("/usr/share/apertium/apertium-mkd-eng/eng-mkd.automorf.bin")


def not_english(words: list[str]) -> list[str]:
    """The words Apertium's English analyser does not know (a transliteration, not a cognate)."""
    if not words:
        return []
    done = subprocess.run(["lt-proc", "-z", str(ENGLISH_ANALYSER)], input="\0".join(words) + "\0",
                          capture_output=True, text=True, check=True)
    return [w for w, out in zip(words, done.stdout.split("\0")) if "/*" in out]


def _flat(text: str) -> str:
    return " ".join(text.split())


def measure(texts: list[Text], engines: dict, glossary) -> dict[tuple[str, bool], Score]:
    """(language, held out?) -> Score for one engine set."""
    from b40news.translation import quality
    from b40news.translation.engines.base import needs_translation
    from b40news.translation.pipeline import translate_segments
    from b40news.translation.service import _replacement, finish, prepare
    from b40news.text.scripts import transliterate
    from b40news.text.tokens import LOOSE_PLACEHOLDER_RE

    apertium = engines["apertium"]
    scores: dict[tuple[str, bool], Score] = defaultdict(Score)
    for text in texts:
        prepared = prepare(text.title, text.body, glossary)
        protected = [p.text for p in prepared.protected]
        results = translate_segments(protected, list(ROUTES), engines, glossary_version=glossary.version,
                                     flagged_share_limit=1.0)
        inputs = [s for s in protected if needs_translation(s)]
        to_mk = apertium.translate_detailed(inputs, "bg", "mk")
        to_en = apertium.translate_detailed([o.text for o in to_mk], "mk", "en")
        unknown = {"mk": [o.unknown for o in to_mk],
                   "en": [a.unknown + b.unknown for a, b in zip(to_mk, to_en)]}
        words = sum(len(_WORD_RE.findall(LOOSE_PLACEHOLDER_RE.sub(" ", s))) for s in inputs)
        for code in ROUTES:
            score = scores[(code, text.heldout)]
            score.words += words
            score.unknown += sum(1 for marked in unknown[code] for word in marked
                                 if not quality.is_name_or_foreign(word))
            fields = finish(prepared, results[code], glossary, {})
            for segment, protected_segment in zip(fields["segments"], prepared.protected):
                if not needs_translation(segment["source"]):
                    continue
                score.segments += 1
                score.publishable += quality.publishable(segment["flags"])
                for flag in segment["flags"]:
                    if flag.startswith("untranslated-word:"):
                        score.transliterated += flag.count("→")
                if code == "en" and not quality.failed(segment["flags"]):
                    spelt = {transliterate(word, "en").lower() for word in _WORD_RE.findall(segment["source"])
                             if not quality.is_name_or_foreign(word)}
                    found = [w for w in _WORD_RE.findall(segment["target"]) if w.lower() in spelt]
                    score.shipped_transliterated += len(not_english(found))  # park, sport: English too
                for span in protected_segment.spans:
                    if span.kind == "term":
                        score.terms += 1
                        wanted = _replacement(span, code, glossary)
                        score.terms_right += wanted.casefold() in segment["target"].casefold()
            if code in text.references:
                body = [s["target"] for s in fields["segments"]]
                score.hypotheses.append(_flat(" ".join(body)))
                score.references.append(_flat(text.references[code]))
    return scores


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "   -   "


def report(all_scores: dict[str, dict], texts: list[Text]) -> str:
    lines = []
    header = (f"{'route':12}{'texts':10}{'lexicon':9}{'words':>6}{'unknown/100':>12}{'publishable':>13}"
              f"{'translit.':>10}{'shipped':>8}{'terms':>7}{'right':>9}{'chrF':>7}")
    lines += [header, "-" * len(header)]
    for code, route in (("mk", "bg→mk"), ("en", "bg→mk→en")):
        for heldout, label in ((False, f"dev ({sum(not t.heldout for t in texts)})"),
                               (True, f"held ({sum(t.heldout for t in texts)})")):
            for which in ("without", "with"):
                s = all_scores[which][(code, heldout)]
                chrf = s.chrf()
                lines.append(
                    f"{route:12}{label:10}{which:9}{s.words:6}{100 * s.unknown / max(s.words, 1):12.1f}"
                    f"{_pct(s.publishable, s.segments):>13}{s.transliterated:10}{s.shipped_transliterated:8}{s.terms:7}"
                    f"{_pct(s.terms_right, s.terms):>9}{'' if chrf is None else f'{chrf:.1f}':>7}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="b40news-bench-quality-"))
    os.environ.update(B40NEWS_DATA_DIR=str(work), DJANGO_SETTINGS_MODULE="b40news.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings

    from b40news.glossary.store import load

    glossary = load(settings.GLOSSARY_DIR).approved()
    texts = load_corpus(args.corpus)
    engines = engine_sets(work)
    scores = {which: measure(texts, engine_set, glossary) for which, engine_set in engines.items()}
    print(f"{len(texts)} texts ({sum(t.heldout for t in texts)} held out), "
          f"{sum(bool(t.references) for t in texts)} with references")
    print(report(scores, texts))


if __name__ == "__main__":
    main()
