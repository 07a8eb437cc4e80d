"""`b40news subscribers import|export`: a list's subscribers as CSV."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from b40news.delivery import ledger
from b40news.network.models import Language, MailingList, Subscriber, Subscription
from b40news.network.sample import load_sample
from b40news.network.subscribers_csv import CsvImportError, export_subscribers, import_subscribers

pytestmark = pytest.mark.django_db

GOOD = """email,language,name,status,consent_at
ana@example.org,bg,Ана Иванова,,2024-05-01T10:00:00+03:00
Petar@Пример.бг,mk,Петар,confirmed,2024-05-02
иван@пример.бг,SR,,,
ana@EXAMPLE.org,en,,,
Petar@xn--e1afmkfd.xn--90ae,mk,,,
not-an-address,bg,,,
@example.org,bg,,,
luka@example.hr,klingon,,,
mia@example.si,sl,,maybe,
zoe@example.gr,el,,,yesterday
,bg,,,
old@example.org,,,unsubscribed,2023-01-01T00:00:00Z
blocked@example.org,tr,,,
"""


@pytest.fixture
def lists():
    load_sample(0)
    return MailingList.objects.get(slug="sofia-news"), MailingList.objects.get(slug="varna-news")


def run(*args) -> str:
    out = io.StringIO()
    call_command("subscribers", *args, stdout=out)
    return out.getvalue()


def subscriptions(mailing_list) -> dict[str, tuple[str, str]]:
    return {
        s.subscriber.email: (s.subscriber.language.code, s.status)
        for s in Subscription.objects.filter(mailing_list=mailing_list).select_related("subscriber__language")
    }


def test_import_reports_every_rejected_row_and_stores_the_rest_pending(lists, tmp_path, mta):
    sofia, _ = lists
    ledger.suppress(["blocked@example.org"], "hard-bounce", "550 5.1.1 user unknown")
    path = tmp_path / "list.csv"
    path.write_text(GOOD, encoding="utf-8")
    with override_settings(SMTP_URL=mta.url):
        output = run("import", "sofia-news", str(path)).splitlines()
    assert output[0] == "sofia-news: 4 new, 0 updated, 0 unchanged, 9 rejected"
    rejected = output[1:10]
    assert rejected[0] == "  row 5: 'ana@EXAMPLE.org': the same address as row 2 (ana@example.org)"
    assert rejected[1] == "  row 6: 'Petar@xn--e1afmkfd.xn--90ae': the same address as row 3 (Petar@пример.бг)"
    assert rejected[2].startswith("  row 7: 'not-an-address': 'not-an-address' is not a valid e-mail address")
    assert rejected[3].startswith("  row 8: '@example.org': ")
    assert rejected[4].startswith("  row 9: 'klingon': unknown language; known: bg, en, hr, sr-Cyrl, sr-Latn")
    assert rejected[5] == "  row 10: 'maybe': unknown status; one of pending, confirmed, unsubscribed, or empty"
    assert rejected[6].startswith("  row 11: 'yesterday': not a date and time (ISO 8601")
    assert rejected[7] == "  row 12: '': no address"
    assert rejected[8].startswith("  row 14: 'blocked@example.org': suppressed (hard-bounce) since 20")
    assert output[10:12] == [
        "note: the name column is not stored: subscribers have no name field",
        "note: 1 row(s) marked confirmed were imported as pending: they must confirm "
        "(pass --confirmed only if they consented before)",
    ]
    # Each new pending subscriber is sent the double opt-in e-mail (network/invitations.py).
    assert output[12] == "sending 3 invitation(s) (the double opt-in e-mail), within the relay's rate limit"
    assert output[-1] == "invitations: 3 sent, 0 to be retried later, 0 failed"
    assert sorted(m["To"] for m in mta.messages()) == ["Petar@xn--e1afmkfd.xn--90ae", "ana@example.org",
                                                       "иван@пример.бг"]
    assert subscriptions(sofia) == {
        "ana@example.org": ("bg", "pending"),
        "Petar@пример.бг": ("mk", "pending"),
        "иван@пример.бг": ("sr-Latn", "pending"),  # "SR" is an alias
        "old@example.org": ("bg", "unsubscribed"),  # no language: the city's default
    }
    petar = Subscriber.objects.get(email="Petar@пример.бг")
    assert petar.ascii_email == "Petar@xn--e1afmkfd.xn--90ae"
    assert Subscriber.objects.get(email="иван@пример.бг").ascii_email == ""  # SMTPUTF8 only
    ana = Subscription.objects.get(subscriber__email="ana@example.org")
    assert (ana.consent_form, ana.consent_language, ana.confirmed_at) == ("csv-import", "bg", None)
    old = Subscription.objects.get(subscriber__email="old@example.org")
    assert old.unsubscribed_at is not None and old.confirmed_at == datetime(2023, 1, 1, tzinfo=timezone.utc)
    assert not Subscriber.objects.filter(email="blocked@example.org").exists()
    assert Subscription.objects.filter(mailing_list=sofia, status="confirmed").count() == 0


def test_confirmed_import_records_consent_and_existing_rows_are_updated_not_duplicated(lists):
    sofia, varna = lists
    bg = Language.objects.sync()["bg"]
    pending = Subscriber.objects.create(email="pending@example.org", ascii_email="pending@example.org", language=bg)
    Subscription.objects.create(subscriber=pending, mailing_list=sofia, status="pending")
    done = Subscriber.objects.create(email="done@example.org", ascii_email="done@example.org", language=bg)
    kept = Subscription.objects.create(
        subscriber=done, mailing_list=sofia, status="confirmed",
        confirmed_at=datetime(2022, 2, 2, tzinfo=timezone.utc), consent_form="web",
    )
    gone = Subscriber.objects.create(email="gone@example.org", ascii_email="gone@example.org", language=bg)
    Subscription.objects.create(subscriber=gone, mailing_list=sofia, status="unsubscribed")
    Subscription.objects.create(subscriber=gone, mailing_list=varna, status="confirmed")
    data = (
        "email;language;status;consent_at\r\n"  # semicolons and a BOM, as a spreadsheet saves them
        "pending@example.org;en;;2024-03-01T09:30:00\r\n"
        "done@example.org;en;pending;\r\n"
        "gone@example.org;bg;;\r\n"
        "new@example.org;hr;pending;\r\n"
        "fresh@example.org;en;;\r\n"
    ).encode("utf-8-sig")
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    report = import_subscribers(data, "sofia-news", confirmed=True)
    assert report.summary() == "sofia-news: 2 new, 2 updated, 0 unchanged, 1 rejected"
    assert [(r.row, r.value) for r in report.rejected] == [(4, "gone@example.org")]
    assert "unsubscribed from sofia-news: an import does not subscribe them again" in report.rejected[0].reason
    assert subscriptions(sofia) == {
        "pending@example.org": ("en", "confirmed"),
        "done@example.org": ("en", "confirmed"),  # never lowered to pending
        "gone@example.org": ("bg", "unsubscribed"),
        "new@example.org": ("hr", "pending"),  # the file says pending: it stays so
        "fresh@example.org": ("en", "confirmed"),
    }
    confirmed = Subscription.objects.get(subscriber=pending, mailing_list=sofia)
    assert confirmed.confirmed_at == datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)
    assert (confirmed.consent_form, confirmed.consent_language) == ("csv-import", "en")
    kept.refresh_from_db()
    assert (kept.consent_form, kept.confirmed_at.year) == ("web", 2022)  # the earlier consent record stays
    fresh = Subscription.objects.get(subscriber__email="fresh@example.org")
    assert fresh.consent_form == "csv-import" and fresh.confirmed_at >= before
    assert Subscription.objects.get(subscriber=gone, mailing_list=varna).status == "confirmed"
    assert Subscriber.objects.filter(email__in=["pending@example.org", "done@example.org"]).count() == 2

    # The same file again: nothing new, nothing changed.
    again = import_subscribers(data, "sofia-news", confirmed=True)
    assert again.summary() == "sofia-news: 0 new, 0 updated, 4 unchanged, 1 rejected"
    assert Subscription.objects.filter(mailing_list=sofia).count() == 5


@pytest.mark.parametrize(
    "content, message",
    [
        ("email,language\nзоран@пример.бг,bg\n".encode("cp1251"), r"is not UTF-8 \(byte 0xe7 at offset 15\)"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not a CSV text file"),
        (b"ana@example.org,bg\nivo@example.org,en\n", "must be a header naming the columns .*no email column"),
        (b"email,langauge\nana@example.org,bg\n", "unknown column\\(s\\) 'langauge'"),
        (b'email,language\n"ana@example.org,bg\n', "not valid CSV"),
        (b"\n\n", "is empty"),
    ],
    ids=["cp1251", "xlsx", "no-header", "typo", "unclosed-quote", "empty"],
)
def test_a_bad_file_is_refused_whole(lists, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    counts = Subscriber.objects.count(), Subscription.objects.count()
    with pytest.raises(CommandError, match=f"nothing imported: .*{message}"):
        run("import", "sofia-news", str(path), "--confirmed")
    assert (Subscriber.objects.count(), Subscription.objects.count()) == counts


def test_unknown_list_and_missing_file_are_clear_errors(lists, tmp_path):
    (tmp_path / "x.csv").write_bytes(b"email\na@example.org\n")
    with pytest.raises(CommandError, match="unknown mailing list 'nowhere'; known lists: athens-news"):
        run("import", "nowhere", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="cannot read .*missing.csv: No such file"):
        run("import", "sofia-news", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="unknown mailing list 'nowhere'"):
        run("export", "nowhere")


def test_export_round_trips_through_import(lists, tmp_path):
    sofia, varna = lists
    source = (
        "email,language,status,consent_at\n"
        "a@example.org,bg,confirmed,2024-01-02T03:04:05+00:00\n"
        "b@пример.бг,sr-Cyrl,pending,\n"
        "в@пример.бг,mk,confirmed,2024-02-03T04:05:06+02:00\n"
        "d@example.org,en,unsubscribed,2023-06-07T08:09:10+00:00\n"
        "e@example.org,el,confirmed,\n"
    ).encode()
    assert import_subscribers(source, "sofia-news", confirmed=True).summary() == (
        "sofia-news: 5 new, 0 updated, 0 unchanged, 0 rejected"
    )
    exported = tmp_path / "sofia.csv"
    run("export", "sofia-news", "-o", str(exported))
    text = exported.read_bytes().decode("utf-8")
    # The consent record too: when it was asked for, from where, through which form, in which language.
    header, first = text.splitlines()[:2]
    assert header == "email,language,status,consent_at,requested_at,consent_ip,consent_form,consent_language"
    assert first.startswith("a@example.org,bg,confirmed,2024-01-02T03:04:05+00:00,20")
    assert first.endswith(",,csv-import,bg")
    assert any(line.startswith("в@пример.бг,mk,confirmed,2024-02-03T02:05:06+00:00,") for line in text.splitlines())

    # Into another list, and back into the same one: the same CSV comes out (a pending
    # request is the import's own, made now).
    output = run("import", "varna-news", str(exported), "--confirmed")
    assert output.splitlines()[0] == "varna-news: 5 new, 0 updated, 0 unchanged, 0 rejected"

    def settled(csv_text: str) -> list[str]:
        return [line for line in csv_text.splitlines() if ",pending," not in line]

    assert settled(export_subscribers("varna-news")) == settled(text)
    assert subscriptions(varna) == subscriptions(sofia)
    assert import_subscribers(exported.read_bytes(), "sofia-news", confirmed=True).summary() == (
        "sofia-news: 0 new, 0 updated, 5 unchanged, 0 rejected"
    )
    assert run("export", "sofia-news") == text
    assert Subscriber.objects.count() == 5


def test_error_type_for_callers(lists):
    with pytest.raises(CsvImportError, match="unknown mailing list"):
        import_subscribers(b"email\na@example.org\n", "nowhere")
