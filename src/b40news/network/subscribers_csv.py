"""A list's subscribers as CSV: import with a report of every rejected row, and export.

Columns (a header row names them; ``,`` ``;`` or tab between fields, UTF-8
with or without a BOM): ``email`` (required), ``language`` (a code or an alias
of ``b40news.languages``; empty: a known subscriber's own, the city's default
for a new one), ``name`` (accepted, not stored: subscribers have no name),
``status`` (``pending``, ``confirmed`` or ``unsubscribed``; empty: as the
import decides) and ``consent_at`` (ISO 8601, when the person consented;
without a time zone: UTC; kept for confirmed and unsubscribed rows only: a
pending subscriber's consent is the confirmation still to come).

The rules:

- Addresses are normalised (``network.addresses.normalise``: international
  domains, SMTPUTF8 local parts) and compared by ``mailbox_key`` (``Ana@X.org``
  and ``ana@x.org`` are one mailbox): a file's duplicates are found in that
  form (the first row wins, the others are rejected naming it), and a row
  updates the subscriber of its mailbox, however it was spelled before.
- Imported subscriptions are ``pending`` (the subscribers must confirm) unless
  the operator passes ``confirmed=True``, asserting that they consented
  before: then they are ``confirmed``, ``confirmed_at`` is the row's
  ``consent_at`` (else the import's time) and ``consent_form`` is
  ``csv-import``. A row marked ``pending`` stays pending either way, and
  ``unsubscribed`` is always honoured.
- Rows already present are updated, never duplicated: the subscriber's
  language follows the file; a pending subscription may become confirmed or
  unsubscribed. An import never lowers a confirmed subscription to pending,
  and never subscribes again someone who unsubscribed from the list (that row
  is rejected, as is a suppressed address: hard bounce, complaint).
- A file that is not UTF-8 text with such a header is refused whole, with the
  reason; nothing is stored. Rejected rows do not stop the others, and the
  whole import is one transaction.

Export writes ``email,language,status,consent_at`` and the rest of the
consent record: ``requested_at`` (when the subscription was asked for),
``consent_ip``, ``consent_form`` and ``consent_language``. The import reads
it back unchanged (with ``confirmed=True`` for the confirmed rows to stay
so); for a subscription it creates, a row's own consent record (IP, form,
language) is kept instead of ``csv-import``.

Without ``confirmed`` the import lists the pending subscriptions it created
(``ImportReport.new_pending``): the command sends each its double opt-in
e-mail (`network.invitations`).
"""

from __future__ import annotations

import csv
import io
import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from b40news import languages
from b40news.delivery import suppressions
from b40news.network.addresses import AddressError, mailbox_key, normalise
from b40news.network.models import Language, MailingList, Subscriber, Subscription

Status = Subscription.Status
CONSENT_COLUMNS = ("requested_at", "consent_ip", "consent_form", "consent_language")
COLUMNS = ("email", "language", "name", "status", "consent_at", *CONSENT_COLUMNS)
EXPORT_COLUMNS = ("email", "language", "status", "consent_at", *CONSENT_COLUMNS)
CONSENT_FORM = "csv-import"
CHUNK = 500  # addresses per IN (...) query


class CsvImportError(ValueError):
    """The file as a whole cannot be imported; nothing was stored.

    ``hint``: what an operator at a shell may do about it (the CLI adds it; a web page does not).
    """

    def __init__(self, message: str, *, hint: str = ""):
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Rejected:
    row: int  # as a spreadsheet numbers it: the header is row 1
    value: str
    reason: str
    duplicate_of: int | None = None  # the row of the file with the same address


