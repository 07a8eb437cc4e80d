"""Every way a title enters is cleaned and length-checked: a clear error, nothing stored.

The columns are CharField(max_length=300): SQLite would store a longer value,
PostgreSQL raises (a traceback for the officer) — so the check happens before
the database, and these tests run on both.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from b40news.releases.models import Release, Translation
from b40news.releases.workflow import submit
from b40news.text.segment import split_paragraphs
from b40news.text.titles import TITLE_MAX_CHARS
from b40news.translation.service import _bounded_title
from tests.conftest import SEED
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    fast_hashing, logged_in, network, officer, post, release,
)

pytestmark = pytest.mark.django_db
LONG = "Дълго заглавие " * 334  # 5,010 characters
RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"


def review_url(release, code="hr") -> str:
    return reverse("office:review", args=[release.pk, code])


def upload(client, release, text: str, title: str = "", code: str = "hr"):
    data = {"upload": SimpleUploadedFile(f"{code}.txt", text.encode())}
    if title:
        data["title"] = title
    return post(client, review_url(release, code), reverse("office:upload_translation", args=[release.pk, code]), data)


def messages_on(client, release, code: str = "hr") -> str:
    return client.get(review_url(release, code)).content.decode()


def paragraphs(release, title: str) -> str:
    return "\n\n".join([title, *[f"Odlomak {n}." for n in range(len(split_paragraphs(release.body)))]])


def test_a_5000_character_human_title_is_refused_in_the_officers_language(release, officer):
    client = logged_in(officer)
    response = upload(client, release, paragraphs(release, LONG))  # the title as the first paragraph
    assert response.status_code == 302
    assert "The title is 5009 characters long; at most 300 are allowed." in messages_on(client, release)
    assert Translation.objects.get(release=release, language__code="hr").status == "no_engine"  # nothing stored
    client.cookies.load({"django_language": "bg"})
    upload(client, release, paragraphs(release, LONG))
    assert "Заглавието е дълго 5009 знака; позволени са най-много 300." in messages_on(client, release)


def test_a_too_long_title_field_is_a_form_error_not_a_missing_file(release, officer):
    client = logged_in(officer)
    upload(client, release, paragraphs(release, "Naslov")[len("Naslov\n\n"):], title="x" * 301)
    page = messages_on(client, release)
    assert "Ensure this value has at most 300 characters (it has 301)." in page
    assert "Choose a .txt or .docx file" not in page
    assert Translation.objects.get(release=release, language__code="hr").status == "no_engine"


def test_the_cli_refuses_a_long_human_title_with_the_reason(release, tmp_path):
    path = tmp_path / "hr.txt"
    path.write_text(paragraphs(release, "Naslov")[len("Naslov\n\n"):], encoding="utf-8")
    with pytest.raises(CommandError, match="at most 300"):
        call_command("submit_translation", str(release.pk), "--language", "hr", str(path), "--title", LONG)
    assert Translation.objects.get(release=release, language__code="hr").status == "no_engine"


def test_bidi_controls_never_reach_a_stored_title(release, officer):
    client = logged_in(officer)
    upload(client, release, paragraphs(release, f"Naslov {RLO}fdp.exe"))
    assert Translation.objects.get(release=release, language__code="hr").title == "Naslov fdp.exe"
    body = SEED.read_bytes().decode().partition("\n")[2].encode()
    made = submit(body, name="x.txt", city="stara-zagora", title=f"{LRI}Заглавие{PDI} {RLO}exe.txt")
    assert made.title == "Заглавие exe.txt"
    first_line = f"{RLO}Заглавие от първия ред\n".encode() + body
    assert submit(first_line, name="y.txt", city="stara-zagora").title == "Заглавие от първия ред"


def test_a_first_line_too_long_for_a_title_is_refused_on_the_submit_page(officer):
    client = logged_in(officer)
    body = f"{LONG}\n\nТекст на съобщението."
    response = post(client, reverse("office:submit"), reverse("office:submit"),
                    {"body": body, "city": officer.officer.city_id,
                     "lists": [officer.officer.city.lists.first().pk]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The title is 5009 characters long; at most 300 are allowed." in page
    assert "Is the first line a paragraph? Give the title separately." in page
    assert not Release.objects.exists()


def test_a_corrected_title_segment_is_checked_like_a_submitted_title(release, officer):
    client = logged_in(officer)
    mk = Translation.objects.get(release=release, language__code="mk")
    before = mk.title
    url = reverse("office:edit_segment", args=[release.pk, "mk", 0])
    post(client, review_url(release, "mk"), url, {"s0-target": "Наслов " * 100})
    assert "at most 300 are allowed" in messages_on(client, release, "mk")
    mk.refresh_from_db()
    assert mk.title == before
    post(client, review_url(release, "mk"), url, {"s0-target": f"Наслов {RLO}на самитот"})
    mk.refresh_from_db()
    assert mk.title == "Наслов на самитот" and mk.segments[0]["target"] == "Наслов на самитот"


def test_a_machine_title_past_the_column_is_cut_and_flagged_for_a_person():
    segment = {"source": "Заглавие", "target": "Title " * 80, "flags": []}
    title = _bounded_title(segment)
    assert len(title) <= TITLE_MAX_CHARS and title.endswith("…")
    assert segment["flags"] and segment["flags"][0].startswith("title-too-long: 480 characters")
    short = {"source": "Заглавие", "target": "Title", "flags": []}
    assert _bounded_title(short) == "Title" and short["flags"] == []
