import time

from django.core.management.base import CommandError

from b40news.delivery.models import Delivery
from b40news.delivery.status import release_status
from b40news.releases import workflow
from b40news.releases.management.commands.status import progress_line
from b40news.releases.management.release_command import ReleaseCommand, parse_time

State = Delivery.State
PROGRESS_EVERY = 10  # seconds between progress lines while --wait waits


class Command(ReleaseCommand):
    help = ("Send a release's approved languages to its lists (on the send queue). With --wait, exits non-zero "
            "when any message failed or is uncertain, or subscribers still wait for their language.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("release_id")
        parser.add_argument("--at", help="send at this time (ISO 8601, e.g. 2026-12-07T09:00+01:00); needs workers")
        parser.add_argument("--wait", action="store_true", help="wait until every sendable message is out")
        parser.add_argument("--retry-failed", action="store_true", help="send the failed recipients again")
        parser.add_argument("--fallback", nargs="*", default=[], metavar="WAITING=APPROVED",
                            help="e.g. hr=en: Croatian subscribers get English until Croatian is approved")
        parser.add_argument("--pause", action="store_true", help="pause the send (resume with --resume)")
        parser.add_argument("--resume", action="store_true", help="resume a paused send")
        parser.add_argument("--cancel", action="store_true", help="cancel a scheduled or paused send")
        parser.add_argument("--timeout", type=float, default=3600)

    def handle(self, *args, release_id, at, wait, retry_failed, fallback, pause, resume, cancel, timeout,
               as_json, **options):
        release = workflow.get_release(release_id)
        for action, verb in ((pause, workflow.pause), (resume, workflow.resume), (cancel, workflow.cancel)):
            if action:
                verb(release)
                self.report(release, [f"release {release.pk}: {release.status}"], as_json=as_json)
                return
        lines = []
        for pair in fallback:
            waiting, _, approved = pair.partition("=")
            workflow.set_fallback(release, waiting, approved)
        if retry_failed:
            lines.append(f"{workflow.retry_failed(release)} failed recipient(s) queued again")
        sent = workflow.send(release, eta=parse_time(at, "--at") if at else None)
        lines.append(f"release {release.pk}: {sent.added} recipient(s) added to the ledger, {sent.due} due"
                     + (f" at {sent.scheduled_for.isoformat()}" if sent.scheduled_for else ""))
        if wait and sent.scheduled_for is None:
            self._wait(release, timeout)
        workflow.settle(release.pk)
        release.refresh_from_db()
        status = release_status(release)
        lines.append(f"state: {release.status}; " + ", ".join(
            f"{state}: {n}" for state, n in status["counts"].items() if n))
        problems = _problems(status)
        self.report(release, lines + problems, as_json=as_json)
        if wait and problems:
            raise CommandError(f"release {release.pk} is not fully sent: " + "; ".join(problems))

    def _wait(self, release, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        shown = time.monotonic()
        while Delivery.objects.filter(release=release, state__in=workflow.IN_FLIGHT,
                                      next_attempt_at__isnull=True).exists():
            if time.monotonic() > deadline:
                raise CommandError("timed out waiting for the workers; see b40news status")
            if time.monotonic() - shown >= PROGRESS_EVERY:
                self.stdout.write(progress_line(release_status(release)["progress"]))
                shown = time.monotonic()
            time.sleep(0.5)


def _problems(status: dict) -> list[str]:
    """What keeps a release from being fully sent, one line each."""
    lines = []
    for code, info in status["languages"].items():
        deliveries = info["deliveries"]
        if deliveries.get(State.WAITING):
            why = info.get("reason") or {
                "translated": "translated, waiting for approval",
                "stale": "stale: the glossary changed, translate it again",
                "pending": "not translated yet",
                "not requested": "not translated",
            }.get(info["status"], info["status"])
            lines.append(f"{code}: {deliveries[State.WAITING]} subscriber(s) waiting ({why})")
        for state in (State.FAILED, State.UNCERTAIN):
            if deliveries.get(state):
                lines.append(f"{code}: {deliveries[state]} {state}")
        if deliveries.get(State.PENDING):
            lines.append(f"{code}: {deliveries[State.PENDING]} to be tried again later")
    return lines
