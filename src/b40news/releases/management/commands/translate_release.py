from b40news import languages
from b40news.releases import workflow
from b40news.releases.management.release_command import ReleaseCommand
from worker.tasks import translate_release


class Command(ReleaseCommand):
    help = "Translate a release into the network's languages (on the translate queue)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("release_id")
        parser.add_argument("--to", default="all", help="languages, e.g. en,mk,hr (default: all)")
        parser.add_argument("--force", action="store_true", help="translate approved languages again")

    def handle(self, *args, release_id, to, force, as_json, **options):
        release = workflow.get_release(release_id)
        codes = languages.parse_list(to)
        workflow.start_translating(release)
        done = translate_release.delay(release_id=release.pk, languages=codes, force=force).get(timeout=3600)
        lines = []
        for translation in release.translations.select_related("language").filter(language__code__in=done):
            line = f"{translation.language.code:8} {translation.status:11} {' → '.join(translation.route) or '-'}"
            if translation.reason:
                line += f"  ({translation.reason})"
            lines.append(line)
        self.report(release, lines, as_json=as_json)
