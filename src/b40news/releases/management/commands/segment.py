from b40news import languages
from b40news.releases import reviewers, workflow
from b40news.releases.intake import ReleaseError
from b40news.releases.management.release_command import ReleaseCommand
from b40news.releases.models import Translation


class Command(ReleaseCommand):
    help = ("A person's text for one segment of a language (as the office's editor stores it): "
            "`edit ID --language bs --index N TEXT`; index 0 is the title, then the body's sentences. "
            "An approved language must be approved again.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        edit = sub.add_parser("edit", help="store TEXT as segment --index of --language")
        edit.add_argument("release_id")
        edit.add_argument("--language", required=True)
        edit.add_argument("--index", type=int, required=True, help="0: the title; 1…: the body's segments")
        edit.add_argument("--as", dest="as_user", metavar="USER", help="recorded as this user's work")
        edit.add_argument("text")
        edit.add_argument("--json", action="store_true", dest="as_json",
                          help="print the release's resulting state as JSON")

    def handle(self, *args, action, release_id, language, index, as_user, text, as_json, **options):
        release = workflow.get_release(release_id)
        code = languages.get(language).code
        translation = Translation.objects.select_related("language", "release").filter(
            release=release, language__code=code).first()
        if translation is None:
            raise ReleaseError(f"{code} has not been translated or drafted for release {release.pk} yet")
        user = reviewers.find_user(as_user) if as_user else None
        translation = workflow.edit_segment(translation, index, text, user=user)
        self.report(release, [f"{code}: segment {index} stored; {code} is {translation.status}"], as_json=as_json)
