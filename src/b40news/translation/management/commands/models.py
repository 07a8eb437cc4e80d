from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from b40news.translation.argos_models import download_packages, install_packages, list_packages
from b40news.translation.engines import EngineError
from b40news.translation.service import engines


class Command(BaseCommand):
    help = "Neural models (argostranslate packages): `list`, `install FILE…`, `download SRC:TGT…`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="installed packages and the engines available here")
        install = sub.add_parser("install", help="install .argosmodel files")
        install.add_argument("files", nargs="+")
        download = sub.add_parser("download", help="download from the Argos package index (needs internet)")
        download.add_argument("pairs", nargs="+", metavar="SRC:TGT")

    def handle(self, *args, action, **options):
        directory = settings.ARGOS_PACKAGES_DIR
        try:
            if action == "install":
                for package in install_packages(options["files"], directory):
                    self.stdout.write(f"installed {package.from_code}→{package.to_code} {package.package_version}")
            elif action == "download":
                for pair in download_packages(options["pairs"], directory):
                    self.stdout.write(f"installed {pair}")
        except EngineError as exc:
            raise CommandError(str(exc)) from None
        if action != "list":
            engines(reload=True)
            return
        packages = list_packages(directory)
        self.stdout.write(f"argostranslate packages in {directory}: {len(packages)}")
        for package in packages:
            state = "usable" if package.usable else f"unusable: {package.problem}"
            self.stdout.write(f"  {package.from_code}→{package.to_code} {package.package_version} ({state})")
        for engine in engines().values():
            pairs = ", ".join(f"{s}→{t}" for s, t in sorted(engine.pairs())) if engine.is_available() else "not available"
            self.stdout.write(f"engine {engine.id}: {pairs}")
