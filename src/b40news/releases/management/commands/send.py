import time

from django.core.management.base import BaseCommand, CommandError

from b40news import languages
from b40news.delivery import ledger, service
from b40news.delivery.models import Delivery
from b40news.delivery.status import release_status
from b40news.releases.intake import ReleaseError
from b40news.releases.services import get_release, set_fallback
from b40news.releases.management.commands.status import progress_line
from worker.tasks import dispatch_release, render_release

OPEN = [Delivery.State.PENDING, Delivery.State.QUEUED, Delivery.State.SENDING]
PROGRESS_EVERY = 10  # seconds between progress lines while --wait waits


class Command(BaseCommand):
    help = "Send a release's approved languages to its lists (on the send queue)."

    def add_arguments(self, parser):
        parser.add_argument("release_id")
        parser.add_argument("--wait", action="store_true", help="wait until every sendable message is out")
        parser.add_argument("--retry-failed", action="store_true", help="send the failed recipients again")
        parser.add_argument(
            "--fallback",
            nargs="*",
            default=[],
            metavar="WAITING=APPROVED",
            help="e.g. hr=en: Croatian subscribers get English until Croatian is approved",
        )
        parser.add_argument("--timeout", type=float, default=3600)

    def handle(self, *args, release_id, wait, retry_failed, fallback, timeout, **options):
        try:
            release = get_release(release_id)
            for pair in fallback:
                waiting, _, approved = pair.partition("=")
                set_fallback(release, waiting, approved)
            if retry_failed:
                self.stdout.write(f"{ledger.retry_failed(release)} failed recipient(s) queued again")
            # Rendering runs on the render queue; prepare_send then finds it done.
            rendered = render_release.delay(release_id=release.pk).get(timeout=600)
            counts = service.prepare_send(release)
        except (ReleaseError, languages.UnknownLanguage) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"release {release.pk}: {counts['frozen']} recipient(s) added to the ledger, "
            f"{rendered + counts['rendered']} rendition(s) made"
        )
        dispatch_release.delay(release_id=release.pk)
        if wait:
            deadline = time.monotonic() + timeout
            shown = time.monotonic()
            while Delivery.objects.filter(release=release, state__in=OPEN, next_attempt_at__isnull=True).exists():
                if time.monotonic() > deadline:
                    raise CommandError("timed out waiting for the workers; see b40news status")
                if time.monotonic() - shown >= PROGRESS_EVERY:
                    self.stdout.write(progress_line(release_status(release)["progress"]))
                    shown = time.monotonic()
                time.sleep(0.5)
        service.finish_if_done(release.pk)  # the last batch task does it too
        states = dict.fromkeys(Delivery.State.values, 0)
        for state in Delivery.objects.filter(release=release).values_list("state", flat=True):
            states[state] += 1
        self.stdout.write(", ".join(f"{state}: {n}" for state, n in states.items() if n))
