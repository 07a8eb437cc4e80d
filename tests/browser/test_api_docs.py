"""The API's interactive docs (Swagger UI) work under the site's Content-Security-Policy, in a real browser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_docs_page_renders_every_operation_and_nothing_is_blocked(page, live_server, screenshot):
    page.set_default_timeout(30_000)
    violations, failures = [], []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    page.on("requestfailed", lambda request: failures.append(request.url))
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock")  # drawn by swagger-ui-bundle.js from /api/v1/openapi.json
    assert page.locator(".opblock").count() >= 15
    assert page.get_by_text("/api/v1/subscribe/{list_slug}").count() >= 1
    assert page.locator(".authorize").count() == 1  # the bearer token can be entered
    screenshot("api-docs")
    assert violations == [] and failures == []
