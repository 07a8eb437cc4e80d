from django.core.management.base import BaseCommand, CommandError

from b40news import languages
from b40news.releases.intake import ReleaseError
from b40news.releases.services import get_release
from worker.tasks import translate_release


class Command(BaseCommand):
    help = "Translate a release into the network's languages (on the translate queue)."

    def add_arguments(self, parser):
        parser.add_argument("release_id")
        parser.add_argument("--to", default="all", help="languages, e.g. en,mk,hr (default: all)")
        parser.add_argument("--force", action="store_true", help="translate approved languages again")

    def handle(self, *args, release_id, to, force, **options):
        try:
            release = get_release(release_id)
            codes = languages.parse_list(to)
        except (ReleaseError, languages.UnknownLanguage) as exc:
            raise CommandError(str(exc)) from None
        result = translate_release.delay(release_id=release.pk, languages=codes, force=force)
        done = result.get(timeout=3600)
        for translation in release.translations.select_related("language").filter(language__code__in=done):
            line = f"{translation.language.code:8} {translation.status:11} {' → '.join(translation.route) or '-'}"
            if translation.reason:
                line += f"  ({translation.reason})"
            self.stdout.write(line)
