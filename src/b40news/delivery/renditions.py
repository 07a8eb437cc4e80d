"""Render each (release, language, city) once; messages reuse the result."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings

from b40news.delivery.models import Rendition
from b40news.network import links
from b40news.newsletter.render import Newsletter, Renderer
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
        list_name=mailing_list.name if mailing_list else city.name(code),
        title=translation.title or release.title,
        paragraphs=tuple(split_paragraphs(translation.text)),
        original_url=links.original_url(release.pk),
        archive_url=links.archive_url(release.pk, code),
        machine_translated=translation.tier not in ("human", "source"),
    )


def render_release(release: Release) -> list[Rendition]:
    """A Rendition for every approved language and every city of the release's lists."""
    cities = {mailing_list.city for mailing_list in release.lists.select_related("city")}
    approved = release.translations.filter(status=Translation.Status.APPROVED).select_related("language")
    existing = {(r.language, r.city_id) for r in release.renditions.all()}
    made = []
    for translation in approved:
        for city in sorted(cities, key=lambda c: c.slug):
            if (translation.language.code, city.pk) in existing:
                continue
            rendered = renderer(Path(settings.EMAIL_TEMPLATES_DIR)).render(newsletter_for(release, translation, city))
            rendition, _ = Rendition.objects.get_or_create(
                release=release,
                language=translation.language.code,
                city=city,
                defaults={
                    "subject": rendered.subject,
                    "html": rendered.html,
                    "text": rendered.text,
                    "errors": list(rendered.errors),
                },
            )
            made.append(rendition)
    return made
