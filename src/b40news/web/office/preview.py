"""The email as subscribers will see it, per language and city, and a test to oneself."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b40news import languages
from b40news.delivery.models import Rendition
from b40news.delivery.renditions import newsletter_for, render_release, renderer
from b40news.delivery.sender import dkim_signer
from b40news.delivery.smtp import SmtpConfigError, SmtpSession, SmtpSettings
from b40news.newsletter.message import build_message, make_message_id
from b40news.newsletter.render import Rendered, personalise
from b40news.releases.models import Release, Translation
from b40news.web.office.permissions import office_view, release_for

PLACEHOLDER_EMAIL = "subscriber@example.org"


def _cities(release: Release) -> list:
    return sorted({item.city for item in release.lists.select_related("city")}, key=lambda city: city.slug)


def _choose(release: Release, lang: str, city_slug: str):
    try:
        code = languages.get(lang).code
    except languages.UnknownLanguage:
        raise Http404("unknown language") from None
    translation = release.translations.select_related("language").filter(language__code=code).first()
    if translation is None or not translation.text:
        raise Http404("nothing to preview in this language")
    city = next((city for city in _cities(release) if city.slug == city_slug), None)
    if city is None:
        raise Http404("the release is not sent to this city")
    return translation, city


def rendered_for(release: Release, translation: Translation, city) -> Rendered:
    """The stored rendition (made now if the language is approved), else a fresh render."""
    code = translation.language.code
    if translation.status == Translation.Status.APPROVED:
        if not Rendition.objects.filter(release=release, language=code, city=city).exists():
            render_release(release)
        stored = Rendition.objects.filter(release=release, language=code, city=city).first()
        if stored is not None:
            return Rendered(language=code, subject=stored.subject, html=stored.html, text=stored.text,
                            errors=tuple(stored.errors))
    return renderer(Path(settings.EMAIL_TEMPLATES_DIR)).render(newsletter_for(release, translation, city))


def _placeholders(email: str, url: str) -> dict[str, str]:
    return {"unsubscribe_url": url, "preferences_url": url, "recipient_email": email}


@office_view
def preview(request, pk, lang, city):
    release = release_for(request, pk)
    translation, city_obj = _choose(release, lang, city)
    rendered = rendered_for(release, translation, city_obj)
    html, text = personalise(rendered, _placeholders(request.user.email or PLACEHOLDER_EMAIL, "#"))
    choices = [t for t in release.translations.select_related("language").order_by("language_id") if t.text]
    return render(request, "web/office/preview.html", {
        "release": release,
        "translation": translation,
        "code": translation.language.code,
        "city": city_obj,
        "city_name": city_obj.name(translation.language.code),
        "rendered": rendered,
        "html": html,
        "text": text,
        "languages": [t.language for t in choices],
        "cities": _cities(release),
        "approved": translation.status == Translation.Status.APPROVED,
    })


def send_test(release: Release, translation: Translation, city, to_addr: str):
    """One message to ``to_addr`` through the message builder and the relay; no ledger row."""
    code = translation.language.code
    rendered = rendered_for(release, translation, city)
    html, text = personalise(rendered, _placeholders(to_addr, f"{settings.SITE_URL}/"))
    domain = settings.FROM_EMAIL.rpartition("@")[2]
    message, envelope = build_message(
        subject=f"[TEST] {rendered.subject}",
        html=html,
        text=text,
        language=code,
        from_addr=settings.FROM_EMAIL,
        from_name=f"{city.name(code)} · B40",
        to_addr=to_addr,
        message_id=make_message_id(f"test.{release.pk}.{code}.{city.slug}.{uuid.uuid4()}", domain),
        list_id=None,
        unsubscribe_https=None,
        unsubscribe_mailto=None,
        date=timezone.now(),
        bounce_address=settings.BOUNCE_ADDRESS,
        verp_token="test",
    )
    signer = dkim_signer()
    if signer is not None:
        message = signer.sign(message)
    with SmtpSession(SmtpSettings.from_url(settings.SMTP_URL)) as smtp:
        return smtp.send(message, mail_from=envelope.mail_from, rcpt_to=envelope.rcpt_to, smtputf8=envelope.smtputf8)


@office_view
@require_POST
def test_send(request, pk, lang, city):
    release = release_for(request, pk)
    translation, city_obj = _choose(release, lang, city)
    back = reverse("office:preview", args=[release.pk, translation.language.code, city_obj.slug])
    to_addr = request.user.email
    if not to_addr:
        messages.error(request, _("Your account has no e-mail address: an admin can add one."))
        return redirect(back)
    try:
        result = send_test(release, translation, city_obj, to_addr)
    except (SmtpConfigError, OSError, ValueError) as exc:
        messages.error(request, _("The test could not be sent: %(error)s") % {"error": exc})
        return redirect(back)
    if result.outcome == "sent":
        messages.success(request, _("A test message is on its way to %(email)s.") % {"email": to_addr})
    else:
        messages.error(request, _("The relay did not take the test message: %(code)s %(detail)s")
                       % {"code": result.code or "", "detail": result.detail})
    return redirect(back)
