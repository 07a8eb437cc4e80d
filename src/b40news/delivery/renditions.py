"""Render each (release, language, city) once; messages reuse the result.

A rendition records a digest of what it was made from (the translation's
title, text and tier, the city's brand and list name): `render_release`
makes it again when that changed, so no path that changes a translation can
leave an old text to be sent. The workflow also deletes renditions when it
changes a translation; the digest is the guard behind it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from b40news.delivery.models import Rendition
from b40news.delivery.composer import issued_via
from b40news.network import links
from b40news.newsletter.render import Newsletter, Rendered, Renderer
from b40news.releases.models import Release, Translation
from b40news.text.segment import split_paragraphs


@functools.lru_cache(maxsize=4)
def renderer(templates_dir: Path) -> Renderer:
    return Renderer(templates_dir)


def newsletter_for(release: Release, translation: Translation, city) -> Newsletter:
    code = translation.language.code
    mailing_list = release.lists.filter(city=city).first()
    return Newsletter(
        language=code,
        city=city.brand(code),
        list_name=mailing_list.label(code) if mailing_list else city.newsletter_name(code),
        issued_by=issued_via(city, code, release.city) if release.city_id != city.pk else "",
        title=translation.title or release.title,
        paragraphs=tuple(split_paragraphs(translation.text)),
        original_url=links.original_url(release.pk),
        archive_url=links.archive_url(release.pk, code),
        machine_translated=translation.tier not in ("human", "source"),
    )


def source_digest(newsletter: Newsletter) -> str:
    """A digest of everything a rendition is made from."""
    data = json.dumps(dataclasses.asdict(newsletter), default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def render_release(release: Release) -> list[Rendition]:
    """A Rendition for every approved language and every city of the release's
    lists; one whose source changed since it was made is made again."""
    cities = {mailing_list.city for mailing_list in release.lists.select_related("city")}
    approved = release.translations.filter(status=Translation.Status.APPROVED).select_related("language")
    existing = {(r.language, r.city_id): r.digest for r in release.renditions.all()}
    made = []
    for translation in approved:
        for city in sorted(cities, key=lambda c: c.slug):
            code = translation.language.code
            newsletter = newsletter_for(release, translation, city)
            digest = source_digest(newsletter)
            if existing.get((code, city.pk)) == digest:
                continue
            rendered = renderer(Path(settings.EMAIL_TEMPLATES_DIR)).render(newsletter)
            rendition, _ = Rendition.objects.update_or_create(
                release=release,
                language=code,
                city=city,
                defaults={
                    "subject": rendered.subject,
                    "html": rendered.html,
                    "text": rendered.text,
                    "errors": list(rendered.errors),
                    "digest": digest,
                    "created_at": timezone.now(),  # with the id, names this content (see sender)
                },
            )
            made.append(rendition)
    return made


def rendered_for(release: Release, translation: Translation, city) -> Rendered:
    """What subscribers get (or would get) in this language and city: the
    stored rendition of an approved language, brought up to date; otherwise a
    fresh render that is not stored."""
    code = translation.language.code
    if translation.status == Translation.Status.APPROVED:
        render_release(release)
        stored = Rendition.objects.filter(release=release, language=code, city=city).first()
        if stored is not None:
            return Rendered(language=code, subject=stored.subject, html=stored.html, text=stored.text,
                            errors=tuple(stored.errors))
    return renderer(Path(settings.EMAIL_TEMPLATES_DIR)).render(newsletter_for(release, translation, city))


def source_html_bytes(release: Release) -> int:
    """The size of the largest HTML part the release's own (Bulgarian) text makes, over its cities.

    What the renderer will refuse to send (``MAX_HTML_BYTES``) is known from
    the original: `workflow.submit` refuses a release that could never go.
    A text alone longer than the limit is over it without rendering (the HTML
    holds every character of it, escaped): rendering is for texts under it.
    """
    from b40news.network.models import Language
    from b40news.newsletter.render import MAX_HTML_BYTES

    text_bytes = len(release.title.encode("utf-8")) + len(release.body.encode("utf-8"))
    if text_bytes > MAX_HTML_BYTES:
        return text_bytes
    source = Translation(release=release, language=Language.objects.for_code("bg"), title=release.title,
                         text=release.body, tier="source")
    cities = {mailing_list.city for mailing_list in release.lists.select_related("city")}
    sizes = [len(renderer(Path(settings.EMAIL_TEMPLATES_DIR)).render(newsletter_for(release, source, city))
                 .html.encode("utf-8")) for city in sorted(cities, key=lambda c: c.slug)]
    return max(sizes, default=0)
