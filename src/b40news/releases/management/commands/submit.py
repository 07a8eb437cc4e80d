from pathlib import Path

from b40news.releases import workflow
from b40news.releases.intake import read_file
from b40news.releases.management.release_command import ReleaseCommand, parse_time


class Command(ReleaseCommand):
    help = "Submit a Bulgarian release from a UTF-8 text file; prints the new release's id."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--city", required=True, help="the submitting city's slug")
        parser.add_argument("--title", help="the title (default: the file's first line)")
        parser.add_argument("--lists", nargs="*", default=[], help="mailing list slugs (default: the city's)")
        parser.add_argument("--deadline", help="when reviewers should be done (ISO 8601; default: "
                                               "B40NEWS_REVIEW_DEADLINE_HOURS from now)")

    def handle(self, *args, file, city, title, lists, deadline, as_json, **options):
        path = Path(file)
        release = workflow.submit(read_file(path), name=path.name, city=city, title=title, lists=lists,
                                  deadline=parse_time(deadline, "--deadline") if deadline else None)
        self.report(release, [str(release.pk)], as_json=as_json)
