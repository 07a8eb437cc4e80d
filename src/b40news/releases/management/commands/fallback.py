from b40news.releases import workflow
from b40news.releases.deadlines import PlanError, describe, parse_pairs
from b40news.releases.intake import ReleaseError
from b40news.releases.management.release_command import ReleaseCommand, parse_time


class Command(ReleaseCommand):
    help = ("A release's deadline and planned fallbacks: once the deadline has passed, subscribers of a language "
            "still not approved get its fallback (if that one is approved), with a line in their language saying "
            "so; 'wait' keeps them waiting. Celery beat applies them (B40NEWS_DEADLINE_SECONDS); a deadline set "
            "in the past applies them at once. Without options: shows them. For a fallback at once, without a "
            "deadline: `send ID --fallback sq=en`.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("release_id")
        parser.add_argument("--plan", action="append", default=[], metavar="LANGUAGE=FALLBACK",
                            help="e.g. sq=en, bs=hr, cnr=sr-Latn or mk=wait; repeat for several languages")
        parser.add_argument("--replace", action="store_true",
                            help="the --plan given replaces the whole plan (none: the plan is emptied)")
        parser.add_argument("--deadline", help="ISO 8601 (e.g. 2026-12-07T09:00+01:00), or 'none'")

    def handle(self, *args, release_id, plan, replace, deadline, as_json, **options):
        release = workflow.get_release(release_id)
        try:
            planned = parse_pairs(plan)
        except PlanError as exc:
            raise ReleaseError(str(exc)) from None
        changes = {}
        if deadline is not None:
            changes["deadline"] = None if deadline.strip().lower() == "none" else parse_time(deadline, "--deadline")
        if planned or replace or changes:
            release = workflow.plan_deadline(release, plan=planned, replace=replace, **changes)
        lines = [f"release {release.pk}: deadline {release.deadline.isoformat() if release.deadline else 'none'}",
                 f"planned fallbacks: {describe(release.planned_fallbacks) or 'none'}",
                 f"fallbacks in force: {describe(release.fallbacks) or 'none'}"]
        self.report(release, lines, as_json=as_json)
