from django.core.management.base import CommandError

from b40news.releases import reviewers, workflow
from b40news.releases.intake import ReleaseError
from b40news.releases.management.release_command import ReleaseCommand


class Command(ReleaseCommand):
    help = ("Approve a release's translations: --language L … or --all (every translated language; "
            "flagged ones only with --force). Waiting subscribers of an approved language are sent to at once "
            "when the release is being or has been sent. --as USER approves as that user (as their reviewer, "
            "or as the release's officer with --override); without --as the operator approves, which is always "
            "an override: --override is required and the approval is recorded as by \"cli\".")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("release_id")
        parser.add_argument("--language", nargs="*", default=[])
        parser.add_argument("--all", action="store_true")
        parser.add_argument("--force", action="store_true", help="approve despite flagged segments")
        parser.add_argument("--as", dest="as_user", metavar="USER",
                            help="approve as this user (a username or an e-mail address), with their rights")
        parser.add_argument("--override", action="store_true",
                            help="approve languages you are not the reviewer of (recorded on the translation)")
        parser.add_argument("--unapprove", action="store_true",
                            help="take the approval of --language back (its unsent subscribers wait again)")

    def handle(self, *args, release_id, language, all, force, unapprove, as_user, override, as_json, **options):
        release = workflow.get_release(release_id)
        user = reviewers.find_user(as_user) if as_user else None
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
            if user is not None and not override:  # as on the web: the languages USER reviews
                mine = {code for code, role in reviewers.roles_for(user, release).items() if role == reviewers.REVIEWER}
                clean, flagged = [c for c in clean if c in mine], [(c, n) for c, n in flagged if c in mine]
            codes = clean + [code for code, _ in flagged] if force else clean
            refused = [] if force else flagged
        else:
            codes = language
        if not codes and not refused:
            raise ReleaseError("nothing to approve: name languages with --language, or use --all")
        approved = workflow.approve(release, codes, user=user, override=override, force=force) if codes else []
        lines = ["approved: " + (", ".join(t.language.code for t in approved) or "none")]
        overridden = [t.language.code for t in approved if t.approval_override]
        if overridden:
            lines.append(f"by override of the reviewers (recorded, by {approved[0].approved_by_name}): "
                         + ", ".join(overridden))
        self.report(release, lines, as_json=as_json)
        if refused:
            named = ", ".join(f"{code} ({n} flagged segment(s))" for code, n in refused)
            raise CommandError(f"not approved, flagged segments need a human decision: {named}; "
                               "review them, or approve them with --force")
