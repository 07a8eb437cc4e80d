from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from b40news import languages
from b40news.cli_args import TrailingFile
from b40news.translation.exchange import export_tmx


class Command(TrailingFile, BaseCommand):
    help = ("The translation memory: `export --format tmx [FILE] [--language L] [--machine]` "
            "(every human version with its release, author and reviewer; standard output without FILE).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="the memory as TMX 1.4")
        export.add_argument("--format", choices=["tmx"], default="tmx")
        export.add_argument("--language", help="one target language only")
        export.add_argument("--machine", action="store_true", help="machine output too (human work only by default)")
        export.add_argument("file", nargs="?")

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except languages.UnknownLanguage as exc:
            raise CommandError(str(exc)) from None

    def handle(self, *args, action, file, language, machine, **options):
        data = export_tmx(language=language, machine=machine)
        if file:
            Path(file).write_bytes(data)
            self.stderr.write(f"wrote {file}")
        else:
            self.stdout.write(data.decode("utf-8"), ending="")
