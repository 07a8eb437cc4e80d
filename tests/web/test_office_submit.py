"""Submitting a release: pasted, .txt or .docx; own lists by default; translation starts."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from b40news.network.models import MailingList, Officer
from b40news.releases.intake import ReleaseError
from b40news.releases.models import Release, Translation
from b40news.web.office.documents import docx_text
from tests.conftest import SEED, SEED_TITLE
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, OTHER, fast_hashing, logged_in, make_user, network, officer, post,
)

pytestmark = pytest.mark.django_db
SUBMIT = reverse("office:submit")
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx(paragraphs: list[str], *, doctype: str = "") -> bytes:
    body = "".join(
        '<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr>'
        + "".join(f"<w:r><w:t xml:space=\"preserve\">{part}</w:t></w:r>" for part in paragraph.split("|"))
        + "</w:p>"
        for paragraph in paragraphs
    )
    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}<w:document xmlns:w="{W}"><w:body>{body}<w:p/></w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml.encode("utf-8"))
    return buffer.getvalue()


def own_list():
    return MailingList.objects.get(slug=f"{HOME}-news")


def test_the_form_offers_the_own_citys_lists_checked(officer):
    html = logged_in(officer).get(SUBMIT).content.decode()
    boxes = re.findall(r'<input type="checkbox" name="lists"[^>]*>', html)
    assert boxes == [f'<input type="checkbox" name="lists" value="{own_list().pk}" id="id_lists_0" checked>']
    assert f'<input type="hidden" name="city" value="{officer.officer.city_id}"' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_pasted_release_is_stored_and_translated(officer):
    client = logged_in(officer)
    response = post(client, SUBMIT, SUBMIT, {
        "city": officer.officer.city_id, "title": SEED_TITLE, "body": SEED.read_text(encoding="utf-8"),
        "lists": [own_list().pk],
    })
    release = Release.objects.get(title=SEED_TITLE)
    assert response.status_code == 302 and response["Location"] == reverse("office:release", args=[release.pk])
    assert release.city.slug == HOME and release.submitted_by == officer
    assert list(release.lists.all()) == [own_list()]
    assert release.status == Release.Status.REVIEW
    statuses = dict(release.translations.values_list("language__code", "status"))
    assert statuses["mk"] == statuses["en"] == Translation.Status.TRANSLATED
    assert statuses["bg"] == Translation.Status.APPROVED
    assert statuses["hr"] == Translation.Status.NO_ENGINE
    page = client.get(response["Location"]).content.decode()
    assert "Release submitted; translation has started." in page
    assert "apertium:bg-mk" in page


def test_without_a_title_the_first_line_is_the_title(officer):
    client = logged_in(officer)
    post(client, SUBMIT, SUBMIT, {
        "city": officer.officer.city_id, "body": "Кратко заглавие\nПървото изречение. Второто изречение.",
        "lists": [own_list().pk],
    })
    release = Release.objects.get(title="Кратко заглавие")
    assert release.body == "Първото изречение. Второто изречение."


def test_a_txt_upload(officer):
    client = logged_in(officer)
    upload = SimpleUploadedFile("release.txt", "Заглавие от файл\n\nТекстът на съобщението.".encode())
    post(client, SUBMIT, SUBMIT, {"city": officer.officer.city_id, "upload": upload, "lists": [own_list().pk]})
    assert Release.objects.get(title="Заглавие от файл").body == "Текстът на съобщението."


def test_a_docx_upload_keeps_its_paragraphs(officer):
    client = logged_in(officer)
    upload = SimpleUploadedFile("release.docx", docx(["Заглавие от Word", "Първи| абзац.", "Втори абзац."]))
    post(client, SUBMIT, SUBMIT, {"city": officer.officer.city_id, "upload": upload, "lists": [own_list().pk]})
    release = Release.objects.get(title="Заглавие от Word")
    assert release.body == "Първи абзац.\n\nВтори абзац."


def test_docx_reading():
    assert docx_text(docx(["Едно", "", "Две|три"]), name="a.docx") == "Едно\n\nДветри"
    with pytest.raises(ReleaseError, match="not a Word document"):
        docx_text(b"PK not really a zip", name="a.docx")
    with pytest.raises(ReleaseError, match="not a Word document"):
        docx_text(docx(["x"], doctype='<!DOCTYPE w [<!ENTITY a "aaaa">]>'), name="a.docx")


def test_other_files_and_bad_text_are_refused_with_the_reason(officer):
    client = logged_in(officer)
    pdf = SimpleUploadedFile("release.pdf", b"%PDF-1.4")
    response = post(client, SUBMIT, SUBMIT, {"city": officer.officer.city_id, "upload": pdf, "lists": [own_list().pk]})
    assert response.status_code == 200 and b"upload a .txt or a .docx file" in response.content
    latin1 = SimpleUploadedFile("release.txt", "Заглавие\nТекст".encode("cp1251"))
    response = post(client, SUBMIT, SUBMIT, {"city": officer.officer.city_id, "upload": latin1, "lists": [own_list().pk]})
    assert b"is not UTF-8 text" in response.content
    assert not Release.objects.exists()


def test_paste_or_upload_but_not_both_nor_neither(officer):
    client = logged_in(officer)
    response = post(client, SUBMIT, SUBMIT, {"city": officer.officer.city_id, "lists": [own_list().pk]})
    assert b"Paste the text or upload a file (one of the two)." in response.content
    upload = SimpleUploadedFile("release.txt", "Заглавие\nТекст.".encode())
    response = post(client, SUBMIT, SUBMIT, {
        "city": officer.officer.city_id, "body": "Заглавие\nТекст.", "upload": upload, "lists": [own_list().pk],
    })
    assert b"Paste the text or upload a file (one of the two)." in response.content
    assert not Release.objects.exists()


def test_a_network_officer_sends_to_lists_of_other_cities(network):
    networker = make_user("vesna", city=HOME, role=Officer.Role.NETWORK)
    client = logged_in(networker)
    other = MailingList.objects.get(slug=f"{OTHER}-news")
    post(client, SUBMIT, SUBMIT, {
        "city": networker.officer.city_id, "title": "До мрежата", "body": "Съобщение до всички.",
        "lists": [own_list().pk, other.pk],
    })
    release = Release.objects.get(title="До мрежата")
    assert release.city.slug == HOME
    assert set(release.lists.values_list("slug", flat=True)) == {f"{HOME}-news", f"{OTHER}-news"}
