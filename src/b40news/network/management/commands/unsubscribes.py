"""``b40news unsubscribes process --maildir PATH | --imap URL [--folder F]``.

The mailbox of ``B40NEWS_UNSUBSCRIBE_MAILTO`` (the ``mailto:`` every newsletter's
``List-Unsubscribe`` offers): each new mail whose subject holds a signed
unsubscribe token leaves that list (`network.unsubscribe_mail`); the mail is
marked read afterwards, as ``bounces process`` does.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from b40news.delivery.mailboxes import add_source_arguments, process_source
from b40news.network.unsubscribe_mail import Tally, process_message


class Command(BaseCommand):
    help = "Unsubscribe mails: `unsubscribes process --maildir PATH` or `--imap imaps://user:pass@host/INBOX`."

    def add_arguments(self, parser):
        add_source_arguments(parser, "mails to the List-Unsubscribe address")

    def handle(self, *args, action, **options):
        tally = process_source(options, process_message, Tally(), "unsubscribe mailbox")
        for result in tally.results:
            if result.kind in ("unsubscribed", "forged"):
                self.stdout.write(f"{result.kind} {result.label}: {result.detail}")
        self.stdout.write(tally.summary())
