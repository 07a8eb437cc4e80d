"""The one composer: every e-mail b40news sends is built here.

Newsletters (one per delivery row), test sends, double opt-in confirmations,
fresh preferences links and reviewers' notifications (one per notice row)
get their From, Reply-To, List-Id, Message-ID, VERP
envelope sender, unsubscribe headers and DKIM signature from the same code.
The bytes themselves come from the plain-Python builder
(`newsletter.message.build_message`); this module only decides what goes in.

VERP tokens name the ledger row and prove it: ``d<id>.<mac>`` for a delivery,
``n<id>.<mac>`` for a notice (``bounces+d42.k3j9x…@``), where the MAC is an
HMAC of the row kind, id and recipient mailbox under a secret derived from
SECRET_KEY (80 bits, lower-case base32, so the local part stays far below 64
octets and survives an MTA that lower-cases it). Message-IDs are an HMAC of
the row too: nobody outside can compute either, so a bounce or complaint that
names one came from a message we sent to that address (`bounces.py` checks).
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from b40news.delivery.models import Delivery, Notice
from b40news.network import links
from b40news.network.addresses import mailbox_key
from b40news.newsletter.dkim import DkimSigner
from b40news.newsletter.message import Envelope, build_message, make_message_id
from b40news.newsletter.render import Rendered, personalise, personaliser

DELIVERY_VERP_PREFIX = "d"
NOTICE_VERP_PREFIX = "n"
VERP_MAC_CHARS = 16  # 10 bytes of HMAC-SHA256 in base32


@functools.lru_cache(maxsize=1)
def dkim_signer() -> DkimSigner | None:
    if not settings.DKIM_PRIVATE_KEY_FILE:
        return None
    domain = settings.DKIM_DOMAIN or settings.FROM_EMAIL.rpartition("@")[2]
    pem = Path(settings.DKIM_PRIVATE_KEY_FILE).read_bytes()
    ed25519 = {}
    if settings.DKIM_ED25519_PRIVATE_KEY_FILE:  # a second signature beside RSA (RFC 8463)
        ed25519 = {"ed25519_selector": settings.DKIM_ED25519_SELECTOR,
                   "ed25519_pem": Path(settings.DKIM_ED25519_PRIVATE_KEY_FILE).read_bytes()}
    return DkimSigner(settings.DKIM_SELECTOR, domain, pem, **ed25519)


def mail_domain() -> str:
    return settings.FROM_EMAIL.rpartition("@")[2]


def from_name(city, language: str, issuer=None) -> str:
    """The From display name: the city's newsletter ("Sofia · B40"); a release of another city
    sent on it names that city first ("Stara Zagora via Sofia · B40", in ``language``)."""
    if issuer is None or issuer.pk == city.pk:
        return city.newsletter_name(language)
    return issued_via(city, language, issuer)


def issued_via(city, language: str, issuer) -> str:
    """"Stara Zagora via Sofia · B40" in ``language`` (the e-mail strings' ``from_via``)."""
    from b40news.newsletter.strings import load_strings

    pattern = load_strings(Path(settings.EMAIL_TEMPLATES_DIR), language)["from_via"]
    return pattern.format(city=issuer.name(language), list=city.newsletter_name(language))


def _mac(kind: str, row_id: int, email: str) -> str:
    digest = salted_hmac("b40news.verp", f"{kind}{row_id}:{mailbox_key(email)}", algorithm="sha256").digest()
    return base64.b32encode(digest[:10]).decode("ascii").lower()


def verp_token(kind: str, row_id: int, email: str) -> str:
    """``d42.k3j9…`` (a delivery) or ``n7.…`` (a notice): the row, signed with its recipient."""
    return f"{kind}{row_id}.{_mac(kind, row_id, email)}"


def verp_verifies(kind: str, row_id: int, mac: str, email: str) -> bool:
    """Whether ``mac`` is the row's own for ``email`` (constant time; case does not matter)."""
    return bool(email) and constant_time_compare(mac.lower(), _mac(kind, row_id, email))


def _keyed(purpose: str, key: str) -> str:
    return salted_hmac(f"b40news.message-id.{purpose}", key, algorithm="sha256").hexdigest()


def delivery_message_id(release_id: int, subscriber_id: int) -> str:
    """The Message-ID of one release to one subscriber: the same on every retry, secret-salted."""
    return make_message_id(_keyed("delivery", f"{release_id}.{subscriber_id}"), mail_domain())


def notice_message_id(notice_id: int) -> str:
    return make_message_id(_keyed("notice", str(notice_id)), mail_domain())


def _finish(message: bytes, envelope: Envelope, signer: DkimSigner | None) -> tuple[bytes, Envelope]:
    return (signer.sign(message) if signer is not None else message), envelope


@functools.lru_cache(maxsize=256)
def fallback_notice(own: str, shown: str) -> str:
    """The line, in the subscriber's own language, saying that this newsletter is
    not (yet) in it and comes in ``shown`` instead (a fallback: a passed deadline,
    or the officer's choice); "" when it comes in their own language."""
    from b40news import languages
    from b40news.newsletter.strings import load_strings

    if not own or languages.get(own).code == languages.get(shown).code:
        return ""
    template = load_strings(Path(settings.EMAIL_TEMPLATES_DIR), own)["fallback_notice"]
    return template.format(language=languages.get(shown).native)


@functools.lru_cache(maxsize=64)
def _personaliser(rendered: Rendered, notice: str):
    """A rendition's text with what all its readers of one language share filled in
    (only the fallback line): the message builder encodes that once (`personaliser`)."""
    return personaliser(rendered, {"fallback_notice": notice})


def newsletter(row: Delivery, rendered: Rendered, signer: DkimSigner | None) -> tuple[bytes, Envelope]:
    """The newsletter for one delivery row (its subscriber, list and language);
    a subscriber who gets another language than their own is told so first."""
    subscriber, mailing_list = row.subscriber, row.mailing_list
    unsubscribe, unsubscribe_mailto = links.unsubscribe_links(subscriber.pk, mailing_list.pk)
    notice = fallback_notice(subscriber.language.code if subscriber.language_id else "", row.language)
    html, text = _personaliser(rendered, notice)({
        "unsubscribe_url": unsubscribe,
        "preferences_url": links.preferences_url(subscriber.pk),
        "recipient_email": subscriber.email,
    })
    message, envelope = build_message(
        subject=rendered.subject,
        html=html,
        text=text,
        language=row.language,
        from_addr=settings.FROM_EMAIL,
        from_name=from_name(mailing_list.city, row.language, row.release.city),
        to_addr=subscriber.email,
        message_id=row.message_id,
        list_id=f"{mailing_list.label(row.language)} <{mailing_list.slug}.{mail_domain()}>",
        unsubscribe_https=unsubscribe,
        unsubscribe_mailto=unsubscribe_mailto,
        date=timezone.now(),
        bounce_address=settings.BOUNCE_ADDRESS,
        verp_token=verp_token(DELIVERY_VERP_PREFIX, row.pk, subscriber.email),
    )
    return _finish(message, envelope, signer)


def notice(row: Notice, signer: DkimSigner | None) -> tuple[bytes, Envelope]:
    """A test send, a confirmation or a reviewer's notice, built from the notice's payload."""
    parts = {
        Notice.Kind.TEST: _test_parts,
        Notice.Kind.CONFIRMATION: _confirmation_parts,
        Notice.Kind.REVIEW: _review_parts,
        Notice.Kind.REVIEW_DIGEST: _review_parts,
        Notice.Kind.PREFERENCES: _preferences_parts,
    }.get(row.kind)
    if parts is None:
        raise ValueError(f"no composer for notices of kind {row.kind!r}")
    subject, html, text, sender = parts(row)
    message, envelope = build_message(
        subject=subject,
        html=html,
        text=text,
        language=row.language,
        from_addr=settings.FROM_EMAIL,
        from_name=sender,
        to_addr=row.email,
        message_id=row.message_id or notice_message_id(row.pk),
        list_id=None,  # not list mail: no List-Id, no List-Unsubscribe
        unsubscribe_https=None,
        unsubscribe_mailto=None,
        date=timezone.now(),
        bounce_address=settings.BOUNCE_ADDRESS,
        verp_token=verp_token(NOTICE_VERP_PREFIX, row.pk, row.email),
    )
    return _finish(message, envelope, signer)


def _test_parts(row: Notice):
    from b40news.delivery.renditions import rendered_for
    from b40news.network.models import City
    from b40news.releases.models import Release

    release = Release.objects.get(pk=row.payload["release"])
    city = City.objects.get(slug=row.payload["city"])
    translation = release.translations.select_related("language").get(language__code=row.language)
    rendered = rendered_for(release, translation, city)
    url = f"{settings.SITE_URL}/"
    html, text = personalise(rendered, {"unsubscribe_url": url, "preferences_url": url, "recipient_email": row.email})
    return f"[TEST] {rendered.subject}", html, text, from_name(city, row.language, release.city)


def _confirmation_parts(row: Notice):
    from b40news.delivery.renditions import renderer
    from b40news.network import subscriptions
    from b40news.network.models import Language, Subscription

    subscription = Subscription.objects.select_related("subscriber", "mailing_list__city").get(
        pk=row.payload["subscription"]
    )
    mailing_list = subscription.mailing_list
    city = mailing_list.city
    rendered = renderer(Path(settings.EMAIL_TEMPLATES_DIR)).render_confirmation(
        row.language, mailing_list.label(row.language), city.brand(row.language)
    )
    if not rendered.ok:
        raise ValueError(f"the confirmation mail in {row.language} does not render: {'; '.join(rendered.errors)}")
    token = subscriptions.confirm_token(subscription.pk, Language.objects.for_code(row.language).pk)
    html, text = personalise(rendered, {
        "confirm_url": subscriptions.confirm_url(token), "recipient_email": subscription.subscriber.email,
    })
    return rendered.subject, html, text, from_name(city, row.language)


def _preferences_parts(row: Notice):
    """A fresh link to the subscriber's preferences (asked for on the page of an expired one)."""
    from b40news.delivery.renditions import renderer
    from b40news.network.models import Subscriber
    from b40news.newsletter.render import DEFAULT_BRAND, CityBrand
    from b40news.newsletter.strings import load_strings

    subscriber = Subscriber.objects.filter(pk=row.payload.get("subscriber")).first()
    if subscriber is None:
        raise LookupError("the subscriber is gone")
    templates = Path(settings.EMAIL_TEMPLATES_DIR)
    network = load_strings(templates, row.language)["web_network_name"]
    brand = CityBrand(slug="b40", name=network, colour=DEFAULT_BRAND, logo_url="")
    errors: list[str] = []
    rendered = renderer(templates).render_mail(
        "preferences", row.language, brand, None, ("preferences_url", "recipient_email"), {"list_name": ""},
        None, errors, prefix="preferences_link")
    if not rendered.ok:
        raise ValueError(f"the preferences mail in {row.language} does not render: {'; '.join(rendered.errors)}")
    html, text = personalise(rendered, {
        "preferences_url": links.preferences_url(subscriber.pk), "recipient_email": subscriber.email,
    })
    return rendered.subject, html, text, network


def _review_parts(row: Notice):
    """The releases of the payload still there, each with its review pages and deadline."""
    from django.urls import reverse

    from b40news import languages
    from b40news.delivery.renditions import renderer
    from b40news.newsletter.render import DEFAULT_BRAND, CityBrand
    from b40news.newsletter.review_mail import ReviewItem, ReviewLink, render_review
    from b40news.newsletter.strings import load_strings
    from b40news.releases.models import Release

    lang = row.language
    wanted = {item["release"]: item["languages"] for item in row.payload.get("items", [])}
    releases = Release.objects.select_related("city").filter(pk__in=wanted).order_by("created_at", "pk")
    items = [ReviewItem(
        title=release.title, city=release.city.name(lang), deadline=release.deadline,
        links=tuple(ReviewLink(f"{languages.get(code).native} ({code})", role,
                               settings.SITE_URL + reverse("office:review", args=[release.pk, code]))
                    for code, role in wanted[release.pk].items()),
    ) for release in releases]
    if not items:
        raise LookupError("the releases of this notice are gone")
    digest = row.kind == Notice.Kind.REVIEW_DIGEST
    templates = Path(settings.EMAIL_TEMPLATES_DIR)
    if digest:
        network = load_strings(templates, lang)["web_network_name"]
        brand, sender = CityBrand(slug="b40", name=network, colour=DEFAULT_BRAND, logo_url=""), network
    else:
        brand, sender = releases[0].city.brand(lang), from_name(releases[0].city, lang)
    rendered = render_review(renderer(templates), lang, brand, items, digest=digest)
    if not rendered.ok:
        raise ValueError(f"the review notice in {lang} does not render: {'; '.join(rendered.errors)}")
    return rendered.subject, rendered.html, rendered.text, sender
