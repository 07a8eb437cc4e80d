"""The ledger: freezing the audience, claiming batches, recording each outcome.

One Delivery row per (release, subscriber), unique in the database, so every
step here is safe to repeat (Keila's ledger, with Postgres' SKIP LOCKED claim;
on SQLite the IMMEDIATE write transaction serialises claims instead).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from b40news.delivery import scoring, suppressions
from b40news.delivery.composer import delivery_message_id
from b40news.delivery.models import Delivery, MailReport, Suppression
from b40news.network.models import Subscription
from b40news.releases.models import Release, Translation

State = Delivery.State
RETRY_DELAYS = (60, 300, 1800, 7200, 21600)  # seconds after the 1st, 2nd… temporary failure


def approved_languages(release: Release) -> set[str]:
    return set(
        release.translations.filter(status=Translation.Status.APPROVED).values_list("language__code", flat=True)
    )


def _language_for(code: str, approved: set[str], fallbacks: dict[str, str]) -> tuple[str, str]:
    """(language, state) of a new or waiting delivery."""
    if code in approved:
        return code, State.PENDING
    fallback = fallbacks.get(code)
    if fallback in approved:
        return fallback, State.PENDING
    return code, State.WAITING


def _new_audience(release: Release, approved: set[str]):
    """(subscriber id, list id, subscriber's language, language sent, state) of every row
    `freeze_audience` adds: confirmed, unsuppressed subscribers of the release's lists
    not yet in its ledger, once each (on two of its lists: the first list)."""
    suppressed = Suppression.objects.values("email")
    subscriptions = (
        Subscription.objects.filter(
            mailing_list__in=release.lists.all(), status=Subscription.Status.CONFIRMED
        )
        .exclude(subscriber__email__in=suppressed)
        .exclude(subscriber__deliveries__release=release)
        .order_by("subscriber_id", "mailing_list_id")
        .values_list("subscriber_id", "mailing_list_id", "subscriber__language__code")
    )
    seen = set()
    # An erased person's suppression is known by its digest alone (`suppressions`): rare, so
    # addresses are hashed here only when there is one at all.
    erased = suppressions.erased_digests()
    if erased:
        subscriptions = subscriptions.values_list(
            "subscriber_id", "mailing_list_id", "subscriber__language__code", "subscriber__email")
    for subscriber_id, list_id, code, *email in subscriptions.iterator(chunk_size=5000):
        if subscriber_id in seen:  # on two of the release's lists: one message
            continue
        seen.add(subscriber_id)
        if email and suppressions.digest(email[0]) in erased:
            continue
        language, state = _language_for(code, approved, release.fallbacks)
        yield subscriber_id, list_id, code, language, state


def freeze_audience(release: Release) -> int:
    """One row per confirmed, unsuppressed subscriber of the release's lists.

    Returns how many rows were added; a second call adds none. Rows are
    written grouped by the message they get (language, then list): batches
    are claimed in row order, so a batch holds one or two renditions, and a
    sending process works on one at a time (its caches stay small).
    """
    now = timezone.now()
    audience = sorted(_new_audience(release, approved_languages(release)), key=lambda row: (row[3], row[1], row[0]))
    rows = [
        Delivery(
            release=release,
            subscriber_id=subscriber_id,
            mailing_list_id=list_id,
            language=language,
            state=state,
            message_id=delivery_message_id(release.pk, subscriber_id),
            created_at=now,
        )
        for subscriber_id, list_id, _code, language, state in audience
    ]
    Delivery.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


@dataclass(frozen=True)
class AudienceGroup:
    """Rows of one list and subscriber language as a send now would leave them."""

    list_id: int
    subscriber_language: str  # the subscribers' own language
    language: str  # the language they get: their own, its fallback, or (waiting) their own
    state: str  # pending (goes out with this send) or waiting (for its language's approval)
    count: int


def audience_preview(release: Release) -> list[AudienceGroup]:
    """What `service.prepare_send` would leave in the ledger for this send, written nowhere:
    the rows `freeze_audience` would add, and the unsent rows already there as
    `release_waiting` would leave them (rows sent or failed before are not counted)."""
    from collections import Counter

    approved = approved_languages(release)
    groups: Counter = Counter()
    for _subscriber, list_id, code, language, state in _new_audience(release, approved):
        groups[list_id, code, language, state] += 1
    existing = (
        Delivery.objects.filter(release=release, state__in=[State.PENDING, State.WAITING], attempts=0)
        .values_list("mailing_list_id", "subscriber__language__code", "language", "state")
    )
    for list_id, code, language, state in existing.iterator():
        if state == State.WAITING:
            language, state = _language_for(language, approved, release.fallbacks)
        groups[list_id, code, language, state] += 1
    return [AudienceGroup(list_id, code, language, str(state), n)
            for (list_id, code, language, state), n in sorted(groups.items())]


def release_waiting(release: Release) -> int:
    """Waiting rows whose language (or chosen fallback) is now approved become
    pending (due at the release's scheduled time, if that is still ahead)."""
    approved = approved_languages(release)
    due = release.scheduled_for if release.scheduled_for and release.scheduled_for > timezone.now() else None
    moved = 0
    with transaction.atomic():
        for code in set(
            Delivery.objects.filter(release=release, state=State.WAITING).values_list("language", flat=True)
        ):
            language, state = _language_for(code, approved, release.fallbacks)
            if state == State.PENDING:
                moved += Delivery.objects.filter(release=release, state=State.WAITING, language=code).update(
                    state=State.PENDING, language=language, next_attempt_at=due
                )
    return moved


SENDABLE = (Release.Status.SCHEDULED, Release.Status.SENDING)


def release_sendable(release_id: int) -> bool:
    """Batches are claimed only for a release that is being sent (not paused, not cancelled)."""
    return Release.objects.filter(pk=release_id, status__in=SENDABLE).exists()


def hold_back(release: Release, languages: set[str]) -> int:
    """Rows not yet claimed that would go out in ``languages`` wait again, in their
    subscriber's own language (a fallback is chosen anew when they are released)."""
    from django.db.models import OuterRef, Subquery

    from b40news.network.models import Subscriber

    own = Subscriber.objects.filter(pk=OuterRef("subscriber_id")).values("language__code")[:1]
    return Delivery.objects.filter(release=release, state=State.PENDING, language__in=languages).update(
        state=State.WAITING, language=Subquery(own), next_attempt_at=None
    )


def withdraw_unsent(release: Release) -> int:
    """Rows that never left (pending or waiting, never tried) are removed: a
    cancelled send can be sent again, to the audience of that day."""
    deleted, _ = Delivery.objects.filter(
        release=release, state__in=[State.PENDING, State.WAITING], attempts=0
    ).delete()
    return deleted


def new_token() -> str:
    return str(uuid.uuid4())


def count_due(release_id: int) -> int:
    now = timezone.now()
    return Delivery.objects.filter(release_id=release_id, state=State.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ).count()


def claim_batch(release_id: int, size: int, token: str | None = None) -> str | None:
    """Move up to ``size`` due pending rows into a batch (``token``, or a new
    one); the token, or None when nothing was due."""
    now = timezone.now()
    token = token or new_token()
    with transaction.atomic():
        due = Delivery.objects.filter(release_id=release_id, state=State.PENDING).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("id").values_list("id", flat=True)[:size])
        if not ids:
            return None
        Delivery.objects.filter(id__in=ids, state=State.PENDING).update(
            state=State.QUEUED, batch=token, queued_at=now
        )
    return token


def next_retry_at(release_id: int):
    return (
        Delivery.objects.filter(release_id=release_id, state=State.PENDING, next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def abandon_interrupted(batch: str) -> int:
    """Rows left in `sending` by a worker that died: their fate is unknown.

    Run when a batch starts (again): the only rows of a batch in `sending` are
    those whose "." may have left. Should the first run of the batch still be
    alive (a redelivery before it finished), its outcome later overwrites
    `uncertain` with what the relay really said (see `Outcome.save`).
    """
    return Delivery.objects.filter(batch=batch, state=State.SENDING).update(state=State.UNCERTAIN)


def recover_stale(release_id: int, older_than: float) -> tuple[int, int]:
    """Rows a lost batch left behind: (queued rows made pending again, sending rows made uncertain).

    A batch is lost when its task is: the broker forgot it, it failed for
    good, or its dispatcher died between the claim and the hand-over. Safe
    even if the task is only late: it sends a row only while the row is
    still `queued` in its own batch, so a row made pending here and claimed
    again is sent by exactly one of them.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than)
    rows = Delivery.objects.filter(release_id=release_id)
    with transaction.atomic():
        queued = rows.filter(state=State.QUEUED, queued_at__lt=cutoff).update(state=State.PENDING, batch="")
        sending = rows.filter(state=State.SENDING, sending_at__lt=cutoff).update(state=State.UNCERTAIN)
    return queued, sending


# The statements every message runs, written out once: building them with the
# ORM cost more than running them (bench/send.py measures the hot path).
@functools.cache
def _statements(vendor: str) -> dict[str, str]:
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(Delivery._meta.get_field(name).column)

    table = quote(Delivery._meta.db_table)
    state, row_id, attempts = column("state"), column("id"), column("attempts")
    taken = f"{row_id} = %s AND {column('batch')} = %s AND {state} = %s"  # queued in this batch
    return {
        "sending": (
            f"UPDATE {table} SET {state} = %s, {column('sending_at')} = %s, {attempts} = {attempts} + 1 "
            f"WHERE {taken}"
        ),
        "sent": (
            f"UPDATE {table} SET {state} = %s, {column('sent_at')} = %s, {column('last_code')} = %s, "
            f"{column('last_error')} = '' WHERE {row_id} = %s AND {state} IN (%s, %s)"
        ),
        # Both in one statement, so one round trip and one commit: the previous
        # row becomes `sent` and the current one `sending`, or neither does.
        "sent+sending": (
            f"UPDATE {table} SET "
            f"{state} = CASE WHEN {row_id} = %s THEN %s ELSE %s END, "
            f"{column('sending_at')} = CASE WHEN {row_id} = %s THEN %s ELSE {column('sending_at')} END, "
            f"{attempts} = CASE WHEN {row_id} = %s THEN {attempts} + 1 ELSE {attempts} END, "
            f"{column('sent_at')} = CASE WHEN {row_id} = %s THEN {column('sent_at')} ELSE %s END, "
            f"{column('last_code')} = CASE WHEN {row_id} = %s THEN {column('last_code')} ELSE %s END, "
            f"{column('last_error')} = CASE WHEN {row_id} = %s THEN {column('last_error')} ELSE '' END "
            f"WHERE ({taken}) OR ({row_id} = %s AND {state} IN (%s, %s)) RETURNING {row_id}"
        ),
    }


def _cursor_run(name: str, params: list, fetch: bool = False):
    if connection.vendor == "postgresql":
        return _prepared_run(name, params, fetch)
    with connection.cursor() as cursor:
        cursor.execute(_statements(connection.vendor)[name], params)
        return [row[0] for row in cursor.fetchall()] if fetch else cursor.rowcount


def _prepared_run(name: str, params: list, fetch: bool):
    """On PostgreSQL, the per-message statements as server-side prepared
    statements: parsed and planned once per connection, not once a message."""
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_statements(connection.vendor)[name], params, prepare=True)
        return [row[0] for row in cursor.fetchall()] if fetch else cursor.rowcount


def _execute(name: str, params: list) -> int:
    return _cursor_run(name, params)


def _has_returning() -> bool:
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35)
    return connection.vendor == "postgresql"


def _timestamp(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def start_sending(delivery_id: int, batch: str, previous: Outcome | None = None) -> bool:
    """Mark one row `sending` (committed before its message's final ".").

    Only a row still `queued` in this batch is taken, so two runs of one batch
    never both send it. The outcome of the previous message of the batch is
    written in the same commit (one commit per message; for the usual
    outcome, "sent", even one statement). False if the row is no longer
    queued here (``previous`` is committed all the same).
    """
    now = _timestamp(timezone.now())
    taken = [delivery_id, batch, State.QUEUED.value]
    sending = [State.SENDING.value, now, *taken]
    if previous is None and not connection.in_atomic_block:
        return _execute("sending", sending) == 1  # autocommit: the statement is its own commit
    if previous is not None and previous.plain_sent and not connection.in_atomic_block and _has_returning():
        other = previous.delivery.pk
        params = [
            delivery_id, State.SENDING.value, State.SENT.value,
            delivery_id, now,
            delivery_id,
            delivery_id, _timestamp(previous.at),
            delivery_id, previous.code,
            delivery_id,
            *taken, other, State.SENDING.value, State.UNCERTAIN.value,
        ]
        return delivery_id in _cursor_run("sent+sending", params, fetch=True)
    with transaction.atomic():
        if previous is not None:
            previous.save()
        return _execute("sending", sending) == 1


class Outcome:
    """What became of one message; saved by the next `start_sending`, `record` or `flush`.

    ``claimed``: the row went through `start_sending` (its body reached the
    relay). Otherwise it is still `queued` in its batch (refused at MAIL or
    RCPT, or no connection): it counts as an attempt all the same.
    ``at``: when the relay answered (``sent_at`` is that moment, not the
    later commit).
    """

    def __init__(self, delivery: Delivery, outcome: str, code: int | None, detail: str, *,
                 permanent_rcpt: bool, claimed: bool = True, at: datetime | None = None):
        self.delivery, self.outcome, self.code, self.detail = delivery, outcome, code, detail
        self.permanent_rcpt, self.claimed = permanent_rcpt, claimed
        self.at = at or timezone.now()

    @property
    def plain_sent(self) -> bool:
        return self.outcome == "sent" and self.claimed

    def save(self) -> None:
        if self.plain_sent:
            self._save_sent()
            return
        now = self.at
        attempts = self.delivery.attempts + 1  # counting this one
        if self.claimed:  # `start_sending` counted the attempt
            # `uncertain` too: a redelivered run of the batch may have marked
            # this row while this run was still sending it.
            row = Delivery.objects.filter(id=self.delivery.pk, state__in=[State.SENDING, State.UNCERTAIN])
            fields = {}
        else:
            row = Delivery.objects.filter(id=self.delivery.pk, batch=self.delivery.batch, state=State.QUEUED)
            fields = {"attempts": F("attempts") + 1}
        fields.update(last_code=self.code, last_error="" if self.outcome == "sent" else self.detail[:2000])
        if self.outcome == "sent":
            row.update(state=State.SENT, sent_at=now, **fields)
        elif self.outcome == "retry":
            if attempts >= len(RETRY_DELAYS) + 1:
                row.update(state=State.FAILED, failed_at=now, **fields)
            else:
                delay = RETRY_DELAYS[attempts - 1]
                row.update(state=State.PENDING, batch="", next_attempt_at=now + timedelta(seconds=delay), **fields)
        elif self.outcome == "failed" and self.permanent_rcpt:
            # What the enhanced code says (`scoring`): 5.7.x is a deliverability
            # problem (the row failed, the address stays); others bounce and score.
            verdict, status = scoring.classify_reply(self.detail, self.code)
            policy = verdict == MailReport.Verdict.POLICY
            if policy:
                changed = row.update(state=State.FAILED, failed_at=now, **fields)
            else:
                changed = row.update(state=State.BOUNCED, bounced_at=now, **fields)
            email = self.delivery.subscriber.email if self.delivery.subscriber_id else ""
            if changed and email:
                scored = None if policy else scoring.score(email, verdict, status=status, detail=self.detail)
                scoring.report(MailReport.Source.RCPT, verdict, email=email, delivery=self.delivery, status=status,
                               code=self.code, detail=self.detail, acted=bool(scored and scored.suppressed))
        elif self.outcome == "failed":
            row.update(state=State.FAILED, failed_at=now, **fields)
        else:
            row.update(state=State.UNCERTAIN, **fields)

    def _save_sent(self) -> None:
        _execute("sent", [State.SENT.value, _timestamp(self.at), self.code, self.delivery.pk,
                          State.SENDING.value, State.UNCERTAIN.value])


def record(*outcomes: Outcome | None) -> None:
    """Save outcomes in one transaction (None entries are skipped)."""
    outcomes = tuple(outcome for outcome in outcomes if outcome is not None)
    if outcomes:
        with transaction.atomic():
            for outcome in outcomes:
                outcome.save()


def flush(outcome: Outcome | None) -> None:
    record(outcome)


def suppress(emails: Iterable[str], reason: str, detail: str = "") -> None:
    suppressions.suppress(emails, reason, detail)


def defer(batch: str, delivery_ids: Iterable[int], seconds: float) -> int:
    """Queued rows of this batch that cannot go now (rate limit) go back to pending, due later."""
    return Delivery.objects.filter(id__in=list(delivery_ids), batch=batch, state=State.QUEUED).update(
        state=State.PENDING, batch="", next_attempt_at=timezone.now() + timedelta(seconds=seconds)
    )


def mark_suppressed(batch: str, delivery_ids: Iterable[int]) -> None:
    Delivery.objects.filter(id__in=list(delivery_ids), batch=batch, state=State.QUEUED).update(
        state=State.SUPPRESSED
    )


def retry_failed(release: Release) -> int:
    """Failed rows go back to pending for a new attempt (bounced ones do not)."""
    return Delivery.objects.filter(release=release, state=State.FAILED).update(
        state=State.PENDING, batch="", next_attempt_at=None
    )
