"""How much of a release's translation is drafted before anyone writes a word.

    .venv/bin/python bench/drafts.py [--show]

Two releases (``bench/data/drafts/``): the second repeats half of the first's
sentences word for word (5 of 10), changes two more slightly (another city,
date, month) and adds two new ones and a new title. The run:

1. release 1 is translated into every language (Apertium for mk and en where
   installed; nothing else has an engine here);
2. a Croatian reviewer translates it in a CAT tool: XLIFF export, the
   reviewer's text (``release-1.hr.txt``), XLIFF import, approve. The approval
   drafts Bosnian, Montenegrin and both Serbian scripts from it (siblings);
   Macedonian is approved as it stands (as the demo does), which re-derives
   English from it;
3. release 2 is translated: Croatian starts from the memory (exact and fuzzy),
   its siblings from Croatian's memory;
4. Croatian of release 2 is reviewed the same way: the siblings start from it.

After each step it prints, per language, the share of segments drafted by
kind (memory, fuzzy, sibling, script, machine) and still empty. For the
sibling drafts of step 2 it also prints how close they are to what a
Bosnian and a Serbian reviewer wrote (``release-1.bs.txt``,
``release-1.sr-Latn.txt``): word accuracy (1 - word edit distance / words of
the reference) and segments needing no change, against starting from the raw
Croatian text; ``--show`` prints the drafts that differ. Everything goes to a
temporary folder (SQLite).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "drafts"
TMP = tempfile.mkdtemp(prefix="b40news-bench-drafts-")
os.environ.update(B40NEWS_DATA_DIR=TMP, ARGOS_PACKAGES_DIR=os.path.join(TMP, "argos-packages"),
                  DJANGO_SETTINGS_MODULE="b40news.settings")
os.environ.pop("REDIS_URL", None)  # tasks in-process: the approval's drafts are there when it returns
os.environ.pop("DATABASE_URL", None)
for _name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = os.path.join(TMP, _name.lower())
sys.path[0] = str(REPO)  # not bench/: its translate.py would hide translate-toolkit's package

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402
from translate.storage import xliff as xliff1  # noqa: E402

from b40news import languages  # noqa: E402
from b40news.network.sample import load_sample  # noqa: E402
from b40news.releases import workflow  # noqa: E402
from b40news.releases.models import Translation  # noqa: E402
from b40news.translation import drafts  # noqa: E402
from b40news.translation.exchange import export_xliff, import_xliff  # noqa: E402
from b40news.translation.service import translate_release  # noqa: E402

KINDS = ("memory", "fuzzy", "sibling", "script", "machine")


def lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def submit(name: str):
    return workflow.submit((DATA / name).read_bytes(), name=name, city="zagreb")


def review_in_a_tool(release, code: str, texts: list[str]) -> int:
    """XLIFF out, the reviewer's text in, XLIFF back, approve."""
    store = xliff1.xlifffile.parsestring(export_xliff(release, code, version="1.2"))
    if len(store.units) != len(texts):
        raise SystemExit(f"{code}: {len(texts)} lines for {len(store.units)} segments")
    for unit, text in zip(store.units, texts):
        unit.settarget(text, lang=code)
        unit.xmlelement.find(unit.namespaced("target")).set("state", "translated")
    _, stored = import_xliff(release, bytes(store))
    workflow.approve(release, [code], override=True)
    return stored


def table(release, title: str) -> None:
    print(f"\n{title}")
    print(f"  {'language':9}{'status':12}{'segments':>9}" + "".join(f"{k:>9}" for k in KINDS)
          + f"{'empty':>8}{'reviewed':>10}")
    totals = dict.fromkeys((*KINDS, "empty", "reviewed", "segments"), 0)
    for code in languages.TARGETS:
        t = Translation.objects.filter(release=release, language__code=code).first()
        if t is None:
            continue
        info = drafts.summary(t.segments)
        n = info["segments"] or 1
        shares = "".join(f"{info['prefilled'].get(k, 0) / n:>9.0%}" for k in KINDS)
        print(f"  {code:9}{t.status:12}{info['segments']:>9}{shares}{info['empty'] / n:>8.0%}"
              f"{info['reviewed'] / n:>10.0%}")
        for k in KINDS:
            totals[k] += info["prefilled"].get(k, 0)
        totals["empty"] += info["empty"]
        totals["reviewed"] += info["reviewed"]
        totals["segments"] += info["segments"]
    n = totals["segments"] or 1
    print(f"  {'all':9}{'':12}{totals['segments']:>9}" + "".join(f"{totals[k] / n:>9.0%}" for k in KINDS)
          + f"{totals['empty'] / n:>8.0%}{totals['reviewed'] / n:>10.0%}")


def words(text: str) -> list[str]:
    return text.split()


def closeness(drafted: list[str], reference: list[str]) -> tuple[float, int]:
    edits = sum(Levenshtein.distance(words(d), words(r)) for d, r in zip(drafted, reference))
    total = sum(len(words(r)) for r in reference)
    same = sum(1 for d, r in zip(drafted, reference) if d == r)
    return 1 - edits / total, same


def compare(release, croatian: list[str], show: bool) -> None:
    print("\nsibling drafts of release 1 against what a reviewer of the language wrote")
    print(f"  {'language':9}{'draft: word accuracy':>22}{'no change':>11}   "
          f"{'raw Croatian: word accuracy':>28}{'no change':>11}")
    for code, name in (("bs", "release-1.bs.txt"), ("sr-Latn", "release-1.sr-Latn.txt")):
        reference = lines(name)
        drafted = [s["target"] for s in Translation.objects.get(release=release, language__code=code).segments]
        accuracy, same = closeness(drafted, reference)
        raw_accuracy, raw_same = closeness(croatian, reference)
        print(f"  {code:9}{accuracy:>22.0%}{same:>6}/{len(reference):<4}   {raw_accuracy:>28.0%}"
              f"{raw_same:>6}/{len(reference):<4}")
        if show:
            for d, r in zip(drafted, reference):
                if d != r:
                    print(f"      draft:    {d}\n      reviewer: {r}")


def timed(label: str, action):
    start = time.perf_counter()
    result = action()
    print(f"  ({label}: {time.perf_counter() - start:.2f} s)")
    return result


def main() -> None:
    call_command("migrate", verbosity=0)
    load_sample(0)
    print(f"data in {TMP}")
    first = submit("release-1.bg.txt")
    timed("release 1 translated", lambda: translate_release(first, languages.TARGETS))
    table(first, "1. release 1 translated (no memory yet)")
    croatian = lines("release-1.hr.txt")
    timed("hr reviewed through XLIFF and approved; siblings drafted",
          lambda: review_in_a_tool(first, "hr", croatian))
    timed("mk approved; en derived from it", lambda: workflow.approve(first, ["mk"], force=True, override=True))
    table(first, "2. release 1 after Croatian was reviewed (and Macedonian approved)")
    compare(first, croatian, "--show" in sys.argv)
    second = submit("release-2.bg.txt")
    timed("release 2 translated", lambda: translate_release(second, languages.TARGETS))
    table(second, "3. release 2 translated: half its sentences were in release 1")
    timed("hr of release 2 reviewed; siblings drafted",
          lambda: review_in_a_tool(second, "hr", lines("release-2.hr.txt")))
    table(second, "4. release 2 after its Croatian was reviewed")


if __name__ == "__main__":
    main()
