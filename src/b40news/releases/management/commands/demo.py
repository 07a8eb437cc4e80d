from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from b40news import demo
from b40news.releases.intake import ReleaseError


class Command(BaseCommand):
    help = "The main job on embedded defaults: sample network, seed release, translate, approve, send, preview."

    def add_arguments(self, parser):
        parser.add_argument("--subscribers-per-city", type=int, default=4)
        parser.add_argument("--city", default="stara-zagora")
        parser.add_argument("--file", help="the release to send (default: the seed release in ../shared)")
        parser.add_argument("--out", help="where the outbox and previews go (default: DATA_DIR/demo)")

    def handle(self, *args, subscribers_per_city, city, file, out, **options):
        console = Console(file=self.stdout, width=180)
        source = Path(file) if file else demo.seed_path()
        if not source.exists():
            raise CommandError(f"{source} does not exist: give a release with --file")
        out_dir = Path(out) if out else settings.DATA_DIR / "demo"
        try:
            result = demo.run(
                subscribers_per_city=subscribers_per_city, city=city, source=source, out_dir=out_dir, log=console.print
            )
        except ReleaseError as exc:
            raise CommandError(str(exc)) from None
        table = Table(title=f"Release {result.release.pk}: {result.release.title}")
        for column in ("language", "translation", "route", "tier", "segments", "flagged", "glossary terms", "delivered", "waiting"):
            table.add_column(column)
        notes = []
        for row in demo.rows(result):
            table.add_row(
                row["language"], row["status"], row["route"], row["tier"], str(row["segments"]),
                str(row["flagged"]), row["glossary"], str(row["received"]), str(row["waiting"]),
            )
            if row["reason"]:
                notes.append(f"{row['language']}: {row['reason']}")
        console.print(table)
        for note in notes:
            console.print(f"  [yellow]{note}[/yellow]")
        console.print(f"release {result.release.pk}: {result.release.status}")
        console.print(f"outbox (Maildir): {result.outbox}")
        console.print(f"previews: {result.previews}")
