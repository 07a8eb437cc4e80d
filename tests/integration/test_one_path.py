"""One path for every change: the web and the command line end in the same state.

Each scenario runs once through the office pages and once through the
`b40news` commands, and both must leave the same translations, renditions,
ledger rows, release state and received messages.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from b40news.delivery import service
from b40news.delivery.models import Delivery
from b40news.releases import workflow
from b40news.releases.models import Release
from b40news.text.segment import split_paragraphs
from worker.tasks import send_batch
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, fast_hashing, logged_in, network, officer, post, release,
)

pytestmark = pytest.mark.django_db


def end_state(release: Release) -> dict:
    release.refresh_from_db()
    return {
        "status": release.status,
        "translations": sorted(release.translations.values_list("language__code", "status")),
        "renditions": sorted(set(release.renditions.values_list("language", flat=True))),
        "ledger": sorted(Counter(Delivery.objects.filter(release=release).values_list("language", "state")).items()),
    }


def human_text(release: Release, marker: str) -> str:
    """A 'human translation': one paragraph per source paragraph, title first."""
    paragraphs = [f"{marker} {n}." for n, _ in enumerate(split_paragraphs(release.body), 1)]
    return "\n\n".join([f"{marker} title", *paragraphs])


def bodies(mta, code: str) -> list[str]:
    return [m.get_body(("plain",)).get_content() for m in mta.messages() if m["Content-Language"] == code]


class Web:
    def __init__(self, officer):
        self.client, self.officer = logged_in(officer), officer

    def _page(self, release, code=None):
        if code:
            return reverse("office:review", args=[release.pk, code])
        return reverse("office:release", args=[release.pk])

    def approve(self, release, code, *, force=True):
        data = {"language": code, **({"force": "1"} if force else {})}
        post(self.client, self._page(release, code), reverse("office:approve", args=[release.pk]), data)

    def human(self, release, code, text):
        upload = SimpleUploadedFile(f"{code}.txt", text.encode(), content_type="text/plain")
        post(self.client, self._page(release, code), reverse("office:upload_translation", args=[release.pk, code]),
             {"upload": upload, "title": ""})

    def send(self, release, at=None):
        from b40news.web.office.zones import user_zone

        local = timezone.localtime(at, ZoneInfo(user_zone(self.officer))) if at else None
        data = {"when": "later", "send_at": local.strftime("%Y-%m-%dT%H:%M")} if at else {"when": "now"}
        post(self.client, self._page(release), reverse("office:send", args=[release.pk]), data)

    def cancel(self, release):
        progress = reverse("office:progress", args=[release.pk])
        post(self.client, progress, reverse("office:cancel", args=[release.pk]))


class Cli:
    def __init__(self, tmp_path, officer=None):
        self.tmp_path, self.officer = tmp_path, officer

    def approve(self, release, code, *, force=True):
        call_command("approve", str(release.pk), "--language", code, "--as", self.officer.username,
                     *(["--force"] if force else []))

    def human(self, release, code, text):
        path = self.tmp_path / f"{code}.txt"
        path.write_text(text, encoding="utf-8")
        call_command("submit_translation", str(release.pk), "--language", code, str(path))

    def send(self, release, at=None):
        call_command("send", str(release.pk), *(["--at", at.isoformat()] if at else []), stdout=io.StringIO())

    def cancel(self, release):
        call_command("send", str(release.pk), "--cancel", stdout=io.StringIO())


@pytest.fixture(params=["web", "cli"])
def via(request, officer, tmp_path):
    return Web(officer) if request.param == "web" else Cli(tmp_path, officer)


def test_a_human_translation_after_a_preview_is_what_subscribers_get(release, via, mta, officer):
    """The scenario of the issue: preview (renders), human translation, approve, send."""
    with override_settings(SMTP_URL=mta.url):
        via.approve(release, "mk")
        preview = reverse("office:preview", args=[release.pk, "mk", HOME])
        assert logged_in(officer).get(preview).status_code == 200
        assert release.renditions.filter(language="mk").exists()  # the machine text, rendered
        via.human(release, "mk", human_text(release, "MK-HUMAN"))
        assert not release.renditions.filter(language="mk").exists()  # the change dropped it
        via.approve(release, "mk")
        via.send(release)
    assert end_state(release) == {
        "status": "sent_waiting",  # Croatian has no engine: its subscriber waits
        "translations": [("bg", "approved"), ("en", "translated"), ("hr", "no_engine"), ("mk", "approved")],
        "renditions": ["bg", "mk"],
        "ledger": [(("bg", "sent"), 2), (("hr", "waiting"), 1), (("mk", "sent"), 2)],
    }
    received = bodies(mta, "mk")
    assert len(received) == 2 and all("MK-HUMAN 1." in body for body in received)


def test_approving_after_the_send_releases_the_waiting_without_another_send(release, via, mta):
    with override_settings(SMTP_URL=mta.url):
        via.send(release)
        assert end_state(release)["ledger"] == [(("bg", "sent"), 2), (("hr", "waiting"), 1), (("mk", "waiting"), 2)]
        via.human(release, "hr", human_text(release, "HR-HUMAN"))
        via.approve(release, "hr")
        via.approve(release, "mk")
    assert end_state(release) == {
        "status": "sent",
        "translations": [("bg", "approved"), ("en", "translated"), ("hr", "approved"), ("mk", "approved")],
        "renditions": ["bg", "hr", "mk"],
        "ledger": [(("bg", "sent"), 2), (("hr", "sent"), 1), (("mk", "sent"), 2)],
    }
    assert [("HR-HUMAN 1." in body) for body in bodies(mta, "hr")] == [True]
    assert len(mta.messages()) == 5  # nobody twice


def test_a_scheduled_send_taken_back(release, via, mta, monkeypatch):
    monkeypatch.setattr(workflow, "workers_available", lambda: True)  # the set time is kept in the ledger
    later = timezone.now() + timedelta(hours=3)
    with override_settings(SMTP_URL=mta.url):
        via.send(release, at=later)
        state = end_state(release)
        assert state["status"] == "scheduled" and dict(state["ledger"])[("bg", "pending")] == 2
        assert mta.messages() == []
        via.cancel(release)
        assert end_state(release)["status"] == "cancelled"
        assert not Delivery.objects.filter(release=release).exists()  # the audience is frozen again when sent
        via.send(release)
    assert end_state(release)["status"] == "sent_waiting"
    assert len(mta.messages()) == 2


def test_editing_an_approved_language_makes_its_unsent_subscribers_wait_again(release, officer, mta, monkeypatch):
    monkeypatch.setattr(workflow, "workers_available", lambda: True)
    with override_settings(SMTP_URL=mta.url):
        workflow.approve(release, ["mk"], force=True, override=True)
        workflow.send(release, eta=timezone.now() + timedelta(hours=1))
        assert dict(end_state(release)["ledger"])[("mk", "pending")] == 2
        mk = release.translations.get(language__code="mk")
        workflow.edit_segment(mk, 1, "Поправена реченица.", user=officer)
    state = end_state(release)
    assert ("mk", "translated") in state["translations"] and "mk" not in state["renditions"]
    assert dict(state["ledger"])[("mk", "waiting")] == 2


def test_approve_all_refuses_flagged_languages_by_name_unless_forced(release, tmp_path):
    Cli(tmp_path).human(release, "hr", human_text(release, "HR"))
    hr = release.translations.get(language__code="hr")
    for index, segment in enumerate(hr.segments):  # a reviewer decides on every flagged segment
        if segment["flags"]:
            hr = workflow.edit_segment(hr, index, segment["target"])
    assert hr.flagged == 0
    flagged = {t.language.code: t.flagged for t in release.translations.select_related("language")}
    assert flagged["mk"] and flagged["en"]
    with pytest.raises(CommandError, match=r"flagged segments need a human decision: en \(\d+ flagged .*mk \(\d+"):
        call_command("approve", str(release.pk), "--all", "--override", stdout=io.StringIO())
    assert dict(end_state(release)["translations"]) == {"bg": "approved", "en": "translated", "hr": "approved",
                                                        "mk": "translated"}
    out = io.StringIO()
    call_command("approve", str(release.pk), "--all", "--force", "--override", "--json", stdout=out)
    assert {code: info["status"] for code, info in json.loads(out.getvalue())["languages"].items()} == {
        "bg": "approved", "en": "approved", "hr": "approved", "mk": "approved"}


def test_send_wait_exits_non_zero_and_says_who_waits_and_why(release, mta):
    out = io.StringIO()
    with override_settings(SMTP_URL=mta.url), pytest.raises(CommandError, match="not fully sent") as failure:
        call_command("send", str(release.pk), "--wait", stdout=out)
    assert "mk: 2 subscriber(s) waiting (translated, waiting for approval)" in str(failure.value)
    assert "hr: 1 subscriber(s) waiting (no engine translates" in str(failure.value)
    assert "state: sent_waiting" in out.getvalue()


def test_failures_are_their_own_outcome(release, mta):
    workflow.approve(release, ["mk"], force=True, override=True)
    release.translations.filter(language__code="hr").delete()
    Delivery.objects.all().delete()
    mta.inject("data", 554, "content rejected")
    out = io.StringIO()
    with override_settings(SMTP_URL=mta.url), pytest.raises(CommandError, match="bg: 1 failed"):
        call_command("send", str(release.pk), "--wait", "--json", stdout=out)
    state = json.loads(out.getvalue())
    assert state["status"] == "sent_waiting"  # the Croatian subscriber still waits, and one failed
    assert state["counts"]["failed"] == 1 and state["counts"]["waiting"] == 1


def test_a_release_nobody_received_yet_is_not_in_the_archive(release, client, mta):
    with override_settings(SMTP_URL="smtp://127.0.0.1:9"):  # the relay is down: everything waits
        workflow.send(release)
    assert client.get(f"/r/{release.pk}/bg/").status_code == 404
    assert client.get(f"/r/{release.pk}/mk/").status_code == 404
    with override_settings(SMTP_URL=mta.url):
        Delivery.objects.filter(release=release).update(next_attempt_at=None)
        workflow.dispatch(release.pk, lambda token: send_batch(batch=token, release_id=release.pk))
    assert client.get(f"/r/{release.pk}/bg/").status_code == 200
    assert client.get(f"/r/{release.pk}/mk/").status_code == 404  # approved nowhere, sent to nobody


def test_every_changing_command_prints_the_state_as_json(release, tmp_path, mta):
    outputs = {}
    path = tmp_path / "hr.txt"
    path.write_text(human_text(release, "HR"), encoding="utf-8")
    commands = [
        ("submit_translation", [str(release.pk), "--language", "hr", str(path)]),
        ("approve", [str(release.pk), "--language", "hr", "--force", "--override"]),
        ("send", [str(release.pk)]),
        ("translate_release", [str(release.pk), "--to", "mk"]),
    ]
    with override_settings(SMTP_URL=mta.url):
        for name, args in commands:
            out = io.StringIO()
            call_command(name, *args, "--json", stdout=out)
            outputs[name] = json.loads(out.getvalue())
    assert outputs["submit_translation"]["languages"]["hr"]["status"] == "translated"
    assert outputs["approve"]["languages"]["hr"]["status"] == "approved"
    assert outputs["send"]["status"] == "sent_waiting" and outputs["send"]["counts"]["sent"] == 3
    assert outputs["translate_release"]["release"] == release.pk


def test_the_sweep_sends_what_a_lost_broker_left_and_status_says_stalled(release, mta, settings):
    settings.STALL_SECONDS = 60
    workflow.approve(release, ["mk"], force=True, override=True)
    with override_settings(SMTP_URL=mta.url):
        workflow.store_source(release)
        service.prepare_send(release)  # the audience frozen, but the dispatch was lost with the broker
        Release.objects.filter(pk=release.pk).update(status=Release.Status.SENDING)
        long_ago = timezone.now() - timedelta(minutes=5)
        Delivery.objects.filter(release=release).update(created_at=long_ago)
        out = io.StringIO()
        call_command("status", str(release.pk), stdout=out)
        assert "stalled" in out.getvalue()
        dispatched = []
        assert workflow.sweep(dispatched.append, lambda notice_id: None) == {"scheduled": 0, "stalled": 1, "notices": 0}
        assert dispatched == [release.pk]
        workflow.dispatch(release.pk, lambda token: send_batch(batch=token, release_id=release.pk))
    assert dict(end_state(release)["ledger"]) == {("bg", "sent"): 2, ("mk", "sent"): 2, ("hr", "waiting"): 1}
    assert not service.stalled(release.pk)


def test_the_office_never_tells_anyone_to_run_a_command(release, officer):
    hr = release.translations.get(language__code="hr")
    assert hr.status == "no_engine" and "b40news " in hr.reason  # the operator's hint, kept for the CLI
    client = logged_in(officer)
    for page in (reverse("office:release", args=[release.pk]), reverse("office:review", args=[release.pk, "hr"])):
        html = client.get(page).content.decode()
        assert "upload a human translation" in html
        assert "b40news " not in html and "submit-translation" not in html
