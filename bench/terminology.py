"""Term accuracy: does every glossary term of the source reach the output as approved?

    .venv/bin/python bench/terminology.py [--no-argos-test-model]

For each release (the seed release and the short texts in ``bench/data/``,
written with glossary terms in inflected forms: "Кметовете", "кмета",
"Заместник-кметовете", "Националното сдружение", "старозагорските",
"Ст. Загора", "Цариград", "НСОРБ") and each language an engine reaches, the
share of glossary term occurrences in the source whose approved target
appears in the output, counted per occurrence and segment (a term found twice
in a sentence needs its target twice in the translation):

* **without** enforcement: the raw segments through the same route and the
  same pipeline (cleaning included), no placeholders;
* **with** enforcement: the real path, ``translation.service.prepare`` (terms
  and names protected) → ``pipeline.translate_segments`` → ``service.finish``
  (placeholders restored with the approved targets).

Engines: Apertium bg→mk and bg→mk→en as installed; and (unless
``--no-argos-test-model``) the deterministic Argos test model of
``tests/support/argos_model.py`` (bg→en spelt in Latin letters, en→el/tr/sr
copying) in a second engine set, which shows the enforcement on routes
through English. The glossary is the seed's approved entries (``settings.GLOSSARY_DIR``).
No database: no memory, nothing stored. Everything goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"
SEED_TITLE = "Стара Загора участва в Петата среща на върха на B40 в Загреб"
DATA_FILES = sorted((Path(__file__).parent / "data").glob("*.bg.txt"))
TMP = tempfile.mkdtemp(prefix="b40news-bench-terms-")
os.environ.update(B40NEWS_DATA_DIR=TMP, ARGOS_PACKAGES_DIR=os.path.join(TMP, "argos-packages"),
                  DJANGO_SETTINGS_MODULE="b40news.settings")
for _name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = os.path.join(TMP, _name.lower())
sys.path.insert(0, str(REPO))  # tests.support.argos_model

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from b40news.glossary.entries import Glossary  # noqa: E402
from b40news.glossary.store import load  # noqa: E402
from b40news.releases.intake import split_title  # noqa: E402
from b40news.translation.argos_models import install_packages  # noqa: E402
from b40news.translation.engines import build_engines  # noqa: E402
from b40news.translation.pipeline import translate_segments  # noqa: E402
from b40news.translation.service import finish, prepare  # noqa: E402


def releases() -> list[tuple[str, str, str]]:
    """(name, title, body) of every text measured."""
    found = [("seed", SEED_TITLE, SEED.read_text(encoding="utf-8").strip())]
    for path in DATA_FILES:
        text = split_title(path.read_text(encoding="utf-8"), None, name=path.name)
        found.append((path.name.removesuffix(".bg.txt"), text.title, text.body))
    return found


def score(sources, outputs, glossary: Glossary, code: str) -> tuple[int, int]:
    """(term occurrences in the sources, how many of them the outputs carry as approved)."""
    required = satisfied = 0
    for source, output in zip(sources, outputs, strict=True):
        wanted = Counter(glossary.get(m.entry_id).target(code) for m in glossary.find(source))
        for target, times in wanted.items():
            required += times
            satisfied += min(times, output.count(target))
    return required, satisfied


def measure(engines, codes, glossary: Glossary, texts) -> dict[str, dict]:
    """language -> {route, per text (required, without, with)} for one engine set."""
    rows: dict[str, dict] = {}
    for name, title, body in texts:
        prepared = prepare(title, body, glossary)
        sources = list(prepared.sources)
        raw = translate_segments(sources, codes, engines, flagged_share_limit=1.0)
        guarded = translate_segments([p.text for p in prepared.protected], codes, engines,
                                     glossary_version=glossary.version, flagged_share_limit=1.0)
        for code in codes:
            if raw[code].status == "no_engine" or not raw[code].segments:
                continue
            required, without = score(sources, [s.target for s in raw[code].segments], glossary, code)
            fields = finish(prepared, guarded[code], glossary, {})
            _, with_ = score(sources, [s["target"] for s in fields["segments"]], glossary, code)
            assert fields["glossary_report"]["required"] == required, (name, code)
            row = rows.setdefault(code, {"route": " → ".join(raw[code].route), "texts": {}})
            row["texts"][name] = (required, without, with_)
    return rows


def argos_test_engines(directory: Path):
    from tests.support.argos_model import BG_TO_LATIN, build_argos_package

    build, packages = directory / "build", directory / "packages"
    pairs = {("bg", "en"): BG_TO_LATIN, ("en", "el"): None, ("en", "tr"): None}
    paths = [build_argos_package(build, from_code=a, to_code=b, char_map=m) for (a, b), m in pairs.items()]
    install_packages(paths, packages)
    return build_engines(argos_packages_dir=packages, apertium_bin=settings.APERTIUM_BIN)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    -  "


def print_table(title: str, rows: dict[str, dict], names: list[str]) -> None:
    print(f"\n{title}")
    header = f"{'language':9}{'route':58}{'text':24}{'terms':>6}{'without':>18}{'with':>18}"
    print(header)
    print("-" * len(header))
    for code, row in rows.items():
        total = [0, 0, 0]
        for name in names:
            if name not in row["texts"]:
                continue
            required, without, with_ = row["texts"][name]
            total = [total[0] + required, total[1] + without, total[2] + with_]
            print(f"{code:9}{row['route']:58}{name:24}{required:6}"
                  f"{without:7} {percent(without, required)}{with_:7} {percent(with_, required)}")
        print(f"{code:9}{row['route']:58}{'ALL':24}{total[0]:6}"
              f"{total[1]:7} {percent(total[1], total[0])}{total[2]:7} {percent(total[2], total[0])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-argos-test-model", action="store_true",
                        help="only the real engines (Apertium), not the synthetic Argos test model")
    args = parser.parse_args()
    glossary = load(settings.GLOSSARY_DIR).approved()
    texts = releases()
    names = [name for name, _, _ in texts]
    print(f"glossary {settings.GLOSSARY_DIR}: {len(glossary)} approved entries, version {glossary.version}")
    print(f"texts: {', '.join(names)}")
    real = build_engines(argos_packages_dir=Path(TMP) / "no-packages", apertium_bin=settings.APERTIUM_BIN)
    print_table("Real engines (Apertium): term occurrences whose approved target is in the output",
                measure(real, ["mk", "en"], glossary, texts), names)
    if not args.no_argos_test_model:
        synthetic = argos_test_engines(Path(TMP) / "argos")
        print_table("Argos test model (bg→en transliterates, en→X copies): the same measure",
                    measure(synthetic, ["en", "el", "tr"], glossary, texts), names)


if __name__ == "__main__":
    main()
