"""Review per language: side by side, glossary marks, flags, corrections, uploads, approval."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from b40news.delivery.models import Delivery, Rendition
from b40news.delivery.renditions import render_release
from b40news.network.models import Subscriber
from b40news.releases.models import Translation
from b40news.text.segment import split_paragraphs
from b40news.translation.memory import human_targets
from b40news.translation.models import MemoryEntry
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    fast_hashing, logged_in, network, officer, post, release,
)

pytestmark = pytest.mark.django_db


def mk(release) -> Translation:
    return Translation.objects.select_related("language").get(release=release, language__code="mk")


def review_url(release, code="mk") -> str:
    return reverse("office:review", args=[release.pk, code])


def first_flagged(translation: Translation) -> int:
    return next(index for index, item in enumerate(translation.segments) if item["flags"] and index > 0)


def test_the_review_page_shows_source_and_translation_side_by_side(release, officer):
    translation = mk(release)
    html = logged_in(officer).get(review_url(release)).content.decode()
    for number, item in enumerate(translation.segments, start=1):
        row = re.search(rf'<tr id="segment-{number}".*?</tr>', html, re.S).group(0)
        assert 'lang="bg"' in row and 'lang="mk"' in row
    # Glossary terms are marked in the source and their approved Macedonian form in the target.
    assert '<mark class="term" title="city.stara-zagora → Стара Загора">Стара Загора</mark>' in html
    assert re.search(r'<div class="target-text" data-role="target"[^>]*><mark class="term" '
                     r'title="city.stara-zagora">Стара Загора</mark>', html)
    # Flags are explained in plain words, the stored reason kept as the item's title.
    index = first_flagged(translation)
    for flag in translation.segments[index]["flags"]:
        assert f'<li title="{escape(flag)}">' in html
    assert f"{translation.flagged} flagged segments need a human decision." in html


def test_correcting_a_segment_clears_its_flags_and_is_remembered(release, officer):
    translation = mk(release)
    index = first_flagged(translation)
    source = translation.segments[index]["source"]
    corrected = "Исправена реченица за Стара Загора и мрежата B40."
    client = logged_in(officer)
    url = reverse("office:edit_segment", args=[release.pk, "mk", index])
    response = post(client, review_url(release), url, {f"s{index}-target": f"  {corrected}\n"})
    assert response.status_code == 302 and response["Location"].endswith(f"#segment-{index + 1}")
    after = mk(release)
    assert after.segments[index]["target"] == corrected
    assert after.segments[index]["flags"] == [] and after.segments[index]["edited"] is True
    assert after.flagged == translation.flagged - 1
    assert corrected in after.text and after.title == after.segments[0]["target"]
    assert len(split_paragraphs(after.text)) == len(split_paragraphs(release.body))
    # The glossary report is computed again: every other segment is as it was.
    assert after.glossary_report["required"] == translation.glossary_report["required"]
    assert human_targets([source], "mk") == {source: corrected}
    assert MemoryEntry.objects.filter(origin="human", language="mk", target=corrected).count() == 1
    assert "Segment %d corrected and remembered." % (index + 1) in client.get(review_url(release)).content.decode()


def test_a_correction_that_drops_a_glossary_term_shows_in_the_report(release, officer):
    translation = mk(release)
    client = logged_in(officer)
    url = reverse("office:edit_segment", args=[release.pk, "mk", 0])
    post(client, review_url(release), url, {"s0-target": "Самит во Загреб"})  # two glossary terms dropped
    after = mk(release)
    assert after.title == "Самит во Загреб"
    assert after.glossary_report["satisfied"] == translation.glossary_report["satisfied"] - 2
    # A person's wording is a terminology question for the reviewer, not a failure.
    assert set(after.glossary_report["questions"]) == {"Стара Загора", "Петти самит на B40"}
    assert "Стара Загора" not in after.glossary_report["missing"] and after.segments[0]["flags"] == []
    html = client.get(review_url(release)).content.decode()
    assert "Terminology questions" in html and "Terminology question: the glossary says “Стара Загора”" in html


def test_an_empty_correction_is_refused(release, officer):
    before = mk(release).segments
    client = logged_in(officer)
    url = reverse("office:edit_segment", args=[release.pk, "mk", 1])
    post(client, review_url(release), url, {"s1-target": "   "})
    assert mk(release).segments == before


def test_correcting_an_approved_language_needs_approval_again(release, officer):
    client = logged_in(officer)
    post(client, review_url(release), reverse("office:approve", args=[release.pk]), {"language": "mk", "force": "1"})
    render_release(release)
    assert Rendition.objects.filter(release=release, language="mk").exists()
    url = reverse("office:edit_segment", args=[release.pk, "mk", 1])
    post(client, review_url(release), url, {"s1-target": "Нова реченица."})
    after = mk(release)
    assert after.status == Translation.Status.TRANSLATED and after.approved_at is None
    assert not Rendition.objects.filter(release=release, language="mk").exists()


def test_a_sent_language_is_locked(release, officer):
    mk_translation = mk(release)
    subscriber = Subscriber.objects.filter(language__code="mk").first()
    Delivery.objects.create(release=release, subscriber=subscriber, mailing_list=release.lists.first(),
                            language="mk", state=Delivery.State.SENT, message_id="<b40.x@b40.test>")
    client = logged_in(officer)
    html = client.get(review_url(release)).content.decode()
    assert "already sent: it can no longer change" in html and 'data-role="editor"' not in html
    url = reverse("office:edit_segment", args=[release.pk, "mk", 1])
    post(client, review_url(release), url, {"s1-target": "Нова реченица."})
    assert mk(release).segments == mk_translation.segments


def test_approving_a_flagged_language_needs_an_explicit_confirmation(release, officer):
    client = logged_in(officer)
    flagged = mk(release).flagged
    assert flagged > 0
    page = client.get(review_url(release)).content.decode()
    assert f"Approve despite {flagged} flagged segments" in page
    response = post(client, review_url(release), reverse("office:approve", args=[release.pk]), {"language": "mk"})
    assert response.status_code == 200
    assert f"Approve despite {flagged} flagged segments" in response.content.decode()
    assert mk(release).status == Translation.Status.TRANSLATED
    response = post(client, review_url(release), reverse("office:approve", args=[release.pk]),
                    {"language": "mk", "force": "1"})
    assert response.status_code == 302
    approved = mk(release)
    assert approved.status == Translation.Status.APPROVED and approved.approved_by == officer


def test_a_language_without_flags_is_approved_at_once(release, officer):
    translation = mk(release)
    translation.segments = [{**item, "flags": []} for item in translation.segments]
    translation.save()
    client = logged_in(officer)
    assert "Approve mk" in client.get(review_url(release)).content.decode()
    post(client, review_url(release), reverse("office:approve", args=[release.pk]), {"language": "mk"})
    assert mk(release).status == Translation.Status.APPROVED


def test_approve_all_lists_the_flagged_languages_then_approves_them(release, officer):
    client = logged_in(officer)
    page = reverse("office:release", args=[release.pk])
    response = post(client, page, reverse("office:approve", args=[release.pk]), {"all": "1"})
    html = response.content.decode()
    total = sum(t.flagged for t in release.translations.filter(status="translated"))
    assert f"Approve despite {total} flagged segments" in html and "(mk)" in html and "(en)" in html
    post(client, page, reverse("office:approve", args=[release.pk]), {"all": "1", "force": "1"})
    statuses = dict(release.translations.values_list("language__code", "status"))
    assert statuses["mk"] == statuses["en"] == "approved"
    assert statuses["hr"] == "no_engine"  # never approved without a translation


def test_a_human_translation_is_uploaded_for_a_language_without_engine(release, officer):
    client = logged_in(officer)
    page = client.get(review_url(release, "hr")).content.decode()
    assert "No machine translation into this language on this server" in page and "Upload a human translation" in page
    paragraphs = split_paragraphs(release.body)
    text = "\n\n".join(["Stara Zagora na petom summitu B40 u Zagrebu", *[f"Odlomak {n}." for n in range(len(paragraphs))]])
    upload = SimpleUploadedFile("hr.txt", text.encode())
    response = post(client, review_url(release, "hr"), reverse("office:upload_translation", args=[release.pk, "hr"]),
                    {"upload": upload})
    assert response.status_code == 302
    hr = Translation.objects.get(release=release, language__code="hr")
    assert hr.status == Translation.Status.TRANSLATED and hr.route == ["human"]
    assert hr.title == "Stara Zagora na petom summitu B40 u Zagrebu"
    # A correction of a paragraph-aligned human translation keeps the paragraphs.
    url = reverse("office:edit_segment", args=[release.pk, "hr", 2])
    post(client, review_url(release, "hr"), url, {"s2-target": "Drugi odlomak, ispravljen."})
    hr.refresh_from_db()
    assert split_paragraphs(hr.text)[1] == "Drugi odlomak, ispravljen."
    assert len(split_paragraphs(hr.text)) == len(paragraphs)


def test_a_misaligned_human_translation_is_refused_with_the_reason(release, officer):
    client = logged_in(officer)
    upload = SimpleUploadedFile("hr.txt", "Naslov\n\nSamo jedan odlomak.".encode())
    post(client, review_url(release, "hr"), reverse("office:upload_translation", args=[release.pk, "hr"]),
         {"upload": upload})
    html = client.get(review_url(release, "hr")).content.decode()
    # the title and the body's paragraphs: the seed's 5 and the fixture's 2 with unknown words
    assert f"hr.txt has 2 paragraph(s) but release {release.pk} has 8" in html
    assert Translation.objects.get(release=release, language__code="hr").status == "no_engine"


def test_unknown_languages_and_the_original_have_no_review_page(release, officer):
    client = logged_in(officer)
    assert client.get(review_url(release, "xx")).status_code == 404
    assert client.get(review_url(release, "bg")).status_code == 404
