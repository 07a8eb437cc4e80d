import json
import sys
from datetime import timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from b40news.network import invitations, privacy
from b40news.network.subscribers_csv import CsvImportError, export_subscribers, import_subscribers
from b40news.network.subscriptions import purge_unconfirmed


class Command(BaseCommand):
    help = (
        "A list's subscribers as CSV: `import LIST FILE [--confirmed] [--dry-run]`, `export LIST [-o FILE]`; "
        "one person's data: `export-person EMAIL`, `erase EMAIL [--yes]`; `retention [--days N]`; "
        "`purge-unconfirmed [--days N]` forgets sign-up requests nobody confirmed."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imported = sub.add_parser(
            "import",
            help="add or update subscribers from CSV (email,language,name,status,consent_at); "
            "new subscriptions are pending, and get the double opt-in e-mail, until confirmed",
        )
        imported.add_argument("list", metavar="LIST-SLUG")
        imported.add_argument("file", metavar="FILE")
        imported.add_argument(
            "--confirmed",
            action="store_true",
            help="the people in the file consented before: import them confirmed (recorded as csv-import), "
            "no invitation",
        )
        imported.add_argument("--dry-run", action="store_true",
                              help="report what the import would do; store nothing, send nothing")
        export = sub.add_parser("export", help="write the list's subscribers as CSV, with their consent records")
        export.add_argument("list", metavar="LIST-SLUG")
        export.add_argument("--output", "-o", metavar="FILE", help="file (default: standard output)")
        person = sub.add_parser("export-person", help="everything held about one address, as JSON")
        person.add_argument("email", metavar="EMAIL")
        person.add_argument("--output", "-o", metavar="FILE", help="file (default: standard output)")
        erase = sub.add_parser("erase", help="erase one person: subscriber and subscriptions deleted, ledger "
                               "rows anonymised, a suppression kept as a salted hash")
        erase.add_argument("email", metavar="EMAIL")
        erase.add_argument("--yes", action="store_true", help="do not ask")
        retention = sub.add_parser("retention", help="anonymise ledger rows older than N days "
                                   "(B40NEWS_DELIVERY_RETENTION_DAYS), delete older mail reports")
        retention.add_argument("--days", type=int, metavar="N", help="age in days (default: the setting)")
        purge = sub.add_parser(
            "purge-unconfirmed",
            help="delete pending subscriptions older than N days (B40NEWS_UNCONFIRMED_DAYS, 7), "
            "and subscribers left with no list",
        )
        purge.add_argument("--days", type=int, metavar="N", help="age in days (default: the setting)")

    def handle(self, *args, action, **options):
        getattr(self, "do_" + action.replace("-", "_"))(**options)

    def do_purge_unconfirmed(self, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        purged = purge_unconfirmed(older_than=timedelta(days=days) if days is not None else None)
        self.stdout.write(purged.summary())

    def do_retention(self, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more")
        self.stdout.write(privacy.apply_retention(days).summary())

    def do_export(self, list=None, output=None, **options):
        try:
            text = export_subscribers(list)
        except CsvImportError as exc:
            raise CommandError(str(exc)) from None
        self._write(text, output)

    def do_export_person(self, email=None, output=None, **options):
        try:
            data = privacy.export_person(email)
        except privacy.NoSuchPerson as exc:
            raise CommandError(str(exc)) from None
        self._write(json.dumps(data, ensure_ascii=False, indent=2) + "\n", output)

    def do_erase(self, email=None, yes=False, **options):
        try:
            data = privacy.export_person(email)
        except privacy.NoSuchPerson as exc:
            raise CommandError(str(exc)) from None
        plan = (f"{data['email']}: {len(data.get('subscriptions', []))} subscription(s), "
                f"{len(data.get('deliveries', []))} delivery row(s), {len(data['notices'])} notice(s)")
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError(f"would erase {plan}; run again with --yes to erase")
            if input(f"Erase {plan}? This cannot be undone. [y/N] ").strip().lower() not in ("y", "yes"):
                raise CommandError("nothing erased")
        self.stdout.write(privacy.erase_person(email).summary())

    def do_import(self, list=None, file=None, confirmed=False, dry_run=False, **options):
        path = Path(file)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            with transaction.atomic():
                report = import_subscribers(raw, list, confirmed=confirmed, name=str(path))
                invite = [] if confirmed or dry_run else invitations.create(report.new_pending)
                if dry_run:
                    transaction.set_rollback(True)
        except CsvImportError as exc:
            raise CommandError(f"nothing imported: {exc}" + (f" {exc.hint}" if exc.hint else "")) from None
        prefix = "dry run, nothing stored: " if dry_run else ""
        self.stdout.write(prefix + report.summary())
        for rejected in report.rejected:
            self.stdout.write(f"  row {rejected.row}: {rejected.value!r}: {rejected.reason}")
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        if report.kept_pending:
            self.stdout.write(f"note: {report.kept_pending} row(s) marked confirmed were imported as pending: "
                              "they must confirm (pass --confirmed only if they consented before)")
        if dry_run:
            if not confirmed and report.new_pending:
                self.stdout.write(f"would send {len(report.new_pending)} invitation(s) (the double opt-in e-mail)")
            return
        if invite:
            self._invite(invite)

    def _invite(self, notice_ids: list[int]) -> None:
        total = len(notice_ids)
        self.stdout.write(f"sending {total} invitation(s) (the double opt-in e-mail), within the relay's rate limit")
        step = max(1, total // 10)

        def progress(done: int) -> None:
            if done % step == 0 or done == total:
                self.stdout.write(f"  {done}/{total}")

        self.stdout.write(invitations.send(notice_ids, progress).summary())

    def _write(self, text: str, output: str | None) -> None:
        if output:
            Path(output).write_text(text, encoding="utf-8", newline="")
        else:
            self.stdout.write(text, ending="")
