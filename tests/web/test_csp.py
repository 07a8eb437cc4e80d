"""A Content-Security-Policy on every page: public, office, admin, feeds, errors."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.web.test_public_fixtures import network

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def test_every_kind_of_page_carries_the_policy():
    network()
    get_user_model().objects.create_superuser("root", "root@b40.test", "a-long-admin-password-9")
    admin = Client()
    admin.force_login(get_user_model().objects.get(username="root"))
    pages = {
        "/s/sofia-news/": Client(),
        "/a/sofia/bg/": Client(),
        "/a/sofia/bg/rss.xml": Client(),
        "/p/forged/": Client(),
        "/no-such-page/": Client(),
        "/office/login/": Client(),
        "/admin/login/": Client(),
        "/admin/": admin,
        "/admin/network/city/": admin,
        "/office/": admin,
    }
    nonces = set()
    for path, client in pages.items():
        response = client.get(path)
        assert response.status_code in (200, 400, 404), (path, response.status_code)
        found = policy(response)
        assert found["default-src"] == "default-src 'self'", path
        assert found["frame-ancestors"] == "frame-ancestors 'none'" and found["object-src"] == "object-src 'none'"
        assert found["script-src"].startswith("script-src 'self' 'nonce-"), path
        nonces.add(found["script-src"])
    assert len(nonces) == len(pages)  # a fresh nonce for every response


def test_the_office_scripts_carry_the_nonce_of_their_response():
    network()
    user = get_user_model().objects.create_superuser("root", "root@b40.test", "a-long-admin-password-9")
    client = Client()
    client.force_login(user)
    from b40news.releases.workflow import submit
    from tests.conftest import SEED

    release = submit(SEED.read_bytes(), name="seed.txt", city="sofia", title="Заглавие")
    response = client.get(f"/office/releases/{release.pk}/progress/")
    nonce = policy(response)["script-src"].split("'nonce-")[1].rstrip("'")
    assert f'<script nonce="{nonce}">' in response.content.decode()
