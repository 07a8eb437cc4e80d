"""Cities, languages, mailing lists, subscribers and their consent."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from b40news.network.addresses import mailbox_key

DEFAULT_TIME_ZONE = "Europe/Sofia"


def validate_time_zone(name: str) -> None:
    """An IANA time zone name this system knows ("Europe/Zagreb")."""
    from zoneinfo import available_timezones

    if name not in available_timezones():
        raise ValidationError(f"{name!r} is not a known time zone (an IANA name such as Europe/Sofia)")


class LanguageManager(models.Manager):
    def sync(self) -> dict[str, "Language"]:
        """Rows for every language of ``b40news.languages`` (the one table); code -> row."""
        from b40news.languages import LANGUAGES

        rows = {row.code: row for row in self.all()}
        for lang in LANGUAGES.values():
            if lang.code not in rows:
                rows[lang.code] = self.create(
                    code=lang.code, name=lang.name, native_name=lang.native, script=lang.script
                )
        return rows

    def for_code(self, code: str) -> "Language":
        from b40news.languages import get

        code = get(code).code
        row = self.filter(code=code).first()
        return row if row is not None else self.sync()[code]


class Language(models.Model):
    code = models.CharField(max_length=16, unique=True)  # "sr-Latn"
    name = models.CharField(max_length=64)
    native_name = models.CharField(max_length=64)
    script = models.CharField(max_length=4)

    objects = LanguageManager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.code


class City(models.Model):
    slug = models.SlugField(unique=True)
    country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2
    names = models.JSONField(default=dict)  # language code -> the city's name in it
    default_language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    languages = models.ManyToManyField(Language, related_name="cities")
    colour = models.CharField(max_length=7, default="#1d4e89")
    # The city's logo for newsletters, hosted by the city or on SITE_URL; none: the name alone.
    logo_url = models.URLField(blank=True)
    # Defaults for the city's releases, copied at submit (the officer may change them per release):
    # hours until the reviewers' deadline (empty: B40NEWS_REVIEW_DEADLINE_HOURS), and what each
    # language's subscribers get when it is still not approved by then (`releases.deadlines`).
    review_deadline_hours = models.PositiveIntegerField(
        null=True, blank=True, help_text="empty: the installation's default (B40NEWS_REVIEW_DEADLINE_HOURS)")
    default_fallbacks = models.JSONField(
        default=dict, blank=True,
        help_text='waiting language -> fallback language or "wait", e.g. {"sq": "en", "bs": "hr", "cnr": "sr-Latn"}')
    # The IANA time zone its officers see times in (unless they choose another).
    timezone = models.CharField(max_length=64, default=DEFAULT_TIME_ZONE, validators=[validate_time_zone],
                                help_text="IANA name, e.g. Europe/Sofia")
    # The newsletter's name per language ("Sofia · B40"); a language without one: the city's name + " · B40".
    newsletter_names = models.JSONField(default=dict, blank=True, help_text='{"bg": "София · B40", …}')

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "cities"

    def __str__(self) -> str:
        return self.name()

    def clean(self) -> None:
        from b40news.releases.deadlines import PlanError, parse_plan

        try:
            self.default_fallbacks = parse_plan(self.default_fallbacks)
        except PlanError as exc:
            raise ValidationError({"default_fallbacks": str(exc)}) from None

    def name(self, language: str = "en") -> str:
        return self.names.get(language) or self.names.get("en") or self.slug

    def brand(self, language: str):
        """What a newsletter or a mail in ``language`` shows of the city."""
        from b40news.newsletter.render import CityBrand

        return CityBrand(slug=self.slug, name=self.name(language), colour=self.colour, logo_url=self.logo_url)

    def newsletter_name(self, language: str = "en") -> str:
        """What the From line and the header call the city's newsletter in ``language``."""
        return self.newsletter_names.get(language) or f"{self.name(language)} · B40"


class Officer(models.Model):
    """A communications officer: a user who speaks for one city."""

    class Role(models.TextChoices):
        CITY = "city"  # the city's own releases and lists
        NETWORK = "network"  # may also send to every list of the network

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="officers")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CITY)

    def __str__(self) -> str:
        return f"{self.user} ({self.city.slug})"


class MailingList(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="lists")
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)  # the name where no language has its own
    # Language code -> the list's name in it; a language without one: ``name``.
    names = models.JSONField(default=dict, blank=True, help_text='{"bg": "София — B40", "mk": "Софија — B40", …}')

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str = "en") -> str:
        """The list's name in ``language`` (subjects, headers, footers, sign-up pages)."""
        return self.names.get(language) or self.name


def _token() -> str:
    return secrets.token_urlsafe(16)


class SubscriberQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for subscriber in objs:
            subscriber.email_key = mailbox_key(subscriber.email)
        return super().bulk_create(objs, *args, **kwargs)

    def for_email(self, email: str) -> "SubscriberQuerySet":
        """The subscriber of this mailbox, however its address is spelled (``addresses.mailbox_key``)."""
        return self.filter(email_key=mailbox_key(email))


class Subscriber(models.Model):
    email = models.CharField(max_length=320, unique=True)  # normalised by email-validator; mail goes here
    # How addresses are compared (network.addresses.mailbox_key): one subscriber per mailbox.
    # Filled on every save and bulk_create from ``email``.
    email_key = models.CharField(max_length=320, unique=True, editable=False)
    ascii_email = models.CharField(max_length=320, blank=True)  # punycode domain; empty when none exists
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=32, unique=True, default=_token)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SubscriberQuerySet.as_manager()

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        same = Subscriber.objects.for_email(self.email).exclude(pk=self.pk).first()
        if same is not None:
            raise ValidationError({"email": f"{same.email} is the same mailbox (subscriber {same.pk})"})

    def save(self, *args, **kwargs) -> None:
        self.email_key = mailbox_key(self.email)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "email_key"}
        super().save(*args, **kwargs)


class Subscription(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"  # waiting for the double opt-in confirmation
        CONFIRMED = "confirmed"
        UNSUBSCRIBED = "unsubscribed"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE, related_name="subscriptions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # The consent record: when, from where, through which form, in which language.
    consent_ip = models.GenericIPAddressField(null=True, blank=True)
    consent_form = models.CharField(max_length=64, blank=True)
    consent_language = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "mailing_list"], name="one_subscription_per_list")
        ]
        indexes = [models.Index(fields=["mailing_list", "status"])]


class RateWindow(models.Model):
    """A rate limit's recent counts, for installations without Redis (``network.throttle``).

    ``slots`` is ``{period in seconds: {slot number: count}}``, the history
    ``delivery.ratelimit.window_acquire`` reads and returns; a row past
    ``expires_at`` counts nothing any more and is deleted by the purge.
    """

    key = models.CharField(max_length=100, unique=True)
    slots = models.JSONField(default=dict)
    expires_at = models.DateTimeField(db_index=True)
