from pathlib import Path

from django.core.management.base import CommandError

from b40news.cli_args import TrailingFile
from b40news.releases import workflow
from b40news.releases.management.release_command import ReleaseCommand
from b40news.translation.exchange import export_xliff, import_xliff
from b40news.translation.xliff import VERSIONS, XliffError


class Command(TrailingFile, ReleaseCommand):
    help = ("Exchange a release's translation with translators' tools: `export ID --language L "
            "[--version 1.2|2.0] [FILE]` (standard output without FILE), `import ID FILE` (refused, "
            "storing nothing, when a unit does not match the release).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="one language of a release as XLIFF")
        export.add_argument("release_id")
        export.add_argument("--language", required=True)
        export.add_argument("--version", choices=VERSIONS, default="1.2")
        export.add_argument("file", nargs="?")
        imported = sub.add_parser("import", help="a translated XLIFF file back (its target language)")
        imported.add_argument("release_id")
        imported.add_argument("file")
        imported.add_argument("--json", action="store_true", dest="as_json",
                              help="print the release's resulting state as JSON")

    def handle(self, *args, action, release_id, **options):
        release = workflow.get_release(release_id)
        try:
            if action == "export":
                data = export_xliff(release, options["language"], version=options["version"])
                if options["file"]:
                    Path(options["file"]).write_bytes(data)
                    self.stderr.write(f"wrote {options['file']}")
                else:
                    self.stdout.write(data.decode("utf-8"), ending="")
                return
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            translation, changed = import_xliff(release, path.read_bytes())
        except XliffError as exc:
            raise CommandError(str(exc)) from None
        code = translation.language.code
        self.report(release, [f"{code}: {changed} segment(s) stored from {path.name}; {code} is "
                              f"{translation.status}"], as_json=options["as_json"])
