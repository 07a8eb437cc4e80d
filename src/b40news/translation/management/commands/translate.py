import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from b40news import languages
from b40news.releases.intake import ReleaseError, decode, read_file
from b40news.translation.document import translate_document


class Command(BaseCommand):
    help = ("Translate a Bulgarian UTF-8 text file (nothing is stored but the translation memory); "
            "prints each language's route, quality, glossary check and text.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--to", required=True, help="target languages, e.g. en,mk,hr (or all)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="one JSON object")

    def handle(self, *args, file, to, as_json, **options):
        path = Path(file)
        try:
            codes = languages.parse_list(to)
            text = decode(read_file(path), name=path.name, max_bytes=settings.MAX_RELEASE_BYTES)
            report = translate_document(text, codes)
        except (ReleaseError, languages.UnknownLanguage) as exc:
            raise CommandError(str(exc)) from None
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{path.name}: {report['segments']} segments")
        for code, info in report["languages"].items():
            glossary = info["glossary"]
            self.stdout.write("")
            self.stdout.write(
                f"{code}  {info['status']}  route {' → '.join(info['route']) or '-'}  "
                f"tier {info['quality']['tier'] or '-'}  flagged {info['quality']['flagged']}  "
                f"glossary {glossary['satisfied']}/{glossary['required']}"
            )
            if info["reason"]:
                self.stdout.write(f"  {info['reason']}")
            if info["status"] == "translated":
                self.stdout.write(info["text"])
