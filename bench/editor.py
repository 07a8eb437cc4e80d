"""The segment editor's time to save a segment.

    .venv/bin/python bench/editor.py [--saves N]

The seed release, untranslated, and its Albanian (no engine here) typed into
segment by segment, N saves each way through Django's test client (the whole
request: middleware, session, CSRF, permission, the workflow's transaction):

- ``json``: the editor's save (``office:save_segment``), what editor.js posts:
  the row is updated in place;
- ``form + page``: the form post without JavaScript (``office:edit_segment``)
  and the review page it redirects to, which the browser then loads: the
  baseline a save cost before the editor.

The first save of a language creates its segments (``workflow.start_editing``)
and is reported on its own. Prints the median and 95th percentile in ms;
figures only, no assertions. Everything goes to a temporary folder (SQLite).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TMP = tempfile.mkdtemp(prefix="b40news-bench-editor-")
os.environ.update(B40NEWS_DATA_DIR=TMP, DJANGO_SETTINGS_MODULE="b40news.settings")
os.environ.pop("REDIS_URL", None)
os.environ.pop("DATABASE_URL", None)
sys.path[0] = str(REPO)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from b40news import languages  # noqa: E402
from b40news.network.models import City, Officer  # noqa: E402
from b40news.network.sample import load_sample  # noqa: E402
from b40news.releases import reviewers, workflow  # noqa: E402
from b40news.releases.models import Translation  # noqa: E402

SEED = REPO.parent / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"
SEED_TITLE = "Стара Загора участва в Петата среща на върха на B40 в Загреб"


def figures(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name:>14}: {len(times):4d} saves, median {statistics.median(times):7.1f} ms, p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5, help="the seed's body this many times (5: 57 segments)")
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    load_sample(0)
    user = get_user_model().objects.create_user("bench", password="a-bench-password-1")
    Officer.objects.create(user=user, city=City.objects.get(slug="stara-zagora"))
    for code in languages.TARGETS:
        reviewers.grant("bench", code, cities=["stara-zagora"])
    body = SEED.read_text(encoding="utf-8").strip()
    text = SEED_TITLE + "\n\n" + "\n\n".join([body] * args.repeat)
    release = workflow.submit(text.encode(), name="seed.txt", city="stara-zagora", title=SEED_TITLE,
                              user=user)
    client = Client()
    client.force_login(user)
    page = reverse("office:review", args=[release.pk, "sq"])
    client.get(page)  # warm: templates, glossary

    start = time.perf_counter()
    response = client.post(reverse("office:save_segment", args=[release.pk, "sq", 0]), {"s0-target": "Titulli"})
    assert response.status_code == 200, response.content
    print(f"first save (creates the language's segments): {(time.perf_counter() - start) * 1000:.1f} ms")
    count = len(Translation.objects.get(release=release, language__code="sq").segments)

    json_times, form_times = [], []
    for n in range(args.saves):
        index = 1 + n % (count - 1)
        start = time.perf_counter()
        response = client.post(reverse("office:save_segment", args=[release.pk, "sq", index]),
                               {f"s{index}-target": f"Fjalia {index}, version json {n}."})
        json_times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200 and response.json()["ok"], response.content
        start = time.perf_counter()
        response = client.post(reverse("office:edit_segment", args=[release.pk, "sq", index]),
                               {f"s{index}-target": f"Fjalia {index}, version form {n}."}, follow=True)
        form_times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    page_times = []
    for _ in range(max(5, args.saves // 6)):
        start = time.perf_counter()
        assert client.get(page).status_code == 200
        page_times.append((time.perf_counter() - start) * 1000)
    print(f"release of {count} segments, language without engine (sq), SQLite in {TMP}")
    figures("json", json_times)
    figures("form + page", form_times)
    print(f"{'page alone':>14}: {len(page_times):4d} loads, median {statistics.median(page_times):7.1f} ms")


if __name__ == "__main__":
    main()
