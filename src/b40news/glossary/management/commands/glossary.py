import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from b40news.glossary.entries import GlossaryError
from b40news.glossary.interchange import export_csv, export_tbx, import_csv, import_tbx, merge_proposals
from b40news.glossary.lint import lint
from b40news.glossary.store import dump, load


class Command(BaseCommand):
    help = "The glossary: `lint`, `export --format tbx|csv`, `import FILE` (as proposals)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("lint", help="conflicts, missing languages, wrong scripts; non-zero exit on any")
        export = sub.add_parser("export", help="write the glossary as TBX or CSV")
        export.add_argument("--format", choices=["tbx", "csv"], default="tbx")
        export.add_argument("--output", "-o", help="file (default: standard output)")
        imported = sub.add_parser("import", help="bring TBX or CSV entries in as proposals")
        imported.add_argument("file")

    def handle(self, *args, action, **options):
        directory = Path(settings.GLOSSARY_DIR)
        try:
            glossary = load(directory)
        except GlossaryError as exc:
            raise CommandError(str(exc)) from None
        if action == "lint":
            problems = lint(glossary)
            for problem in problems:
                self.stdout.write(f"{problem.entry_id}: {problem.code}: {problem.message}")
            if problems:
                raise CommandError(f"{len(problems)} glossary problem(s)")
            self.stdout.write(f"{len(glossary.entries)} entries, version {glossary.version}: no problems")
        elif action == "export":
            data = export_tbx(glossary) if options["format"] == "tbx" else export_csv(glossary).encode("utf-8")
            if options["output"]:
                Path(options["output"]).write_bytes(data)
            else:
                sys.stdout.buffer.write(data)
        elif action == "import":
            path = Path(options["file"])
            try:
                raw = path.read_bytes()
                entries = import_tbx(raw) if path.suffix.lower() in (".tbx", ".xml") else import_csv(raw.decode("utf-8-sig"))
            except (OSError, UnicodeDecodeError, GlossaryError, ValueError) as exc:
                raise CommandError(f"cannot import {path}: {exc}") from None
            merged, report = merge_proposals(glossary, entries)
            dump(merged, directory)
            for line in report:
                self.stdout.write(line)
