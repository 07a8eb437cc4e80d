"""A release that could never be sent (its e-mail over the renderer's HTML limit) is refused
when it is submitted, with the limit named in the officer's language; nothing is stored."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from b40news.delivery import service
from b40news.delivery.renditions import source_html_bytes
from b40news.newsletter.render import MAX_HTML_BYTES
from b40news.releases import workflow
from b40news.releases.intake import ReleaseError
from b40news.releases.models import Release
from tests.web.test_office_fixtures import fast_hashing, logged_in, network, officer, post  # noqa: F401

pytestmark = pytest.mark.django_db


def paragraphs(n: int) -> str:
    return "Голямо съобщение\n\n" + "\n\n".join(f"Абзац {i}: кметът откри срещата на B40." for i in range(n))


def test_a_5000_paragraph_release_is_refused_with_the_limit_named(network):
    with pytest.raises(ReleaseError) as refused:
        workflow.submit(paragraphs(5000).encode(), name="huge.txt", city="stara-zagora")
    message = str(refused.value)
    assert "too long to be sent" in message and "at most 100 KB can be sent" in message
    assert "Shorten it by about" in message
    assert not Release.objects.exists()
    with translation.override("bg"), pytest.raises(ReleaseError, match="може да се изпрати най-много 100 KB"):
        workflow.submit(paragraphs(5000).encode(), name="huge.txt", city="stara-zagora")


def test_near_the_limit_what_is_accepted_can_be_sent(network):
    accepted = workflow.submit(paragraphs(400).encode(), name="long.txt", city="stara-zagora")
    assert source_html_bytes(accepted) <= MAX_HTML_BYTES
    workflow.store_source(accepted)
    service.render_checked(accepted)  # no "html is … bytes, over" error: it can go
    # Under the limit as text, over it once rendered: refused all the same (the render decides).
    over = paragraphs(1200)
    assert len(over.encode()) < MAX_HTML_BYTES
    with pytest.raises(ReleaseError, match="too long to be sent"):
        workflow.submit(over.encode(), name="over.txt", city="stara-zagora")
    assert Release.objects.count() == 1


def test_the_office_and_the_cli_say_why(officer, tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text(paragraphs(5000), encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match="at most 100 KB can be sent"):
        call_command("submit", str(path), "--city", "stara-zagora")
    client = logged_in(officer)
    client.cookies.load({"django_language": "bg"})
    response = post(client, reverse("office:submit"), reverse("office:submit"),
                    {"body": paragraphs(5000), "city": officer.officer.city_id,
                     "lists": [officer.officer.city.lists.first().pk]})
    assert response.status_code == 200
    assert "Съобщението е твърде дълго, за да бъде изпратено" in response.content.decode()
    assert not Release.objects.exists()
