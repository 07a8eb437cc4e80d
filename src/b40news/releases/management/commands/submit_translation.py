from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from b40news import languages
from b40news.releases.human import submit_translation
from b40news.releases.intake import ReleaseError, read_file
from b40news.releases.services import get_release


class Command(BaseCommand):
    help = "Store a human translation of a release for one language (paragraphs aligned with the source)."

    def add_arguments(self, parser):
        parser.add_argument("release_id")
        parser.add_argument("--language", required=True)
        parser.add_argument("file")
        parser.add_argument("--title", help="the translated title (default: the file's first paragraph)")

    def handle(self, *args, release_id, language, file, title, **options):
        path = Path(file)
        try:
            raw = read_file(path)
            translation = submit_translation(get_release(release_id), language, raw, name=path.name, title=title)
        except (ReleaseError, languages.UnknownLanguage) as exc:
            raise CommandError(str(exc)) from None
        report = translation.glossary_report
        self.stdout.write(
            f"{translation.language.code}: human translation stored, {len(translation.segments)} segment(s), "
            f"glossary {report['satisfied']}/{report['required']}"
            + (f", missing: {', '.join(report['missing'])}" if report["missing"] else "")
        )
