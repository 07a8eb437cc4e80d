from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from b40news.releases.intake import ReleaseError, read_file
from b40news.releases.services import submit


class Command(BaseCommand):
    help = "Submit a Bulgarian release from a UTF-8 text file; prints the new release's id."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--city", required=True, help="the submitting city's slug")
        parser.add_argument("--title", help="the title (default: the file's first line)")
        parser.add_argument("--lists", nargs="*", default=[], help="mailing list slugs (default: the city's)")

    def handle(self, *args, file, city, title, lists, **options):
        path = Path(file)
        try:
            release = submit(read_file(path), name=path.name, city=city, title=title, lists=lists)
        except ReleaseError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(release.pk))
