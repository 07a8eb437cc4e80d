import json

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from b40news.delivery.status import release_status
from b40news.releases.intake import ReleaseError
from b40news.releases.services import get_release

SHOWN = ["waiting", "pending", "queued", "sending", "sent", "failed", "bounced", "uncertain", "suppressed"]


class Command(BaseCommand):
    help = "Where a release stands: per language and per list."

    def add_arguments(self, parser):
        parser.add_argument("release_id")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, release_id, as_json, **options):
        try:
            status = release_status(get_release(release_id))
        except ReleaseError as exc:
            raise CommandError(str(exc)) from None
        if as_json:
            self.stdout.write(json.dumps(status, ensure_ascii=False, indent=2))
            return
        console = Console(file=self.stdout, width=160)
        console.print(f"Release {status['release']} ({status['city']}): {status['title']} — {status['status']}")
        table = Table("language", "translation", "route", "flagged", "glossary", *SHOWN)
        for code, info in status["languages"].items():
            glossary = info.get("glossary") or {}
            table.add_row(
                code,
                info["status"],
                " → ".join(info.get("route") or []) or "-",
                str(info.get("flagged", "")),
                f"{glossary.get('satisfied', 0)}/{glossary.get('required', 0)}" if glossary else "-",
                *(str(info["deliveries"][state]) for state in SHOWN),
            )
        console.print(table)
        lists = Table("list", *SHOWN)
        for slug, counts in status["lists"].items():
            lists.add_row(slug, *(str(counts[state]) for state in SHOWN))
        console.print(lists)

