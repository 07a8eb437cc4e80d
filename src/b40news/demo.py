"""The main job on embedded defaults, start to finish, on one machine.

Load the sample network, submit the seed release, translate it into every
language that has an installed engine, approve, render, send to a local SMTP
server that stores what it receives in a Maildir, and write previews.
"""

from __future__ import annotations

import mailbox
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

from b40news import languages
from b40news.delivery.mailsink import MaildirSink
from b40news.delivery.models import Delivery, Rendition
from b40news.glossary.current import current_glossary
from b40news.network.models import MailingList
from b40news.network.sample import load_sample
from b40news.newsletter.render import Rendered, personalise
from b40news.releases.models import Release, Translation
from b40news.releases import workflow
from b40news.translation.service import translate_release

SEED_TITLE = "Стара Загора участва в Петата среща на върха на B40 в Загреб"


def seed_path() -> Path:
    return settings.PROJECT_DIR.parent / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"


@dataclass
class DemoResult:
    release: Release
    outbox: Path
    previews: Path
    received: Counter  # language -> messages in the Maildir


def run(*, subscribers_per_city: int, city: str, source: Path, out_dir: Path, log=print) -> DemoResult:
    call_command("migrate", verbosity=0)
    counts = load_sample(subscribers_per_city, glossary=current_glossary())
    log(f"sample network: {counts['cities']} cities, {counts['subscribers']} new subscribers")
    # Network news: the seed release goes to every city's list, so every language has readers.
    every_list = list(MailingList.objects.order_by("slug").values_list("slug", flat=True))
    release = workflow.submit(source.read_bytes(), name=source.name, city=city, title=SEED_TITLE, lists=every_list)
    log(f"submitted release {release.pk} from {source.name}")
    translate_release(release, languages.TARGETS)
    translated = [  # machine translations; drafts from people's earlier work wait for a reviewer
        t.language.code for t in release.translations.filter(status=Translation.Status.TRANSLATED)
        .exclude(tier="draft").select_related("language")
    ]
    if translated:
        # The demo stands in for the reviewers (an override, recorded as "demo"); real
        # reviewers look at flagged segments first.
        workflow.approve(release, translated, force=True, override=True, operator="demo")
    outbox = out_dir / "outbox"
    previews = out_dir / "preview"
    previews.mkdir(parents=True, exist_ok=True)
    with MaildirSink(outbox) as sink, override_settings(SMTP_URL=sink.url):
        workflow.send(release)  # in-process: every message is out when it returns
    release.refresh_from_db()
    write_previews(release, previews)
    return DemoResult(release=release, outbox=outbox, previews=previews, received=count_outbox(outbox))


def write_previews(release: Release, directory: Path) -> None:
    for rendition in Rendition.objects.filter(release=release, city=release.city):
        html, text = personalise(
            Rendered(rendition.language, rendition.subject, rendition.html, rendition.text, ()),
            {"unsubscribe_url": "#", "preferences_url": "#", "recipient_email": "preview@example.org"},
        )
        (directory / f"{rendition.language}.html").write_text(html, encoding="utf-8")
        (directory / f"{rendition.language}.txt").write_text(text, encoding="utf-8")


def count_outbox(outbox: Path) -> Counter:
    received: Counter = Counter()
    for message in mailbox.Maildir(outbox, create=False):
        received[message["Content-Language"]] += 1
    return received


def rows(result: DemoResult) -> list[dict]:
    """One row per language for the closing table."""
    release = result.release
    sent = Counter(
        Delivery.objects.filter(release=release, state=Delivery.State.SENT).values_list("language", flat=True)
    )
    waiting = Counter(
        Delivery.objects.filter(release=release, state=Delivery.State.WAITING).values_list("language", flat=True)
    )
    table = []
    for translation in release.translations.select_related("language").order_by("language_id"):
        code = translation.language.code
        report = translation.glossary_report or {}
        table.append(
            {
                "language": code,
                "status": translation.status,
                "route": " → ".join(translation.route) or "-",
                "tier": translation.tier or "-",
                "segments": len(translation.segments),
                "flagged": translation.flagged,
                "glossary": f"{report.get('satisfied', 0)}/{report.get('required', 0)}" if report else "-",
                "sent": sent.get(code, 0),
                "received": result.received.get(code, 0),
                "waiting": waiting.get(code, 0),
                "reason": translation.reason,
            }
        )
    return table
