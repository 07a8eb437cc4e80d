from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from b40news import languages
from b40news.translation import argos_index
from b40news.translation.argos_download import download_packages, index_location
from b40news.translation.argos_models import install_packages, list_packages
from b40news.translation.engines import EngineError
from b40news.translation.routes import choose_route
from b40news.translation.service import engines


class Command(BaseCommand):
    help = "Neural models (argostranslate packages): `list`, `install FILE…`, `download SRC:TGT…`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="installed packages, engines, and what each language needs")
        install = sub.add_parser("install", help="install .argosmodel files (all or none)")
        install.add_argument("files", nargs="+")
        download = sub.add_parser("download", help="download from the Argos package index and install, all or none")
        download.add_argument("pairs", nargs="+", metavar="SRC:TGT")
        download.add_argument("--index-url", default=None,
                              help="the index.json to read (default: B40NEWS_ARGOS_INDEX_URL)")
        download.add_argument("--timeout", type=float, default=60, metavar="SECONDS",
                              help="give up on a file when the server sends nothing for this long "
                                   "(default 60; there is no overall limit)")

    def handle(self, *args, action, **options):
        directory = settings.ARGOS_PACKAGES_DIR
        try:
            if action == "install":
                installed = install_packages(options["files"], directory)
            elif action == "download":
                installed = download_packages(
                    options["pairs"], directory, index_url=options["index_url"] or settings.ARGOS_INDEX_URL,
                    timeout=options["timeout"], progress=self.stdout.write)
        except EngineError as exc:
            raise CommandError(str(exc)) from None
        if action != "list":
            for package in installed:
                self.stdout.write(f"installed {package.from_code}→{package.to_code} {package.package_version}")
            engines(reload=True)
            return
        self._list(directory)

    def _list(self, directory):
        packages = list_packages(directory)
        self.stdout.write(f"argostranslate packages in {directory}: {len(packages)}")
        for package in packages:
            state = "usable" if package.usable else f"unusable: {package.problem}"
            self.stdout.write(f"  {package.from_code}→{package.to_code} {package.package_version} ({state})")
        loaded = engines()
        for engine in loaded.values():
            pairs = ", ".join(f"{s}→{t}" for s, t in sorted(engine.pairs())) if engine.is_available() else "not available"
            self.stdout.write(f"engine {engine.id}: {pairs}")
        files = ", ".join(f"{s}:{t} {argos_index.file_name(s, t)}" for s, t in argos_index.PUBLIC_PACKAGES)
        self.stdout.write(f"the public Argos index has, for this network: {files}")
        self.stdout.write(f"`models download` reads {index_location(settings.ARGOS_INDEX_URL)}")
        self.stdout.write("languages:")
        for code in languages.TARGETS:
            choice = choose_route(code, loaded)
            self.stdout.write(f"  {code}: {choice.reason}")
