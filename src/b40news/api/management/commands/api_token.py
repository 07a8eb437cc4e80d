from django.core.management.base import BaseCommand, CommandError

from b40news.api import tokens
from b40news.api.models import ApiToken


class Command(BaseCommand):
    help = (
        "API tokens: `create USER [--name TEXT]` prints a new token (once: only its digest is kept); "
        "`revoke ID|PREFIX` or `revoke --user USER`; `list [--user USER]`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a token that acts as USER (an officer or an admin)")
        create.add_argument("user", metavar="USER")
        create.add_argument("--name", default="", help="what it is for, e.g. the city's web site")
        revoke = sub.add_parser("revoke", help="revoke a token by its id or prefix, or every token of a user")
        revoke.add_argument("token", nargs="?", metavar="ID|PREFIX")
        revoke.add_argument("--user", metavar="USER", help="revoke every token of this user")
        listed = sub.add_parser("list", help="tokens (prefix, user, name, last use, revoked)")
        listed.add_argument("--user", metavar="USER")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except tokens.TokenError as exc:
            raise CommandError(str(exc)) from None

    def _create(self, *, user, name, **options):
        owner = tokens.find_user(user)
        if not owner.is_active:
            raise CommandError(f"{user} is not an active user")
        row, token = tokens.create(owner, name=name)
        self.stderr.write(f"token {row.pk} for {owner.get_username()}; copy it now, it is not shown again:")
        self.stdout.write(token)

    def _revoke(self, *, token, user, **options):
        if bool(token) == bool(user):
            raise CommandError("name one token (ID or PREFIX) or --user USER")
        if user:
            count = tokens.revoke(user=tokens.find_user(user))
        elif token.isdigit():
            count = tokens.revoke(token_id=int(token))
        else:
            count = tokens.revoke(prefix=token)
        if not count:
            raise CommandError("no such active token")
        self.stdout.write(f"{count} token(s) revoked")

    def _list(self, *, user, **options):
        rows = ApiToken.objects.select_related("user").order_by("pk")
        if user:
            rows = rows.filter(user=tokens.find_user(user))
        for row in rows:
            used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never used"
            revoked = f"revoked {row.revoked_at.isoformat(timespec='seconds')}" if row.revoked_at else "active"
            self.stdout.write(f"{row.pk}\t{row.prefix}…\t{row.user.get_username()}\t{row.name or '-'}\t{used}\t{revoked}")
