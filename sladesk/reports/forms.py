"""Choosing what a report covers: a scope and a period (a month, or any two days)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sladesk.desk.models import Service
from sladesk.people.models import Organisation, Team

from .models import SCOPE_CHOICES, ServiceReport
from .scope import Period, Scope, ScopeError, last_month, month, scope_of


class _CoversForm(forms.Form):
    """What a report covers: a kind of scope and, but for "all", which one."""

    scope = forms.ChoiceField(label=_("Covers"), choices=SCOPE_CHOICES, required=False)
    code = forms.ChoiceField(label=_("Which"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [("", "—"), *scope_codes()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            data["the_scope"] = scope_of(data.get("scope") or "all", data.get("code") or "")
        except ScopeError as error:
            self.add_error("code" if error.field == "code" else "scope", str(error))
        return data


class ScopeForm(_CoversForm):
    """Read from the query string; every field has a default, so an empty form is valid."""

    month = forms.CharField(
        label=_("Month"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    first = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            data["the_period"] = self._period(data)
        except ScopeError as error:
            self.add_error("month", str(error))
        return data

    def _period(self, data: dict[str, Any]) -> Period:
        if data.get("first") or data.get("last"):
            first, last = data.get("first"), data.get("last")
            if not first or not last:
                raise ScopeError("period", str(_("Give both days of the period.")))
            if last < first:
                raise ScopeError("period", str(_("The period ends before it starts.")))
            return Period(first, last)
        if data.get("month"):
            try:
                return month(date.fromisoformat(data["month"] + "-01"))
            except ValueError:
                raise ScopeError("period", str(_("Give the month as 2026-10."))) from None
        return last_month()

    @property
    def scope_value(self) -> Scope:
        return self.cleaned_data["the_scope"]

    @property
    def period_value(self) -> Period:
        return self.cleaned_data["the_period"]


def scope_codes() -> list[tuple[str, list[tuple[str, str]]]]:
    """The organisations, services and teams a report can cover, grouped."""
    from sladesk.agreements.models import Agreement

    groups = [
        (_("Organisations"), Organisation.objects.order_by("name")),
        (_("Services"), Service.objects.order_by("name")),
        (_("Teams"), Team.objects.order_by("name")),
    ]
    out = [(str(label), [(o.code, str(o.name)) for o in rows]) for label, rows in groups]
    agreements = Agreement.objects.order_by("-number")
    out.append((str(_("Agreements")), [(a.number, f"{a.number} {a.title}") for a in agreements]))
    return out


def query(scope: Scope, period: Period) -> dict[str, str]:
    """The query string that names this scope and period (for links)."""
    out = {"scope": scope.kind, "first": period.first.isoformat(), "last": period.last.isoformat()}
    if scope.code:
        out["code"] = scope.code
    return out


class NotesForm(forms.ModelForm):
    class Meta:
        model = ServiceReport
        fields = ["notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 6})}


class YearForm(_CoversForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["year"] = data.get("year") or last_month().first.year
        return data
