"""``b40news glossary``: the glossary in the database, its review, and its YAML/TBX/CSV files."""

import getpass
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from b40news.glossary import database, review
from b40news.glossary.entries import KINDS, Glossary, GlossaryError
from b40news.glossary.interchange import export_csv, export_tbx, import_csv, import_tbx
from b40news.glossary.lint import lint
from b40news.glossary.merge import diff
from b40news.glossary.schema import entry_from_dict
from b40news.glossary.store import dump, load, load_file

ACTIONS = "lint | export | import | load-seed | propose | proposals | approve | reject | history"


def _by(parser) -> None:
    parser.add_argument("--by", default=None, help="who does it (a user name; default: the login name)")


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli"


def _entry(data):
    return entry_from_dict(data) if data else None


def _yaml(path: Path) -> Glossary:
    """The entries of a glossary folder or of one of its files."""
    return load(path) if path.is_dir() else Glossary(tuple(load_file(path)))


class Command(BaseCommand):
    help = f"The glossary: {ACTIONS}. Imports and proposals wait for an approval."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        lint_parser = sub.add_parser("lint", help="conflicts, missing languages, wrong scripts; non-zero exit on any")
        lint_parser.add_argument("directory", nargs="?", help="a folder of YAML files (default: the database)")
        export = sub.add_parser("export", help="write the glossary as TBX, CSV or YAML files (one per kind)")
        export.add_argument("--format", choices=["tbx", "csv", "yaml"], default="tbx")
        export.add_argument("destination", nargs="?", help="file, or folder for yaml (default: standard output)")
        export.add_argument("--output", "-o", help="the same as destination")
        imported = sub.add_parser("import", help="bring TBX, CSV or YAML (a file or folder) in as proposals")
        imported.add_argument("file")
        _by(imported)
        seed = sub.add_parser("load-seed", help="load YAML entries as they are (status kept): new ids only, "
                                                "or --replace the stored glossary")
        seed.add_argument("directory", nargs="?", help="a folder of YAML files (default: the seed, GLOSSARY_DIR)")
        seed.add_argument("--replace", action="store_true", help="make the stored glossary exactly the folder's")
        _by(seed)
        propose = sub.add_parser("propose", help="propose a new entry (--kind, --bg) or a change (--id)")
        propose.add_argument("--id", help="the entry to change, e.g. city.sofia")
        propose.add_argument("--kind", choices=list(KINDS))
        propose.add_argument("--bg", help="the Bulgarian base form")
        propose.add_argument("--variant", action="append", dest="variants", help="another Bulgarian form")
        propose.add_argument("--target", action="append", default=[], metavar="LANG=TEXT",
                             help="the text in one language, e.g. --target en=Sofia (repeat)")
        propose.add_argument("--note")
        propose.add_argument("--do-not-translate", action="store_true", default=None)
        propose.add_argument("--case-sensitive", action="store_true", default=None)
        propose.add_argument("--fill-transliterated", action="store_true",
                             help="spell the languages a new entry leaves out by transliteration")
        propose.add_argument("--comment", default="")
        _by(propose)
        sub.add_parser("proposals", help="pending proposals, each with its diff against the approved entry")
        approve = sub.add_parser("approve", help="approve a proposal (refused if lint would complain)")
        approve.add_argument("entry_id")
        approve.add_argument("--comment", default="")
        _by(approve)
        reject = sub.add_parser("reject", help="reject a proposal, saying why")
        reject.add_argument("entry_id")
        reject.add_argument("--comment", required=True)
        _by(reject)
        history = sub.add_parser("history", help="every recorded change of an entry")
        history.add_argument("entry_id")

    def handle(self, *args, action, **options):
        by = options.get("by") or _login_name()
        try:
            if action == "lint":
                self.lint(_yaml(Path(options["directory"])) if options["directory"] else database.read())
            elif action == "export":
                self.export(database.read(), options["format"], options["destination"] or options["output"])
            elif action == "import":
                self.import_file(Path(options["file"]), by)
            elif action == "load-seed":
                self.load_seed(Path(options["directory"] or settings.GLOSSARY_DIR), options["replace"], by)
            elif action == "propose":
                self.propose(options, by)
            elif action == "proposals":
                self.proposals()
            elif action == "approve":
                self.approve(options["entry_id"], by, options["comment"])
            elif action == "reject":
                entry = review.reject(options["entry_id"], admin=by, comment=options["comment"])
                self.stdout.write(f"rejected {entry.id}")
            elif action == "history":
                self.history(options["entry_id"])
        except (GlossaryError, review.ReviewError) as exc:
            raise CommandError(str(exc)) from None

    def lint(self, glossary):
        problems = lint(glossary)
        for problem in problems:
            self.stdout.write(f"{problem.entry_id}: {problem.code}: {problem.message}")
        if problems:
            raise CommandError(f"{len(problems)} glossary problem(s)")
        self.stdout.write(f"{len(glossary.entries)} entries, version {glossary.version}: no problems")

    def export(self, glossary, fmt: str, destination: str | None):
        if fmt == "yaml":
            if not destination:
                raise CommandError("export --format yaml needs a folder to write the files into")
            dump(glossary, Path(destination))
            return
        data = export_tbx(glossary) if fmt == "tbx" else export_csv(glossary).encode("utf-8")
        if destination:
            Path(destination).write_bytes(data)
        else:
            sys.stdout.buffer.write(data)

    def import_file(self, path: Path, by: str):
        try:
            if path.is_dir() or path.suffix.lower() in (".yaml", ".yml"):
                entries = list(_yaml(path).entries)
            else:
                raw = path.read_bytes()
                entries = (import_tbx(raw) if path.suffix.lower() in (".tbx", ".xml")
                           else import_csv(raw.decode("utf-8-sig")))
        except (OSError, UnicodeDecodeError, GlossaryError, ValueError) as exc:
            raise CommandError(f"cannot import {path}: {exc}") from None
        for line in review.import_entries(entries, author=by, comment=f"imported from {path.name}"):
            self.stdout.write(line)

    def load_seed(self, directory: Path, replace_all: bool, by: str):
        report, stale = review.load_entries(load(directory), replace_all=replace_all, author=by)
        for line in report:
            self.stdout.write(line)
        self.write_stale(stale)

    def propose(self, options, by: str):
        targets = {}
        for item in options["target"]:
            code, sep, text = item.partition("=")
            if not sep or not text.strip():
                raise CommandError(f"--target {item!r}: write LANG=TEXT, e.g. --target en=Sofia")
            targets[code.strip()] = text.strip()
        fields = {name: options[name] for name in ("id", "kind", "bg", "variants", "note",
                                                    "do_not_translate", "case_sensitive")}
        fields["targets"] = targets
        entry = review.propose(fields, author=by, source=review.Source.OFFICER, comment=options["comment"],
                               fill_missing=options["fill_transliterated"])
        revises = f" (a change to {entry.replaces})" if entry.replaces else ""
        self.stdout.write(f"proposed {entry.id}{revises}")
        current = database.read().get(entry.replaces) if entry.replaces else None
        self.write_diff(diff(current, entry))

    def write_diff(self, rows):
        for name, old, new in rows:
            self.stdout.write(f"  {name:16} {old or '-'} → {new or '-'}")

    def proposals(self):
        pending = review.pending()
        for proposal in pending:
            entry = proposal.entry
            what = f"change to {proposal.current.id}" if proposal.current else f"new {entry.kind}"
            came = proposal.changes[-1] if proposal.changes else None
            origin = f", {came.action} by {came.author_name or came.source} {came.created_at:%Y-%m-%d}" if came else ""
            self.stdout.write(f"{entry.id} ({what}{origin})")
            if came and came.comment:
                self.stdout.write(f"  comment: {came.comment}")
            self.write_diff(proposal.diff)
            for problem in proposal.problems:
                self.stdout.write(f"  cannot be approved: {problem.entry_id}: {problem.code}: {problem.message}")
        self.stdout.write(f"{len(pending)} pending proposal(s)")

    def approve(self, entry_id: str, by: str, comment: str):
        approval = review.approve(entry_id, admin=by, comment=comment)
        self.stdout.write(f"approved {entry_id} as {approval.entry.id}; "
                          f"glossary version {approval.version_before} → {approval.version_after}")
        self.write_stale(approval.stale)

    def write_stale(self, stale):
        for item in stale:
            self.stdout.write(f"stale: release {item.release_id} ({item.release_title}) {item.language}")
        for command in review.retranslate_commands(stale):
            self.stdout.write(f"translate again: {command}")

    def history(self, entry_id: str):
        changes = list(review.history(entry_id))
        if not changes:
            raise CommandError(f"no recorded change for {entry_id}")
        for change in changes:
            who = change.author_name or "-"
            line = f"{change.created_at:%Y-%m-%d %H:%M} {change.action:9} {change.entry_id} by {who} ({change.source})"
            if change.glossary_version_after != change.glossary_version_before:
                line += f" version {change.glossary_version_before} → {change.glossary_version_after}"
            if change.release_id:
                line += f" in release {change.release_id}"
            self.stdout.write(line)
            if change.comment:
                self.stdout.write(f"  comment: {change.comment}")
            if change.action != review.Action.REJECTED and change.payload:
                self.write_diff(diff(_entry(change.previous), _entry(change.payload)))
            if change.stale:
                self.stdout.write(f"  marked stale: {len(change.stale)} translation(s)")
