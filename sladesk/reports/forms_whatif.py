"""The what-if form: a proposed SLA configuration (pasted or uploaded), a period, filters."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sladesk.desk.models import Service
from sladesk.engine.config import Config, ConfigError
from sladesk.people.models import Organisation
from sladesk.sla import versions

from . import whatif

MAX_UPLOAD = 1024 * 1024  # an SLA file is a few kilobytes
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what <input type=date> sends


class WhatIfForm(forms.Form):
    source = forms.CharField(
        label=_("Proposed SLA configuration (YAML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
        help_text=_("Prefilled with the version in force: change the targets and run."),
    )
    upload = forms.FileField(
        label=_("… or upload a file"),
        required=False,
        help_text=_("An uploaded file is used instead of the text above."),
    )
    start = forms.DateField(label=_("Tickets created from"), widget=DATE)
    end = forms.DateField(label=_("until (exclusive)"), widget=DATE)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All organisations"),
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=_("All services"),
    )
    priority = forms.ChoiceField(label=_("Current priority"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        version = versions.in_force()
        priorities = versions.config_of(version).priorities if version else ()
        self.fields["priority"].choices = [("", _("All"))] + [(p, p) for p in priorities]
        start, end = whatif.last_full_month(timezone.localdate())
        self.fields["start"].initial, self.fields["end"].initial = start, end
        self.fields["source"].initial = version.source if version else ""
        self.config: Config | None = None

    def clean(self) -> dict:
        data = super().clean()
        source = self._source(data)
        if source is not None:
            try:
                # As `sla apply` checks it: a proposal may become the next version.
                self.config = versions.check(source, "proposed.yaml")
            except ConfigError as exc:
                for problem in exc.problems:
                    self.add_error("source", problem)
        start, end = data.get("start"), data.get("end")
        if start and end and start >= end:
            self.add_error("end", _("The period must end after it starts."))
        return data

    def _source(self, data: dict) -> str | None:
        upload = data.get("upload")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                self.add_error("upload", _("The file is too large for an SLA configuration."))
                return None
            try:
                return upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("upload", _("The file is not UTF-8 text."))
                return None
        if not data.get("source", "").strip():
            self.add_error("source", _("Paste a configuration or upload a file."))
            return None
        return data["source"]

    def selection(self) -> whatif.Selection:
        data = self.cleaned_data
        return whatif.Selection(
            start=whatif.midnight(data["start"]),
            end=whatif.midnight(data["end"]),
            organisation=data["organisation"].code if data["organisation"] else "",
            service=data["service"].code if data["service"] else "",
            priority=data["priority"],
        )
