"""The office's forms. Every one is posted with Django's CSRF token."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from b40news.web.office import permissions


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
        label=_("Date and time"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    # Minutes east of UTC of the officer's browser (filled by the page's script; UTC without it).
    utc_offset = forms.IntegerField(required=False, min_value=-14 * 60, max_value=14 * 60, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") != "later":
            cleaned["eta"] = None
            return cleaned
        moment = cleaned.get("send_at")
        if moment is None:
            raise forms.ValidationError(_("Give the date and time to send at."))
        naive = timezone.make_naive(moment, timezone.get_fixed_timezone(0)) if timezone.is_aware(moment) else moment
        offset = cleaned.get("utc_offset") or 0
        eta = timezone.make_aware(naive, timezone.get_fixed_timezone(offset))
        if eta <= timezone.now() + timedelta(seconds=5):
            raise forms.ValidationError(_("That time has passed: choose a later one, or send now."))
        if eta > timezone.now() + timedelta(days=30):
            raise forms.ValidationError(_("Schedule at most 30 days ahead."))
        cleaned["eta"] = eta
        return cleaned
