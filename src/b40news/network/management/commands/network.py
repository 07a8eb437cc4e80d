from django.core.management.base import BaseCommand

from b40news.glossary.current import current_glossary
from b40news.network.sample import load_sample


class Command(BaseCommand):
    help = "Manage the network: `network load-sample [--subscribers-per-city N]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sample = sub.add_parser("load-sample", help="the B40 sample network: cities, lists, subscribers")
        sample.add_argument("--subscribers-per-city", type=int, default=0)

    def handle(self, *args, action, **options):
        if action == "load-sample":
            counts = load_sample(options["subscribers_per_city"], glossary=current_glossary())
            self.stdout.write(
                f"{counts['cities']} cities, {counts['lists']} lists, "
                f"{counts['subscribers']} new subscribers"
            )
