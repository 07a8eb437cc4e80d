from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from b40news import languages
from b40news.translation.exchange import export_tmx


class Command(BaseCommand):
    help = ("The translation memory: `export --format tmx [FILE] [--language L] [--machine]` "
            "(every human version with its release, author and reviewer; standard output without FILE).")

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def parse_args(args=None, namespace=None):  # FILE may come after the options (see `xliff`)
            options, extra = parser.parse_known_args(args, namespace)
            if len(extra) == 1 and not extra[0].startswith("-") and getattr(options, "file", "") is None:
                options.file = extra[0]
            elif extra:
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            return options

        parser.parse_args = parse_args
        return parser

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
