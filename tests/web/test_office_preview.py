"""Preview per language and city, and a test message to oneself."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from b40news.delivery import composer
from b40news.delivery.models import Delivery, Notice, Rendition
from b40news.releases.workflow import approve
from tests.web.test_office_fixtures import (  # noqa: F401 (fixtures)
    HOME, fast_hashing, logged_in, make_user, network, officer, post, release,
)

pytestmark = pytest.mark.django_db


def preview_url(release, code="mk", city=HOME) -> str:
    return reverse("office:preview", args=[release.pk, code, city])


def srcdoc(page: str) -> str:
    return html_lib.unescape(re.search(r'<iframe class="email" sandbox [^>]*srcdoc="([^"]*)"', page).group(1))


def test_a_translated_language_is_previewed_before_approval(release, officer):
    page = logged_in(officer).get(preview_url(release)).content.decode()
    email = srcdoc(page)
    assert email.lstrip().lower().startswith("<!doctype html")
    assert "Стара Загора" in email and "%%B40:" not in email
    assert "Not approved yet: this is how it would look." in page
    text = html_lib.unescape(re.search(r'<pre class="text-part" lang="mk">(.*?)</pre>', page, re.S).group(1))
    assert "Стара Загора учествува" in text and "%%B40:" not in text
    assert "ana@b40.test" in text  # the placeholder recipient is the officer
    assert not Rendition.objects.exists()  # nothing stored for a language not approved


def test_an_approved_language_is_rendered_once_and_the_rendition_shown(release, officer):
    approve(release, ["mk"], force=True, override=True)
    page = logged_in(officer).get(preview_url(release)).content.decode()
    rendition = Rendition.objects.get(release=release, language="mk", city__slug=HOME)
    assert rendition.subject in html_lib.unescape(page)
    assert rendition.html.split("%%B40:")[0][-200:] in srcdoc(page)
    assert "Not approved yet" not in page


def test_the_iframe_is_sandboxed_and_the_email_escaped(release, officer):
    translation = release.translations.get(language__code="mk")
    translation.title = 'Наслов "><script>alert(1)</script>'
    translation.save()
    page = logged_in(officer).get(preview_url(release)).content.decode()
    assert '<iframe class="email" sandbox ' in page
    assert "<script>alert(1)</script>" not in page
    email = srcdoc(page)  # the attribute read back: the email's own HTML
    assert "<script>" not in email and "&lt;script&gt;alert(1)&lt;/script&gt;" in email


def test_preview_of_an_unknown_city_or_language_is_404(release, officer):
    client = logged_in(officer)
    assert client.get(preview_url(release, city="zagreb")).status_code == 404
    assert client.get(preview_url(release, code="el")).status_code == 404
    assert client.get(preview_url(release, code="xx")).status_code == 404


def test_send_a_test_to_me(release, officer, mta):
    client = logged_in(officer)
    with override_settings(SMTP_URL=mta.url):
        response = post(client, preview_url(release), reverse("office:test_send", args=[release.pk, "mk", HOME]))
    assert response.status_code == 302
    [message] = mta.messages()
    assert message["To"] == "ana@b40.test"
    assert message["Subject"].startswith("[TEST] ")
    assert message["Content-Language"] == "mk"
    [notice] = Notice.objects.all()  # a test send is a ledger row of its own kind
    assert (notice.kind, notice.state, notice.email) == ("test", "sent", "ana@b40.test")
    assert message["X-Envelope-From"] == f"bounces+{composer.verp_token('n', notice.pk, notice.email)}@b40.example.org"
    assert message["Message-ID"] == notice.message_id
    assert "Стара Загора учествува" in message.get_body(("plain",)).get_content()
    assert message["List-Unsubscribe"] is None
    assert not Delivery.objects.exists()  # not a newsletter delivery
    assert "A test message is on its way to ana@b40.test." in client.get(preview_url(release)).content.decode()


def test_a_refused_test_message_is_reported(release, officer, mta):
    mta.inject("rcpt", 550, "no such user")
    client = logged_in(officer)
    with override_settings(SMTP_URL=mta.url):
        post(client, preview_url(release), reverse("office:test_send", args=[release.pk, "mk", HOME]))
    assert "The relay did not take the test message: 550" in client.get(preview_url(release)).content.decode()
    assert mta.messages() == []


def test_without_an_email_address_no_test_is_sent(network, release, mta):
    officer = make_user("mira", city=HOME, email="")
    client = logged_in(officer)
    with override_settings(SMTP_URL=mta.url):
        post(client, preview_url(release), reverse("office:test_send", args=[release.pk, "mk", HOME]))
    assert "Your account has no e-mail address" in client.get(preview_url(release)).content.decode()
    assert mta.messages() == []
