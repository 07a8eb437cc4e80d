"""The e-mails in each of the 13 languages: no English interface string in any language but English.

A newsletter, a confirmation request, a reviewer's notice and a digest are
rendered in every language from the ``mail`` catalogues; the text part of each
must hold no clause (two words or more, placeholders cut out) of the English
strings, and must hold the language's own words for the same keys.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from b40news import languages
from b40news.newsletter.render import Renderer, personalise
from b40news.newsletter.review_mail import ReviewItem, ReviewLink, render_review
from b40news.newsletter.strings import load_strings
from tests.newsletter.samples import TEMPLATES, city, newsletter

OTHERS = [code for code in languages.LANGUAGES if code != "en"]


def english_clauses() -> list[str]:
    clauses = set()
    for value in load_strings(TEMPLATES, "en").values():
        for part in re.split(r"\{\w+\}|[.:;,!?()—]", value):
            if len(part.split()) >= 2:
                clauses.add(part.strip())
    return sorted(clauses)


def texts(code: str) -> dict[str, str]:
    renderer = Renderer(TEMPLATES)
    item = ReviewItem(title="Среща на кметовете", city=city(code).name,
                      deadline=datetime(2026, 12, 8, 12, tzinfo=timezone.utc),
                      links=(ReviewLink(f"{languages.get(code).native} ({code})", "reviewer",
                                        "https://b40.example.org/office/review/1/hr/"),))
    rendered = {
        "newsletter": renderer.render(newsletter(code)),
        "confirmation": renderer.render_confirmation(code, f"B40 · {city(code).name}", city(code)),
        "review": render_review(renderer, code, city(code), [item]),
        "digest": render_review(renderer, code, city(code), [item], digest=True),
    }
    values = {"confirm_url": "https://b40.example.org/c/x/", "recipient_email": "ana@example.org",
              "unsubscribe_url": "https://b40.example.org/u/x/", "preferences_url": "https://b40.example.org/p/x/"}
    found = {}
    for name, out in rendered.items():
        assert out.errors == (), (name, out.errors)
        _, text = personalise(out, {slot: values.get(slot, "https://b40.example.org/") for slot in out.slots})
        found[name] = f"{out.subject}\n{text}"
    return found


@pytest.mark.parametrize("code", OTHERS)
def test_no_email_shows_an_english_interface_string(code):
    own = load_strings(TEMPLATES, code)
    shown = texts(code)
    problems = []
    for name, text in shown.items():
        joined = " ".join(text.split())
        problems += [(name, clause) for clause in english_clauses()
                     if re.search(rf"(?<!\w){re.escape(clause)}(?!\w)", joined)]
    assert problems == []
    assert own["confirm_button"] in shown["confirmation"]
    assert own["review_heading"] in shown["review"] and own["digest_heading"] in shown["digest"]
    assert own["unsubscribe"] in shown["newsletter"]


def test_the_english_emails_do_show_the_english_strings():
    shown = texts("en")
    english = load_strings(TEMPLATES, "en")
    assert english["confirm_button"] in shown["confirmation"] and english["review_heading"] in shown["review"]
    assert any(clause in " ".join(shown["newsletter"].split()) for clause in english_clauses())
