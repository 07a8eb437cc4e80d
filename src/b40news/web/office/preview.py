"""The email as subscribers will see it, per language and city, and a test to oneself."""

from __future__ import annotations


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from b40news import languages
from b40news.delivery import notices
from b40news.delivery.models import Notice
from b40news.delivery.renditions import rendered_for
from b40news.delivery.relay import SmtpConfigError
from b40news.newsletter.render import personalise
from b40news.releases.models import Release, Translation
from b40news.web.office.forms import TestSendForm
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


def send_test(release: Release, translation: Translation, city, to_addr: str) -> Notice:
    """A test message to ``to_addr``: a ledger row of its own, built by the one composer."""
    return notices.queue(Notice.Kind.TEST, email=to_addr, language=translation.language.code,
                         payload={"release": release.pk, "city": city.slug})


@office_view
@require_POST
def test_send(request, pk, lang=None, city=None):
    """A test to the address given in the form (else the user's own), back to where it was asked."""
    release = release_for(request, pk)
    lang = lang or request.POST.get("language", "")
    city = city or request.POST.get("city", "")
    translation, city_obj = _choose(release, lang, city)
    if request.POST.get("back") == "confirm":
        back = reverse("office:confirm_send", args=[release.pk])
    else:
        back = reverse("office:preview", args=[release.pk, translation.language.code, city_obj.slug])
    to_addr = request.user.email
    if request.POST.get("email", "").strip():
        try:
            to_addr = TestSendForm.base_fields["email"].clean(request.POST["email"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(back)
    if not to_addr:
        messages.error(request, _("Your account has no e-mail address: an admin can add one."))
        return redirect(back)
    try:
        notice = send_test(release, translation, city_obj, to_addr)
    except (SmtpConfigError, OSError) as exc:
        messages.error(request, _("The test could not be sent: %(error)s") % {"error": exc})
        return redirect(back)
    notice.refresh_from_db()  # in-process (no workers) it has been tried already
    if notice.state in (Notice.State.PENDING, Notice.State.SENT):
        messages.success(request, _("A test message is on its way to %(email)s.") % {"email": to_addr})
    else:
        messages.error(request, _("The relay did not take the test message: %(code)s %(detail)s")
                       % {"code": notice.last_code or "", "detail": notice.last_error})
    return redirect(back)
