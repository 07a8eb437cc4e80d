"""What officers do to releases: submit, approve, pick fallbacks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from b40news import languages
from b40news.network.models import City, MailingList
from b40news.releases.intake import ReleaseError, decode, split_title
from b40news.releases.models import Release, Translation


def submit(
    raw: bytes,
    *,
    name: str,
    city: str,
    title: str | None = None,
    lists: Sequence[str] = (),
    user=None,
) -> Release:
    """Store a new release from the bytes of a file; nothing is stored on error."""
    text = split_title(decode(raw, name=name, max_bytes=settings.MAX_RELEASE_BYTES), title, name=name)
    city_obj = City.objects.filter(slug=city).first()
    if city_obj is None:
        known = ", ".join(City.objects.values_list("slug", flat=True)) or "none (run b40news network load-sample)"
        raise ReleaseError(f"unknown city {city!r}; known cities: {known}")
    chosen = _lists(city_obj, lists)
    with transaction.atomic():
        release = Release.objects.create(city=city_obj, title=text.title, body=text.body, submitted_by=user)
        release.lists.set(chosen)
    return release


def _lists(city: City, slugs: Sequence[str]) -> list[MailingList]:
    if not slugs:
        own = list(city.lists.all())
        if not own:
            raise ReleaseError(f"city {city.slug!r} has no mailing list; name the lists with --lists")
        return own
    found = {mailing_list.slug: mailing_list for mailing_list in MailingList.objects.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise ReleaseError(f"unknown mailing list(s): {', '.join(missing)}")
    return [found[slug] for slug in slugs]


def get_release(release_id: int | str) -> Release:
    try:
        return Release.objects.get(pk=int(release_id))
    except (ValueError, Release.DoesNotExist):
        raise ReleaseError(f"no release with id {release_id}") from None


def approve(release: Release, codes: Iterable[str], *, user=None, force: bool = False) -> list[Translation]:
    """Approve translations; a flagged segment needs ``force`` (a human decision)."""
    wanted = [languages.get(code).code for code in codes]
    translations = {t.language.code: t for t in release.translations.select_related("language")}
    approved = []
    problems = []
    for code in wanted:
        translation = translations.get(code)
        if translation is None or translation.status in (Translation.Status.PENDING,):
            problems.append(f"{code}: not translated yet (run b40news translate-release {release.pk})")
        elif translation.status in (Translation.Status.NO_ENGINE, Translation.Status.FAILED):
            problems.append(f"{code}: {translation.status}: {translation.reason}")
        elif translation.status == Translation.Status.STALE:
            problems.append(f"{code}: stale (the glossary changed): translate it again first")
        elif translation.flagged and not force:
            problems.append(
                f"{code}: {translation.flagged} flagged segment(s) need a human decision: review them, "
                "or approve with --force"
            )
        else:
            approved.append(translation)
    if problems:
        raise ReleaseError("cannot approve:\n  " + "\n  ".join(problems))
    now = timezone.now()
    with transaction.atomic():
        for translation in approved:
            if translation.status != Translation.Status.APPROVED:
                translation.status = Translation.Status.APPROVED
                translation.approved_at = now
                translation.approved_by = user
                translation.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    return approved


def approvable_languages(release: Release) -> list[str]:
    """The languages `approve --all` takes: translated ones without flagged segments."""
    return [
        t.language.code
        for t in release.translations.select_related("language")
        if t.status in (Translation.Status.TRANSLATED, Translation.Status.APPROVED) and not t.flagged
    ]


def set_fallback(release: Release, waiting: str, fallback: str) -> None:
    """Subscribers of ``waiting`` get the approved ``fallback`` language instead."""
    waiting_code, fallback_code = languages.get(waiting).code, languages.get(fallback).code
    if not Translation.objects.filter(
        release=release, language__code=fallback_code, status=Translation.Status.APPROVED
    ).exists():
        raise ReleaseError(f"{fallback_code} is not approved for release {release.pk}: approve it first")
    release.fallbacks = {**release.fallbacks, waiting_code: fallback_code}
    release.save(update_fields=["fallbacks"])
