import json

from django.core.management.base import BaseCommand, CommandError

from b40news.releases import review_requests, reviewers
from b40news.releases.models import LanguageRole

ACTIONS = "add | list | remove | settings | digest"


class Command(BaseCommand):
    help = (f"Reviewers and translators per language: {ACTIONS}. A reviewer edits and approves a language, a "
            "translator edits it; network-wide, or for the releases of the cities named with --city.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="make USER reviewer (or --role translator) of --language")
        add.add_argument("user", help="a username or an e-mail address")
        add.add_argument("--language", required=True)
        add.add_argument("--role", choices=LanguageRole.Role.values, default=reviewers.REVIEWER)
        add.add_argument("--city", nargs="+", default=[], metavar="SLUG",
                         help="only for these cities' releases (default: every city's)")
        listed = sub.add_parser("list", help="every role, with each holder's e-mail settings")
        listed.add_argument("--language")
        listed.add_argument("--json", action="store_true", dest="as_json")
        remove = sub.add_parser("remove", help="take back USER's roles for --language (or only for --city)")
        remove.add_argument("user")
        remove.add_argument("--language", required=True)
        remove.add_argument("--city", nargs="+", default=[], metavar="SLUG")
        prefs = sub.add_parser("settings", help="USER's notices: their language, one by one or a daily digest")
        prefs.add_argument("user")
        prefs.add_argument("--mail-language", help="a language code, or 'default' (the officer city's, else en)")
        prefs.add_argument("--digest", action="store_true", default=None, help="one mail a day")
        prefs.add_argument("--no-digest", action="store_false", dest="digest", help="one mail per release")
        sub.add_parser("digest", help="send the daily digests now (one mail per user with releases waiting)")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except reviewers.ReviewersError as exc:
            raise CommandError(str(exc)) from None

    def do_add(self, *, user, language, role, city, **options):
        rows = reviewers.grant(user, language, role=role, cities=city)
        scope = ", ".join(row.city.slug for row in rows if row.city) or "every city"
        self.stdout.write(f"{rows[0].user.get_username()}: {role} of {rows[0].language.code} ({scope})")

    def do_list(self, *, language, as_json, **options):
        rows = reviewers.listing(language)
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            digest = ", daily digest" if row["daily_digest"] else ""
            self.stdout.write(f"{row['language']:8} {row['role']:10} {row['user']} <{row['email'] or '-'}> "
                              f"{row['city'] or 'every city'} (mails in {row['mail_language']}{digest})")
        if not rows:
            self.stdout.write("nobody reviews or translates yet")

    def do_remove(self, *, user, language, city, **options):
        removed = reviewers.revoke(user, language, cities=city)
        self.stdout.write(f"{removed} role(s) taken back")

    def do_settings(self, *, user, mail_language, digest, **options):
        if mail_language is None and digest is None:
            raise CommandError("nothing to change: give --mail-language and/or --digest / --no-digest")
        default = mail_language == "default"
        prefs = reviewers.set_preferences(user, language=None if default else mail_language,
                                          default_language=default, daily_digest=digest)
        self.stdout.write(f"{prefs.user.get_username()}: mails in {reviewers.mail_language(prefs.user)}, "
                          + ("a daily digest" if prefs.daily_digest else "one per release"))

    def do_digest(self, **options):
        sent = review_requests.send_digests()
        self.stdout.write(f"{len(sent)} digest(s) sent")
