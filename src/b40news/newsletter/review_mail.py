"""The mail that tells a reviewer or translator of work waiting for them.

One release (``review_*`` strings) or a daily digest of several
(``digest_*``), from ``email/review.mjml.j2`` and ``review.txt.j2`` through
the renderer's shared pipeline, so it is branded, localised and checked like
every other mail. Nothing per recipient is left to fill in (no slots): each
notice is rendered for its one reader.

Plain Python, no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from b40news.newsletter.render import CityBrand, Rendered, Renderer, _defuse, _is_web_url


@dataclass(frozen=True)
class ReviewLink:
    language: str  # the language as it names itself, and its code: "hrvatski (hr)"
    role: str  # reviewer | translator
    url: str  # its review page


@dataclass(frozen=True)
class ReviewItem:
    """One release waiting for the reader."""

    title: str  # the Bulgarian title
    city: str  # the submitting city, as the reader's language writes it
    deadline: datetime | None
    links: tuple[ReviewLink, ...]


def format_deadline(moment: datetime | None) -> str:
    """A deadline every language reads alike: ISO 8601 in UTC; "" for none."""
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def render_review(renderer: Renderer, language: str, city: CityBrand, items: Sequence[ReviewItem], *,
                  digest: bool = False) -> Rendered:
    """The notice in ``language``, under ``city``'s brand (the network's for a digest)."""
    errors: list[str] = []
    if not items:
        errors.append("no release to tell of")
    shown = []
    for item in items:
        errors.extend(f"review link is not an http(s) URL: {link.url!r}"
                      for link in item.links if not _is_web_url(link.url))
        shown.append({"title": _defuse(item.title, "title", errors), "city": _defuse(item.city, "city", errors),
                      "deadline": format_deadline(item.deadline), "links": item.links})
    context = {"list_name": "", "items": shown, "digest": digest}
    return renderer.render_mail("review", language, city, None, (), context, None, errors,
                                prefix="digest" if digest else "review")
