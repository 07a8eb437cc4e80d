"""What the release commands share: errors as CommandError, and ``--json``.

Every command that changes a release accepts ``--json`` and then prints the
release's resulting state (`delivery.status.release_status`, the same data as
``b40news status ID --json``) instead of its human-readable lines.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from b40news import languages
from b40news.releases.intake import ReleaseError
from b40news.releases.reviewers import ReviewersError


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 time from the command line (local time zone when none is given)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ReleaseError(f"{option}: not a time: {text!r} (e.g. 2026-12-07T09:00+01:00)") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class ReleaseCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="print the release's resulting state as JSON")

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except (ReleaseError, languages.UnknownLanguage, ReviewersError) as exc:
            raise CommandError(str(exc)) from None

    def report(self, release, lines: list[str], *, as_json: bool) -> None:
        if as_json:
            from b40news.delivery.status import release_status

            release.refresh_from_db()
            self.stdout.write(json.dumps(release_status(release), ensure_ascii=False, indent=2))
        else:
            for line in lines:
                self.stdout.write(line)
