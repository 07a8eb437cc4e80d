"""``b40news bounces process --maildir PATH | --imap URL [--folder F]``.

Reads new messages of the bounce mailbox, hands each to
``delivery.bounces.process_message`` and marks it read afterwards
(`delivery.mailboxes`). Prints what changed, every report it did not believe
(forged, unmatched), every policy refusal (5.7.x: a deliverability problem to
look into; nobody is suppressed for it), and the tally.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from b40news.delivery.bounces import Tally, process_message
from b40news.delivery.mailboxes import add_source_arguments, process_source


class Command(BaseCommand):
    help = "Bounces and complaints: `bounces process --maildir PATH` or `--imap imaps://user:pass@host/INBOX`."

    def add_arguments(self, parser):
        add_source_arguments(parser, "DSNs and complaint reports into the ledger")

    def handle(self, *args, action, **options):
        tally = process_source(options, process_message, Tally(), "bounces")
        for result in tally.results:
            row = (f"delivery {result.delivery_id}" if result.delivery_id is not None
                   else f"notice {result.notice_id}")
            if result.kind == "ignored":
                self.stdout.write(f"ignored {result.label}: {result.detail}")
            elif result.kind in ("forged", "unmatched"):
                self.stdout.write(f"{result.kind}, not acted on: {result.label}: {result.detail}")
            elif result.kind == "policy" and result.changed:
                self.stdout.write(f"deliverability: {row} <{result.email}> refused for policy: {result.detail} "
                                  "(the subscriber stays; see the admin's mail reports)")
            elif result.changed:
                what = f"{result.kind} ({result.verdict})" if result.kind == "bounced" else result.kind
                suppressed = ", address suppressed" if result.suppressed else ""
                self.stdout.write(f"{what} {row} <{result.email}>{suppressed}: {result.detail}")
        self.stdout.write(tally.summary())
