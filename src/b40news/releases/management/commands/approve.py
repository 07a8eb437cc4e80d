from django.core.management.base import CommandError

from b40news.releases import workflow
from b40news.releases.intake import ReleaseError
from b40news.releases.management.release_command import ReleaseCommand


class Command(ReleaseCommand):
    help = ("Approve a release's translations: --language L … or --all (every translated language; "
            "flagged ones only with --force). Waiting subscribers of an approved language are sent to at once "
            "when the release is being or has been sent.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("release_id")
        parser.add_argument("--language", nargs="*", default=[])
        parser.add_argument("--all", action="store_true")
        parser.add_argument("--force", action="store_true", help="approve despite flagged segments")
        parser.add_argument("--unapprove", action="store_true",
                            help="take the approval of --language back (its unsent subscribers wait again)")

    def handle(self, *args, release_id, language, all, force, unapprove, as_json, **options):
        release = workflow.get_release(release_id)
        if unapprove:
            if not language:
                raise CommandError("name the languages to unapprove with --language")
            for code in language:
                workflow.unapprove(release, code)
            self.report(release, ["unapproved: " + ", ".join(language)], as_json=as_json)
            return
        refused = []
        if all:
            clean, flagged = workflow.approvable(release)
            codes = clean + [code for code, _ in flagged] if force else clean
            refused = [] if force else flagged
        else:
            codes = language
        if not codes and not refused:
            raise ReleaseError("nothing to approve: name languages with --language, or use --all")
        approved = workflow.approve(release, codes, force=force) if codes else []
        lines = ["approved: " + (", ".join(t.language.code for t in approved) or "none")]
        self.report(release, lines, as_json=as_json)
        if refused:
            named = ", ".join(f"{code} ({n} flagged segment(s))" for code, n in refused)
            raise CommandError(f"not approved, flagged segments need a human decision: {named}; "
                               "review them, or approve them with --force")
