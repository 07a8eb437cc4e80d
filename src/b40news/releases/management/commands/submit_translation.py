from pathlib import Path

from b40news.releases import workflow
from b40news.releases.intake import read_file
from b40news.releases.management.release_command import ReleaseCommand


class Command(ReleaseCommand):
    help = "Store a human translation of a release for one language (paragraphs aligned with the source)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("release_id")
        parser.add_argument("--language", required=True)
        parser.add_argument("file")
        parser.add_argument("--title", help="the translated title (default: the file's first paragraph)")

    def handle(self, *args, release_id, language, file, title, as_json, **options):
        path = Path(file)
        release = workflow.get_release(release_id)
        translation = workflow.store_human(release, language, read_file(path), name=path.name, title=title)
        report = translation.glossary_report
        line = (f"{translation.language.code}: human translation stored, {len(translation.segments)} segment(s), "
                f"glossary {report['satisfied']}/{report['required']}"
                + (f", missing: {', '.join(report['missing'])}" if report["missing"] else ""))
        self.report(release, [line, f"review it, then: b40news approve {release.pk} --language "
                                    f"{translation.language.code}"], as_json=as_json)
