import json

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from b40news.delivery.status import format_seconds, release_status
from b40news.releases.deadlines import describe
from b40news.releases.intake import ReleaseError
from b40news.releases.workflow import get_release

SHOWN = ["waiting", "pending", "queued", "sending", "sent", "failed", "bounced", "uncertain", "suppressed"]
LIST_STATES = ["sent", "failed", "bounced", "uncertain", "suppressed", "waiting"]


class Command(BaseCommand):
    help = "Where a release stands: per language and per list, with the send rate and an ETA."

    def add_arguments(self, parser):
        parser.add_argument("release_id")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, release_id, as_json, **options):
        try:
            status = release_status(get_release(release_id))
        except ReleaseError as exc:
            raise CommandError(str(exc)) from None
        if as_json:
            self.stdout.write(json.dumps(status, ensure_ascii=False, indent=2))
            return
        console = Console(file=self.stdout, width=160)
        console.print(f"Release {status['release']} ({status['city']}): {status['title']} — {status['status']}"
                      f"; reviewers' deadline {status['deadline'] or 'none'}")
        table = Table("language", "translation", "route", "flagged", "glossary", "reviewers", *SHOWN)
        for code, info in status["languages"].items():
            glossary = info.get("glossary") or {}
            table.add_row(
                code,
                info["status"],
                " → ".join(info.get("route") or []) or "-",
                str(info.get("flagged", "")),
                f"{glossary.get('satisfied', 0)}/{glossary.get('required', 0)}" if glossary else "-",
                ", ".join(f"{p['user']} ({p['role'][0]})" for p in info["reviewers"]) or "-",
                *(str(info["deliveries"][state]) for state in SHOWN),
            )
        console.print(table)
        if status["planned_fallbacks"] or status["fallbacks"]:
            console.print(f"after the deadline: {describe(status['planned_fallbacks']) or 'nothing planned'}; "
                          f"fallbacks in force: {describe(status['fallbacks']) or 'none'}", markup=False)
        progress = status["progress"]
        lists = Table("list", "to go", "sent", "failed", "bounced", "uncertain", "suppressed", "waiting", "eta")
        for slug, counts in status["lists"].items():
            mine = progress["lists"][slug]
            lists.add_row(
                slug, str(mine["pending"]), *(str(counts[state]) for state in LIST_STATES), format_seconds(mine["eta"])
            )
        console.print(lists)
        console.print(progress_line(progress))
        refused = status.get("deliverability") or {}
        if refused.get("policy_refusals"):
            codes = ", ".join(f"{code} × {n}" for code, n in refused["statuses"].items())
            console.print(f"deliverability: {refused['policy_refusals']} message(s) refused for policy ({codes}); "
                          f"the subscribers stay subscribed. For example: {refused['example'][:200]}", markup=False)


def progress_line(progress: dict) -> str:
    """e.g. "1200 to go at 512.3 msg/s (last 60 s): about 2 min 20 s (measured rate)"."""
    if not progress["remaining"]:
        done = "nothing left to send"
        return f"{done}; {progress['waiting']} waiting for a translation" if progress["waiting"] else done
    if progress.get("stalled"):
        return (f"{progress['remaining']} to go, stalled: nothing sent or claimed lately "
                "(a lost broker or worker); the periodic sweep dispatches them again")
    rate = "no message sent" if progress["rate"] is None else f"{progress['rate']} msg/s"
    line = f"{progress['remaining']} to go, {rate} in the last {progress['rate_window']} s"
    if progress["rate_limit"]:
        line += f", relay limit {progress['rate_limit']}"
    if progress["eta"] is None:
        return f"{line}: ETA unknown until messages go"
    return f"{line}: ETA {format_seconds(progress['eta'])} ({progress['eta_basis']})"
