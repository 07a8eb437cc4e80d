"""A person's data: export it, erase it, and forget old ledger rows (GDPR articles 15, 17, 5(1)(e)).

- **Export** (`export_person`): everything held about one mailbox as JSON: the
  subscriber, every subscription with its consent record (when it was asked
  for and confirmed, from which address, through which form, in which
  language), every newsletter delivery and notice (confirmations, tests), a
  suppression, the bounce score and the mail reports about it.
- **Erase** (`erase_person`), in one transaction:
  - ledger rows that have not left yet are stopped (``suppressed``);
  - deliveries are anonymised: the row stays (release, list, language, state,
    times, so every count stays right), its subscriber and diagnostic go;
  - notices lose their address, payload and diagnostic; mail reports their
    address, detail and label; the bounce score goes;
  - the subscriber and every subscription are deleted;
  - a suppression is kept as a salted hash (`delivery.suppressions`) and made
    if there was none (reason ``erased``): nothing readable is left, yet an
    import of an old spreadsheet cannot add the person back silently. The
    person may subscribe again themselves: confirming lifts it.
- **Retention** (`apply_retention`): ledger rows older than
  ``B40NEWS_DELIVERY_RETENTION_DAYS`` that are final lose their address the
  same way (counts kept), and older mail reports are deleted. Celery beat runs
  it daily; ``b40news subscribers retention`` runs it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from b40news.delivery import suppressions
from b40news.delivery.models import BounceScore, Delivery, MailReport, Notice
from b40news.network.addresses import mailbox_key
from b40news.network.models import Subscriber, Subscription

State = Delivery.State
_OPEN = (State.WAITING, State.PENDING, State.QUEUED)


class NoSuchPerson(LookupError):
    pass


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


def _spellings(email: str, subscriber: Subscriber | None) -> list[str]:
    return list(dict.fromkeys([email.strip(), *([subscriber.email] if subscriber else [])]))


def _notices(spellings: list[str]):
    return Notice.objects.filter(Q(email__in=spellings) | Q(email__iexact=spellings[0])).exclude(email="")


def export_person(email: str) -> dict:
    """Everything held about this mailbox; ``NoSuchPerson`` when nothing is."""
    subscriber = Subscriber.objects.select_related("language").for_email(email).first()
    spellings = _spellings(email, subscriber)
    notices = list(_notices(spellings).order_by("created_at"))
    suppression = suppressions.suppressed(spellings)
    scores = list(BounceScore.objects.filter(email__in=spellings))
    reports = list(MailReport.objects.filter(email__in=spellings).order_by("created_at"))
    if subscriber is None and not (notices or suppression or scores or reports):
        raise NoSuchPerson(f"nothing is held about {email}")
    data = {"email": subscriber.email if subscriber else email, "exported_at": _when(timezone.now())}
    if subscriber is not None:
        data["subscriber"] = {
            "email": subscriber.email, "ascii_email": subscriber.ascii_email,
            "language": subscriber.language.code, "created_at": _when(subscriber.created_at),
        }
        data["subscriptions"] = [
            {
                "list": s.mailing_list.slug, "city": s.mailing_list.city.slug, "status": s.status,
                "requested_at": _when(s.created_at), "confirmed_at": _when(s.confirmed_at),
                "unsubscribed_at": _when(s.unsubscribed_at),
                "consent": {"time": _when(s.created_at), "confirmed": _when(s.confirmed_at),
                            "ip": s.consent_ip, "form": s.consent_form, "language": s.consent_language},
            }
            for s in subscriber.subscriptions.select_related("mailing_list__city").order_by("created_at", "pk")
        ]
        data["deliveries"] = [
            {
                "release": d.release_id, "title": d.release.title, "list": d.mailing_list.slug,
                "language": d.language, "state": d.state, "message_id": d.message_id, "attempts": d.attempts,
                "created_at": _when(d.created_at), "sent_at": _when(d.sent_at), "bounced_at": _when(d.bounced_at),
                "last_code": d.last_code, "last_error": d.last_error,
            }
            for d in subscriber.deliveries.select_related("release", "mailing_list").order_by("created_at", "pk")
        ]
    data["notices"] = [
        {"kind": n.kind, "language": n.language, "state": n.state, "message_id": n.message_id,
         "created_at": _when(n.created_at), "sent_at": _when(n.sent_at), "last_code": n.last_code,
         "last_error": n.last_error}
        for n in notices
    ]
    data["suppression"] = [
        {"reason": s.reason, "since": _when(s.created_at), "detail": s.detail} for s in suppression.values()
    ]
    data["bounce_score"] = [
        {"hard": s.hard, "soft": s.soft, "last_status": s.last_status, "last_bounce_at": _when(s.last_bounce_at)}
        for s in scores
    ]
    data["mail_reports"] = [
        {"source": r.source, "verdict": r.verdict, "status": r.status, "code": r.code, "detail": r.detail,
         "created_at": _when(r.created_at)}
        for r in reports
    ]
    return data


@dataclass(frozen=True)
class Erased:
    email: str
    subscriptions: int
    deliveries: int  # anonymised, still counted
    stopped: int  # not sent yet: stopped
    notices: int
    reports: int
    suppression: str  # the reason kept (as a salted hash)

    def summary(self) -> str:
        return (f"erased {self.email}: {self.subscriptions} subscription(s) deleted, {self.deliveries} "
                f"delivery row(s) anonymised ({self.stopped} not sent yet, stopped), {self.notices} notice(s) "
                f"and {self.reports} mail report(s) anonymised; suppression kept as a salted hash "
                f"({self.suppression})")


def erase_person(email: str) -> Erased:
    """Erase one person (see the module docstring); ``NoSuchPerson`` when nothing is held."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().for_email(email).first()
        spellings = _spellings(email, subscriber)
        notices = _notices(spellings)
        if subscriber is None and not (notices.exists() or suppressions.suppressed(spellings)
                                       or MailReport.objects.filter(email__in=spellings).exists()):
            raise NoSuchPerson(f"nothing is held about {email}")
        stopped = deliveries = subscriptions = 0
        if subscriber is not None:
            rows = Delivery.objects.filter(subscriber=subscriber)
            stopped = rows.filter(state__in=_OPEN).update(state=State.SUPPRESSED)
            deliveries = rows.update(subscriber=None, last_error="")
            subscriptions = Subscription.objects.filter(subscriber=subscriber).delete()[0]
            subscriber.delete()
        noticed = notices.update(email="", payload={}, last_error="")
        reported = MailReport.objects.filter(email__in=spellings).update(email="", detail="", label="")
        BounceScore.objects.filter(email__in=spellings).delete()
        kept = suppressions.keep_as_hash(spellings[-1])
        for other in spellings[:-1]:
            if mailbox_key(other) != mailbox_key(spellings[-1]):
                suppressions.keep_as_hash(other)
    return Erased(spellings[-1], subscriptions, deliveries, stopped, noticed, reported, kept.reason)


@dataclass(frozen=True)
class Retained:
    deliveries: int
    notices: int
    reports: int

    def summary(self) -> str:
        return (f"{self.deliveries} delivery row(s) and {self.notices} notice(s) anonymised, "
                f"{self.reports} mail report(s) deleted")


def apply_retention(days: int | None = None, *, now=None) -> Retained:
    """Forget whom old ledger rows went to (see the module docstring); ``days`` 0: keep everything."""
    days = settings.DELIVERY_RETENTION_DAYS if days is None else days
    if days <= 0:
        return Retained(0, 0, 0)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        deliveries = Delivery.objects.filter(
            created_at__lt=cutoff, state__in=Delivery.FINAL, subscriber__isnull=False,
        ).update(subscriber=None, last_error="")
        notices = Notice.objects.filter(created_at__lt=cutoff, state__in=Notice.FINAL).exclude(email="").update(
            email="", payload={}, last_error="")
        reports = MailReport.objects.filter(created_at__lt=cutoff).delete()[0]
    return Retained(deliveries, notices, reports)

