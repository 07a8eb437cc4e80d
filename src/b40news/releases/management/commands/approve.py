from django.core.management.base import BaseCommand, CommandError

from b40news import languages
from b40news.delivery import ledger
from b40news.releases.intake import ReleaseError
from b40news.releases.services import approvable_languages, approve, get_release


class Command(BaseCommand):
    help = "Approve a release's translations: --language L … or --all (those without flagged segments)."

    def add_arguments(self, parser):
        parser.add_argument("release_id")
        parser.add_argument("--language", nargs="*", default=[])
        parser.add_argument("--all", action="store_true")
        parser.add_argument("--force", action="store_true", help="approve despite flagged segments")

    def handle(self, *args, release_id, language, all, force, **options):
        try:
            release = get_release(release_id)
            codes = approvable_languages(release) if all else language
            if not codes:
                raise ReleaseError("nothing to approve: name languages with --language, or use --all")
            approved = approve(release, codes, force=force)
        except (ReleaseError, languages.UnknownLanguage) as exc:
            raise CommandError(str(exc)) from None
        moved = ledger.release_waiting(release)
        self.stdout.write("approved: " + ", ".join(t.language.code for t in approved))
        if moved:
            self.stdout.write(f"{moved} waiting subscriber(s) can now be sent: run b40news send {release.pk}")
