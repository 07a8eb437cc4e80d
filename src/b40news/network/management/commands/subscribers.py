from datetime import timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from b40news.network.subscribers_csv import CsvImportError, export_subscribers, import_subscribers
from b40news.network.subscriptions import purge_unconfirmed


class Command(BaseCommand):
    help = (
        "A list's subscribers as CSV: `import LIST FILE [--confirmed]`, `export LIST [-o FILE]`; "
        "`purge-unconfirmed [--days N]` forgets sign-up requests nobody confirmed."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser(
            "import",
            help="add or update subscribers from CSV (email,language,name,status,consent_at); "
            "new subscriptions are pending until confirmed",
        )
        imported.add_argument("list", metavar="LIST-SLUG")
        imported.add_argument("file", metavar="FILE")
        imported.add_argument(
            "--confirmed",
            action="store_true",
            help="the people in the file consented before: import them confirmed (recorded as csv-import)",
        )
        export = sub.add_parser("export", help="write the list's subscribers as CSV")
        export.add_argument("list", metavar="LIST-SLUG")
        export.add_argument("--output", "-o", metavar="FILE", help="file (default: standard output)")
        purge = sub.add_parser(
            "purge-unconfirmed",
            help="delete pending subscriptions older than N days (B40NEWS_UNCONFIRMED_DAYS, 7), "
            "and subscribers left with no list",
        )
        purge.add_argument("--days", type=int, metavar="N", help="age in days (default: the setting)")

    def handle(self, *args, action, **options):
        if action == "purge-unconfirmed":
            days = options["days"]
            if days is not None and days < 0:
                raise CommandError("--days must be 0 or more")
            purged = purge_unconfirmed(older_than=timedelta(days=days) if days is not None else None)
            self.stdout.write(purged.summary())
            return
        if action == "export":
            try:
                text = export_subscribers(options["list"])
            except CsvImportError as exc:
                raise CommandError(str(exc)) from None
            if options["output"]:
                Path(options["output"]).write_text(text, encoding="utf-8", newline="")
            else:
                self.stdout.write(text, ending="")
            return
        path = Path(options["file"])
        try:
            report = import_subscribers(
                path.read_bytes(), options["list"], confirmed=options["confirmed"], name=str(path)
            )
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        except CsvImportError as exc:
            raise CommandError(f"nothing imported: {exc}") from None
        self.stdout.write(report.summary())
        for rejected in report.rejected:
            self.stdout.write(f"  row {rejected.row}: {rejected.value!r}: {rejected.reason}")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
