"""The segment editor: every language typed into, JSON saves, helps, history, comments, permissions."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from b40news.releases import reviewers
from b40news.releases.models import SegmentComment, SegmentEdit, Translation
from b40news.text.segment import segment
from b40news.translation.memory import approve_human
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    csrf_token, fast_hashing, logged_in, make_user, network, officer, post, release,
)

pytestmark = pytest.mark.django_db


def page(release, code) -> str:
    return reverse("office:review", args=[release.pk, code])


def save(client, release, code, index, text, *, token=None):
    """The editor's JSON save, as editor.js sends it: the segment form's fields."""
    token = token or csrf_token(client, page(release, code))
    return client.post(reverse("office:save_segment", args=[release.pk, code, index]),
                       {f"s{index}-target": text, "csrfmiddlewaretoken": token}, HTTP_ACCEPT="application/json")


def translation(release, code) -> Translation | None:
    return Translation.objects.filter(release=release, language__code=code).first()


def row(html: str, number: int) -> str:
    return re.search(rf'<tr id="segment-{number}".*?</tr>', html, re.S).group(0)


def test_a_language_nobody_asked_for_is_typed_into_segment_by_segment(release, officer):
    assert translation(release, "sq") is None
    client = logged_in(officer)
    html = client.get(page(release, "sq")).content.decode()
    sources = [release.title, *segment(release.body).segments]
    assert html.count('<tr id="segment-') == len(sources)
    assert html.count('data-role="editor"') == len(sources)  # one editor per segment, each closed
    assert "<details class=\"edit\" data-role=\"editor\" open" not in html
    assert 'src="/static/b40news/editor.js"' in html and "<script>" not in html
    response = save(client, release, "sq", 1, "  Fjalia e parë,\n e shkruar nga një person. ")
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] and data["state"] == "edited" and data["target"] == "Fjalia e parë, e shkruar nga një person."
    assert data["history"]["who"] == "ana" and data["history"]["before"] == ""
    assert data["flagged_text"] == f"{data['flagged_count']} flagged segments need a human decision."
    stored = translation(release, "sq")
    assert stored.status == Translation.Status.NO_ENGINE  # still incomplete: nothing to send yet
    assert stored.segments[1]["target"] == data["target"] and stored.segments[1]["state"] == "edited"
    assert [s["state"] for s in stored.segments].count("edited") == 1
    edit = SegmentEdit.objects.get(translation=stored)
    assert (edit.index, edit.before, edit.after, edit.user, edit.user_name, edit.state_before) == (
        1, "", data["target"], officer, "ana", "empty")
    html = client.get(page(release, "sq")).content.decode()
    assert "Fjalia e parë" in row(html, 2) and "<del></del> → <ins>Fjalia e parë" in row(html, 2)


def test_a_language_without_engine_becomes_translated_when_every_segment_is_written(release, officer):
    hr = translation(release, "hr")
    assert hr.status == Translation.Status.NO_ENGINE
    client = logged_in(officer)
    token = csrf_token(client, page(release, "hr"))
    for index in range(len(hr.segments)):
        assert save(client, release, "hr", index, f"Rečenica {index}.", token=token).json()["ok"]
    hr.refresh_from_db()
    assert hr.status == Translation.Status.TRANSLATED and hr.title == "Rečenica 0."
    assert SegmentEdit.objects.filter(translation=hr).count() == len(hr.segments)


def test_an_edit_keeps_the_machine_output_and_a_repeat_save_records_nothing(release, officer):
    mk = translation(release, "mk")
    machine = mk.segments[2]["target"]
    client = logged_in(officer)
    assert save(client, release, "mk", 2, "Нова реченица.").json()["ok"]
    assert save(client, release, "mk", 2, "Нова реченица.").json()["ok"]
    mk.refresh_from_db()
    assert mk.segments[2]["draft"]["target"] == machine and mk.segments[2]["target"] == "Нова реченица."
    assert SegmentEdit.objects.filter(translation=mk, index=2).count() == 1
    html = row(client.get(page(release, "mk")).content.decode(), 3)
    assert "Suggestion" in html and "machine translation" in html and machine.split()[0] in html


def test_a_bad_save_is_an_error_in_json_and_stores_nothing(release, officer):
    before = translation(release, "mk").segments
    client = logged_in(officer)
    response = save(client, release, "mk", 1, "   ")
    assert response.status_code == 400 and response.json() == {"ok": False, "error": "The corrected segment is empty."}
    response = save(client, release, "mk", 999, "Текст.")
    assert response.status_code == 400 and "there is no segment 1000" in response.json()["error"]
    assert translation(release, "mk").segments == before and not SegmentEdit.objects.exists()


def test_a_translator_edits_but_does_not_approve(release, officer):
    tome = make_user("tome")
    reviewers.grant("tome", "mk", role="translator")
    client = logged_in(tome)
    assert save(client, release, "mk", 1, "Преведено од преведувач.").json()["ok"]
    assert SegmentEdit.objects.get(index=1).user == tome
    html = client.get(page(release, "mk")).content.decode()
    assert "Translators edit; a reviewer approves." in html
    assert reverse("office:approve", args=[release.pk]) not in html
    post(client, page(release, "mk"), reverse("office:approve", args=[release.pk]), {"language": "mk", "force": "1"})
    assert translation(release, "mk").status == Translation.Status.TRANSLATED


def test_someone_without_a_role_gets_the_branded_refusal(release, officer):
    nobody = make_user("nobody")
    client = logged_in(nobody)
    unchecked = Client()  # no CSRF check: the refusal is the permission's
    unchecked.force_login(nobody)
    saved = unchecked.post(reverse("office:save_segment", args=[release.pk, "mk", 1]), {"s1-target": "x"})
    for response in (client.get(page(release, "mk")), saved):
        assert response.status_code == 403
    response = client.get(page(release, "mk"))
    assert "web/public/error.html" in [template.name for template in response.templates]
    assert not SegmentEdit.objects.exists()


def test_comments_are_recorded_with_their_author_and_shown_to_the_officer(release, officer):
    tome = make_user("tome")
    reviewers.grant("tome", "hr", role="translator")
    client = logged_in(tome)
    url = reverse("office:segment_comment", args=[release.pk, "hr", 1])
    response = post(client, page(release, "hr"), url, {"text": "Treba li ovdje „Grad Zagreb”?"})
    assert response.status_code == 302 and response["Location"].endswith("#segment-2")
    remark = SegmentComment.objects.get()
    assert (remark.user, remark.user_name, remark.index, remark.language) == (tome, "tome", 1, "hr")
    assert translation(release, "hr").segments == translation(release, "hr").segments  # not a translation change
    html = row(logged_in(officer).get(page(release, "hr")).content.decode(), 2)
    assert "<strong>tome</strong>: Treba li ovdje „Grad Zagreb”?" in html
    post(client, page(release, "hr"), url, {"text": "   "})
    assert SegmentComment.objects.count() == 1
    assert "The comment is empty." in client.get(page(release, "hr")).content.decode()


def test_the_server_side_filter_hides_rows_and_the_memory_helps(release, officer):
    mk = translation(release, "mk")
    flagged = {index for index, item in enumerate(mk.segments) if item["flags"]}
    assert flagged and len(flagged) < len(mk.segments)
    html = logged_in(officer).get(page(release, "mk") + "?filter=flagged").content.decode()
    for index in range(len(mk.segments)):
        assert (" hidden>" in row(html, index + 1).split("\n")[0]) is (index not in flagged)
    # A similar sentence approved in an earlier release: a fuzzy match, what differs marked.
    source = mk.segments[1]["source"]
    words = source.split()
    similar = " ".join([*words[:-1], "Пловдив."])
    approve_human([(similar, "Слична реченица.")], "mk", release=None)
    html = row(logged_in(officer).get(page(release, "mk")).content.decode(), 2)
    assert "Similar sentence in the memory" in html and "Слична реченица." in html
    assert "<del>Пловдив</del>" in html and "<ins>" in html
    assert "(glossary)" in row(logged_in(officer).get(page(release, "mk")).content.decode(), 1)


def test_without_javascript_the_form_post_types_into_a_language_nobody_asked_for(release, officer):
    client = logged_in(officer)
    url = reverse("office:edit_segment", args=[release.pk, "el", 0])
    response = post(client, page(release, "el"), url, {"s0-target": "Η Στάρα Ζαγόρα στη σύνοδο του B40"})
    assert response.status_code == 302 and response["Location"].endswith("#segment-1")
    el = translation(release, "el")
    assert el.segments[0]["target"] == "Η Στάρα Ζαγόρα στη σύνοδο του B40" and el.segments[0]["state"] == "edited"
    assert SegmentEdit.objects.get(translation=el).user == officer
    html = client.get(page(release, "el")).content.decode()
    assert "Segment 1 corrected and remembered." in html and 'data-state="edited"' in row(html, 1)
