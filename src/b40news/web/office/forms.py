"""The office's forms. Every one is posted with Django's CSRF token."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from b40news import languages
from b40news.network.models import City
from b40news.releases.models import LanguageRole
from b40news.web.office import permissions

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# A typed time is read in the user's own time zone (active through `zones.OfficeTimeZoneMiddleware`):
# Django's DateTimeField makes it aware in the current zone.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class SubmitForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=300, required=False,
        help_text=_("Leave empty to use the first line of the text as the title."),
    )
    body = forms.CharField(label=_("Text (Bulgarian)"), widget=forms.Textarea(attrs={"rows": 14}), required=False)
    upload = forms.FileField(
        label=_("…or upload a .txt or .docx file"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx"}),
    )
    city = forms.ModelChoiceField(label=_("City"), queryset=None, empty_label=None)
    lists = forms.ModelMultipleChoiceField(
        label=_("Send to these lists"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    deadline = forms.DateTimeField(
        label=_("Deadline for reviewers"), required=False, widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS,
        help_text=_("Leave empty for the usual deadline (B40NEWS_REVIEW_DEADLINE_HOURS after submitting)."),
    )
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        cities = permissions.submit_cities(user)
        lists = permissions.target_lists(user)
        self.fields["city"].queryset = cities
        self.fields["lists"].queryset = lists
        self.fields["lists"].label_from_instance = lambda item: f"{item.name} ({item.city.name()})"
        officer = permissions.officer_of(user)
        if officer is not None:
            self.fields["city"].initial = officer.city_id
            self.fields["city"].widget = forms.HiddenInput()
            self.fields["lists"].initial = [item.pk for item in lists if item.city_id == officer.city_id]

    def clean(self):
        cleaned = super().clean()
        if bool((cleaned.get("body") or "").strip()) == bool(cleaned.get("upload")):
            raise forms.ValidationError(_("Paste the text or upload a file (one of the two)."))
        if cleaned.get("deadline"):
            if cleaned["deadline"] <= timezone.now():
                self.add_error("deadline", _("That time has passed: choose a later one, or leave it empty."))
        return cleaned


class SegmentForm(forms.Form):
    target = forms.CharField(label=_("Corrected translation"), widget=forms.Textarea(attrs={"rows": 3}))


class HumanTranslationForm(forms.Form):
    upload = forms.FileField(
        label=_("Human translation (.txt or .docx)"),
        help_text=_("One translated paragraph per paragraph of the release, the title first."),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx"}),
    )
    title = forms.CharField(label=_("Title (if not the first paragraph)"), max_length=300, required=False)


class SendForm(forms.Form):
    WHEN = (("now", _("Now")), ("later", _("At a set time")))
    when = forms.ChoiceField(label=_("When"), choices=WHEN, initial="now", widget=forms.RadioSelect)
    send_at = forms.DateTimeField(
        label=_("Date and time"), required=False, widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") != "later":
            cleaned["eta"] = None
            return cleaned
        moment = cleaned.get("send_at")
        if moment is None:
            raise forms.ValidationError(_("Give the date and time to send at."))
        eta = moment  # aware, in the user's zone
        if eta <= timezone.now() + timedelta(seconds=5):
            raise forms.ValidationError(_("That time has passed: choose a later one, or send now."))
        if eta > timezone.now() + timedelta(days=30):
            raise forms.ValidationError(_("Schedule at most 30 days ahead."))
        cleaned["eta"] = eta
        return cleaned


class DeadlineForm(forms.Form):
    """The officer's deadline of a release and its planned fallbacks (`workflow.plan_deadline`)."""

    deadline = forms.DateTimeField(
        label=_("Deadline for reviewers"), required=False, widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS,
        help_text=_("Empty: no deadline, and no fallback is used."),
    )
    fallbacks = forms.CharField(
        label=_("When the deadline has passed"), required=False, max_length=500,
        help_text=_("Subscribers of a language that is still not approved get another, approved language instead, "
                    "with a line in their own language saying so. For example: sq=en, bs=hr, cnr=sr-Latn "
                    "(mk=wait: Macedonian subscribers wait for Macedonian)."),
    )

    def clean_fallbacks(self):
        from b40news.releases.deadlines import PlanError, parse_pairs

        try:
            return parse_pairs(self.cleaned_data["fallbacks"])
        except PlanError as exc:
            raise forms.ValidationError(str(exc)) from None


class TestSendForm(forms.Form):
    """A test of the release to any address the officer names, in a language and city of theirs."""

    email = forms.EmailField(label=_("Send a test to this address"))
    language = forms.ChoiceField(label=_("Language"), required=False)
    city = forms.ChoiceField(label=_("City"), required=False)

    def __init__(self, *args, release=None, cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        if release is not None:
            ready = release.translations.select_related("language").exclude(text="").order_by("language_id")
            self.fields["language"].choices = [(t.language.code, f"{t.language.native_name} ({t.language.code})")
                                               for t in ready]
            self.fields["city"].choices = [(city.slug, city.name()) for city in cities]


def _language_choices() -> list[tuple[str, str]]:
    return [(code, f"{languages.LANGUAGES[code].native} ({code})") for code in languages.TARGETS]


class RoleForm(forms.Form):
    """Staff give a user a language to translate or review (`reviewers.grant`)."""

    user = forms.ModelChoiceField(label=_("User"), queryset=None, empty_label=None)
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices)
    role = forms.ChoiceField(label=_("Role"), choices=[
        (LanguageRole.Role.REVIEWER, _("reviewer: edits and approves")),
        (LanguageRole.Role.TRANSLATOR, _("translator: edits, a reviewer approves")),
    ])
    cities = forms.ModelMultipleChoiceField(
        label=_("Only for the releases of these cities"), queryset=City.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None chosen: the releases of every city."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["user"].label_from_instance = lambda user: f"{user.get_username()} ({user.email or '-'})"
        self.fields["cities"].label_from_instance = lambda city: city.name()


class NotificationsForm(forms.Form):
    """A user's own choice: the language of their notices, one by one or daily."""

    language = forms.ChoiceField(label=_("Language of the e-mails"), required=False)
    daily_digest = forms.BooleanField(
        label=_("One e-mail a day listing every release waiting for me, instead of one per release"), required=False)

    time_zone = forms.ChoiceField(label=_("Time zone of the times shown to me"), required=False)

    def __init__(self, *args, default: str, default_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        everything = [(code, f"{lang.native} ({code})") for code, lang in languages.LANGUAGES.items()]
        self.fields["language"].choices = [("", _("the usual one: %(language)s") % {"language": default}),
                                           *everything]
        zones = sorted({*City.objects.values_list("timezone", flat=True), "UTC"})
        self.fields["time_zone"].choices = [("", _("my city's: %(zone)s") % {"zone": default_zone}),
                                            *((zone, zone) for zone in zones)]