@dataclass
class ImportReport:
    list_slug: str
    created: int = 0  # subscriptions new to the list
    updated: int = 0  # present before, and changed
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    new_pending: list[int] = field(default_factory=list)  # subscriptions created pending: to invite
    kept_pending: int = 0  # rows marked confirmed that were imported pending (no ``confirmed``)

    def summary(self) -> str:
        return (
            f"{self.list_slug}: {self.created} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )


@dataclass
class _Row:
    number: int
    raw_email: str
    email: str
    ascii_email: str
    key: str  # addresses.mailbox_key: how rows and subscribers are matched
    language: Language | None  # None: the subscriber's own, or the city's default for a new one
    status: str  # what the file asks for, or ""
    consent_at: datetime | None
    consent: dict = field(default_factory=dict)  # consent_ip, consent_form, consent_language given in the file


def import_subscribers(
    raw: bytes, list_slug: str, *, confirmed: bool = False, name: str = "the file"
) -> ImportReport:
    """Import ``raw`` (the file's bytes) into the list; raises ``CsvImportError`` for a bad file."""
    mailing_list = MailingList.objects.select_related("city__default_language").filter(slug=list_slug).first()
    if mailing_list is None:
        known = ", ".join(MailingList.objects.values_list("slug", flat=True)) or "none"
        raise CsvImportError(_("unknown mailing list %(list)r; known lists: %(known)s")
                             % {"list": list_slug, "known": known})
    header, records = _read(raw, name)
    report = ImportReport(list_slug)
    rows = _check(header, records, mailing_list, report)
    with transaction.atomic():
        _reject_suppressed(rows, report)
        _store(rows, mailing_list, confirmed, report)
    report.rejected.sort(key=lambda rejected: rejected.row)
    return report


# -- reading the file ------------------------------------------------------------------


def _read(raw: bytes, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if b"\x00" in raw:
        raise CsvImportError(
            _("%(name)s is not a CSV text file (it holds NUL bytes: a spreadsheet or other binary file?)")
            % {"name": name}
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvImportError(
            _("%(name)s is not UTF-8 (byte 0x%(byte)02x at offset %(offset)d). "
              "Save it as UTF-8 (\"CSV UTF-8\" in a spreadsheet) and try again.")
            % {"name": name, "byte": raw[exc.start], "offset": exc.start},
            hint="To convert it: iconv -f WINDOWS-1251 -t UTF-8 old.csv > new.csv",
        ) from None
    if not text.strip():
        raise CsvImportError(_("%(name)s is empty") % {"name": name})
    first_line = text.lstrip("\r\n").splitlines()[0]
    try:
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter, strict=True)
    try:
        table = [(number, record) for number, record in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise CsvImportError(_("%(name)s is not valid CSV (line %(line)d): %(error)s")
                             % {"name": name, "line": reader.line_num, "error": exc}) from None
    table = [(number, record) for number, record in table if any(value.strip() for value in record)]
    if not table:
        raise CsvImportError(_("%(name)s has no rows") % {"name": name})
    header = [value.strip().lower().replace(" ", "_").replace("-", "_") for value in table[0][1]]
    unknown = [column for column in header if column not in COLUMNS]
    if "email" not in header or unknown:
        found = ", ".join(repr(value) for value in table[0][1])
        problem = (_("unknown column(s) %(columns)s") % {"columns": ", ".join(map(repr, unknown))}
                   if "email" in header else _("no email column"))
        raise CsvImportError(
            _("%(name)s: the first row must be a header naming the columns (%(columns)s; email is required): "
              "%(problem)s, found %(found)s")
            % {"name": name, "columns": ", ".join(COLUMNS), "problem": problem, "found": found}
        )
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise CsvImportError(_("%(name)s: column(s) named twice in the header: %(columns)s")
                             % {"name": name, "columns": ", ".join(repeated)})
    return header, table[1:]


def _check(header: list[str], records, mailing_list: MailingList, report: ImportReport) -> list[_Row]:
    rows: list[_Row] = []
    first_row: dict[str, int] = {}
    by_code = Language.objects.sync()
    for number, record in records:
        if len(record) != len(header):
            found = _("%(n)d fields, the header has %(m)d") % {"n": len(record), "m": len(header)}
            report.rejected.append(Rejected(number, ",".join(record), found))
            continue
        values = {column: value.strip() for column, value in zip(header, record)}
        row = _row(number, values, by_code)
        if isinstance(row, _Row) and row.key in first_row:
            row = Rejected(number, row.raw_email, _("the same address as row %(row)d (%(email)s)")
                           % {"row": first_row[row.key], "email": row.email},
                           duplicate_of=first_row[row.key])
        if isinstance(row, Rejected):
            report.rejected.append(row)
            continue
        first_row[row.key] = number
        rows.append(row)
    if any(values.get("name") for _n, record in records for values in [dict(zip(header, record))]):
        report.notes.append(_("the name column is not stored: subscribers have no name field"))
    return rows


def _row(number: int, values: dict[str, str], by_code: dict[str, Language]) -> _Row | Rejected:
    raw_email = values["email"]
    try:
        address = normalise(raw_email)
    except AddressError as exc:
        return Rejected(number, raw_email, str(exc) if raw_email else _("no address"))
    code = values.get("language", "")
    try:
        language = by_code[languages.get(code).code] if code else None
    except languages.UnknownLanguage:
        return Rejected(number, code,
                        _("unknown language; known: %(known)s") % {"known": ", ".join(languages.LANGUAGES)})
    status = values.get("status", "").lower()
    if status not in ("", *Status.values):
        return Rejected(number, values["status"],
                        _("unknown status; one of %(known)s, or empty") % {"known": ", ".join(Status.values)})
    consent_text = values.get("consent_at", "")
    try:
        consent_at = _when(consent_text) if consent_text else None
    except ValueError:
        return Rejected(number, consent_text, _("not a date and time (ISO 8601, e.g. 2024-05-01T10:00:00+03:00)"))
    if consent_at is not None and consent_at > timezone.now():
        return Rejected(number, consent_text, _("consent in the future"))
    consent = {}
    requested_text = values.get("requested_at", "")
    try:
        requested_at = _when(requested_text) if requested_text else None
    except ValueError:
        return Rejected(number, requested_text, _("requested_at is not a date and time (ISO 8601)"))
    if requested_at is not None:
        consent["created_at"] = requested_at
    ip = values.get("consent_ip", "")
    if ip:
        try:
            consent["consent_ip"] = str(ipaddress.ip_address(ip))
        except ValueError:
            return Rejected(number, ip, _("consent_ip is not an IP address"))
    if values.get("consent_form"):
        consent["consent_form"] = values["consent_form"][:64]
    if values.get("consent_language"):
        consent["consent_language"] = values["consent_language"][:16]
    return _Row(number, raw_email, address.email, address.ascii_email, address.key, language, status, consent_at,
                consent)


def _when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt_timezone.utc)


# -- storing it ------------------------------------------------------------------------


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _reject_suppressed(rows: list[_Row], report: ImportReport) -> None:
    # A suppression names the address as it was sent to: the row's spelling or the known subscriber's.
    known: dict[str, str] = {}
    for chunk in _chunks([row.key for row in rows]):
        known.update(Subscriber.objects.filter(email_key__in=chunk).values_list("email_key", "email"))
    suppressed = {}  # by address, or by digest for an erased person (`delivery.suppressions`)
    for chunk in _chunks([row.email for row in rows] + list(known.values())):
        suppressed.update({mailbox_key(email): s for email, s in suppressions.suppressed(chunk).items()})
    for row in list(rows):
        found = suppressed.get(row.key)
        if found is not None:
            report.rejected.append(
                Rejected(row.number, row.raw_email, _("suppressed (%(reason)s) since %(day)s")
                         % {"reason": found.reason, "day": f"{found.created_at:%Y-%m-%d}"})
            )
            rows.remove(row)


def _store(rows: list[_Row], mailing_list: MailingList, confirmed: bool, report: ImportReport) -> None:
    now = timezone.now()
    keys = [row.key for row in rows]
    default_language = mailing_list.city.default_language
    subscribers: dict[str, Subscriber] = {}  # by mailbox key
    existing: dict[int, Subscription] = {}
    known = Subscriber.objects.select_related("language")
    for chunk in _chunks(keys):
        subscribers.update({s.email_key: s for s in known.filter(email_key__in=chunk)})
        existing.update(
            {
                s.subscriber_id: s
                for s in Subscription.objects.filter(mailing_list=mailing_list, subscriber__email_key__in=chunk)
            }
        )
    new = [
        Subscriber(
            email=row.email, ascii_email=row.ascii_email, language=row.language or default_language, created_at=now
        )
        for row in rows
        if row.key not in subscribers
    ]
    Subscriber.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    for chunk in _chunks([s.email_key for s in new]):
        subscribers.update({s.email_key: s for s in known.filter(email_key__in=chunk)})
    kept_pending = 0
    additions = []
    for row in rows:
        subscriber = subscribers[row.key]
        wanted = row.status or (Status.CONFIRMED if confirmed else Status.PENDING)
        held_back = wanted == Status.CONFIRMED and not confirmed
        if held_back:
            wanted = Status.PENDING
        subscription = existing.get(subscriber.pk)
        if subscription is not None and subscription.status == Status.UNSUBSCRIBED and wanted != Status.UNSUBSCRIBED:
            reason = (_("unsubscribed from %(list)s on %(day)s: an import does not subscribe them again")
                      % {"list": mailing_list.slug, "day": f"{subscription.unsubscribed_at:%Y-%m-%d}"}
                      if subscription.unsubscribed_at else
                      _("unsubscribed from %(list)s: an import does not subscribe them again")
                      % {"list": mailing_list.slug})
            report.rejected.append(Rejected(row.number, row.raw_email, reason))
            continue
        kept_pending += held_back and (subscription is None or subscription.status == Status.PENDING)
        language = row.language or subscriber.language
        language_changed = subscriber.language_id != language.pk
        if language_changed:  # the file's word on the language wins, for every list
            Subscriber.objects.filter(pk=subscriber.pk).update(language=language)
        if subscription is None:
            additions.append(_new_subscription(subscriber, mailing_list, wanted, row, language, now))
            continue
        changes = _changes(subscription, wanted, row, language, now)
        if changes:
            Subscription.objects.filter(pk=subscription.pk).update(**changes)
        if changes or language_changed:
            report.updated += 1
        else:
            report.unchanged += 1
    Subscription.objects.bulk_create(additions, batch_size=CHUNK)
    report.created = len(additions)
    pending = [s.subscriber_id for s in additions if s.status == Status.PENDING]
    for chunk in _chunks(pending):
        report.new_pending += list(Subscription.objects.filter(
            mailing_list=mailing_list, subscriber_id__in=chunk, status=Status.PENDING).values_list("pk", flat=True))
    report.kept_pending = kept_pending


def _new_subscription(subscriber, mailing_list, status: str, row: _Row, language, now: datetime) -> Subscription:
    consent = dict(row.consent)
    if status == Status.PENDING:  # a pending request is the import's (and is purged unconfirmed from it)
        consent.pop("created_at", None)
    return Subscription(
        subscriber=subscriber,
        mailing_list=mailing_list,
        status=status,
        created_at=consent.pop("created_at", now),
        # An unsubscribed row keeps when they had consented; a pending one has not confirmed yet.
        confirmed_at={Status.CONFIRMED: row.consent_at or now, Status.UNSUBSCRIBED: row.consent_at}.get(status),
        unsubscribed_at=now if status == Status.UNSUBSCRIBED else None,
        **{"consent_form": CONSENT_FORM, "consent_language": language.code, **consent},
    )


def _changes(subscription: Subscription, wanted: str, row: _Row, language, now: datetime) -> dict:
    """What an import may change in a subscription that exists: only towards the file's status."""
    if wanted == Status.UNSUBSCRIBED and subscription.status != Status.UNSUBSCRIBED:
        return {"status": Status.UNSUBSCRIBED, "unsubscribed_at": now}
    if wanted == Status.CONFIRMED and subscription.status == Status.PENDING:
        return {
            "status": Status.CONFIRMED,
            "confirmed_at": row.consent_at or now,
            "consent_form": CONSENT_FORM,
            "consent_language": language.code,
        }
    return {}  # confirmed stays confirmed; pending stays pending


# -- export ----------------------------------------------------------------------------


def export_subscribers(list_slug: str) -> str:
    """The list's subscriptions, every status, ordered by address."""
    mailing_list = MailingList.objects.filter(slug=list_slug).first()
    if mailing_list is None:
        raise CsvImportError(_("unknown mailing list %(list)r") % {"list": list_slug})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    subscriptions = (
        Subscription.objects.filter(mailing_list=mailing_list)
        .select_related("subscriber__language")
        .order_by("subscriber__email")
    )
    for subscription in subscriptions.iterator(chunk_size=2000):
        writer.writerow(
            [
                subscription.subscriber.email,
                subscription.subscriber.language.code,
                subscription.status,
                _iso(subscription.confirmed_at),
                _iso(subscription.created_at),
                subscription.consent_ip or "",
                subscription.consent_form,
                subscription.consent_language,
            ]
        )
    return out.getvalue()


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(dt_timezone.utc).isoformat(timespec="seconds") if moment else ""
