"""The forms of the agreement pages; what they ask is decided by `lifecycle`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sladesk.desk.models import Service
from sladesk.sla.models import SlaVersion

from .lifecycle import AMENDABLE
from .models import Party


def _date(label: str, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class AmendForm(forms.Form):
    """The terms as the latest version has them, to change; and the notice given."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    notice_given_on = _date(
        _("Written notice given on"),
        help_text=_("The day the other party received the amendment in writing."),
    )
    effective_on = _date(
        _("Effective on"),
        required=False,
        help_text=_("Empty: the earliest date the notice period allows."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    services = forms.ModelMultipleChoiceField(
        label=_("Services covered"),
        queryset=Service.objects.filter(active=True),
        to_field_name="code",
        required=False,
    )
    sla_version = forms.ModelChoiceField(
        label=_("SLA version"), queryset=SlaVersion.objects.all(), to_field_name="number"
    )
    calendar = forms.CharField(label=_("Calendar"), max_length=100)
    expires_on = _date(_("Expires on"))
    auto_renew = forms.BooleanField(label=_("Renews automatically"), required=False)
    renewal_months = forms.IntegerField(label=_("Renewal term (months)"), min_value=0)
    objection_days = forms.IntegerField(label=_("Objection period (days)"), min_value=0)
    reminder_days = forms.IntegerField(label=_("Expiry reminders from (days)"), min_value=0)
    notice_working_days = forms.IntegerField(
        label=_("Amendment notice (working days)"), min_value=0
    )
    review_every_months = forms.IntegerField(label=_("Review every (months)"), min_value=0)
    penalty_terms = forms.CharField(
        label=_("Penalty rules"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    terms = forms.CharField(
        label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )

    def __init__(self, *args: Any, snapshot: dict[str, Any], today: date, **kwargs: Any) -> None:
        initial = {key: snapshot.get(key) for key in AMENDABLE}
        initial["notice_given_on"] = today
        super().__init__(*args, initial=initial, **kwargs)

    def changes(self) -> dict[str, Any]:
        """Every amendable term as entered; `lifecycle.amend` keeps those that differ."""
        return {key: self.cleaned_data[key] for key in AMENDABLE}


class ObjectionForm(forms.Form):
    party = forms.ChoiceField(label=_("Objecting party"), choices=Party.choices)
    recorded_on = _date(_("Received on"))
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReviewForm(forms.Form):
    held_on = _date(_("Held on"))
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Targets met and missed, satisfaction, problems found."),
    )
    actions = forms.CharField(
        label=_("Actions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Improvements agreed, with who does them and by when."),
    )


class SignForm(forms.Form):
    signed_on = _date(_("Signed on"))


def today_initial(form_class: type[forms.Form], field: str, today: date) -> forms.Form:
    return form_class(initial={field: today})
