"""Mail to the ``List-Unsubscribe`` mailto address: one list left per signed token.

Every newsletter offers ``mailto:<B40NEWS_UNSUBSCRIBE_MAILTO>?subject=unsubscribe%20<token>``
(RFC 2369), the token being the one of the https unsubscribe link
(`links.unsubscribe_token`: subscriber and list, signed with SECRET_KEY). A
mail whose subject holds a token that verifies unsubscribes that subscriber
from that list only, exactly as the link does; whoever sends it (the token is
the proof, as the link's is: a forwarded newsletter can be unsubscribed from
by whoever got it, as with the link). A subject with a token that does not
verify is forged (kept as a ``MailReport``, logged, counted); a subject with
no token at all (a person writing to the address, an auto-reply) is ignored.
The ``unsubscribes`` command reads the mailbox as ``bounces`` reads its own.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field

from django.core import signing

from b40news.delivery import scoring
from b40news.delivery.models import MailReport
from b40news.network import links, subscriptions
from b40news.network.models import Subscription

# `links.unsubscribe_token`: "<subscriber>-<list>:<signature>" (Django's Signer, URL-safe base64).
_TOKEN = re.compile(r"(?<![\w-])(\d{1,18}-\d{1,18}:[A-Za-z0-9_-]{20,})(?![\w-])")


@dataclass(frozen=True)
class Result:
    kind: str  # "unsubscribed" | "already" | "forged" | "ignored"
    label: str
    detail: str = ""
    subscription_id: int | None = None


@dataclass
class Tally:
    unsubscribed: int = 0
    already: int = 0  # the subscription was left before (or is gone)
    forged: int = 0
    ignored: int = 0
    results: list[Result] = field(default_factory=list)

    def add(self, result: Result) -> None:
        self.results.append(result)
        setattr(self, result.kind, getattr(self, result.kind) + 1)

    def summary(self) -> str:
        return (f"unsubscribed {self.unsubscribed}, already left {self.already}, forged {self.forged}, "
                f"ignored {self.ignored}")


def process_message(raw: bytes, *, where: str = "") -> Result:
    """Unsubscribe the subscription a mail's subject names; safe to repeat."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        subject = " ".join(str(message.get("Subject", "")).split())
    except Exception as exc:  # a message no parser can read is reported, never fatal
        return Result("ignored", where or "(unreadable)", f"unreadable: {type(exc).__name__}: {exc}")
    label = f"{where} {message.get('Message-ID', '')}".strip()
    found = _TOKEN.search(subject)
    if found is None:
        return Result("ignored", label, f"no unsubscribe token in the subject {subject[:80]!r}")
    try:
        subscriber_id, list_id = links.read_unsubscribe_token(found.group(1))
    except (signing.BadSignature, ValueError):
        detail = f"an unsubscribe token that does not verify: {found.group(1)[:80]}"
        scoring.report(MailReport.Source.MAILTO, MailReport.Verdict.FORGED, detail=detail, label=label)
        return Result("forged", label, detail)
    subscription = Subscription.objects.select_related("subscriber", "mailing_list").filter(
        subscriber_id=subscriber_id, mailing_list_id=list_id).first()
    if subscription is None:
        return Result("already", label, "no such subscription any more")
    if not subscriptions.unsubscribe(subscription):
        return Result("already", label, f"left {subscription.mailing_list.slug} before", subscription.pk)
    detail = f"unsubscribed from {subscription.mailing_list.slug} by mail"
    scoring.report(MailReport.Source.MAILTO, MailReport.Verdict.UNSUBSCRIBE, email=subscription.subscriber.email,
                   detail=detail, label=label, acted=True)
    return Result("unsubscribed", label, detail, subscription.pk)
