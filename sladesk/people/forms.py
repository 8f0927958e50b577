"""A person's own settings."""

from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import User


def zone_choices() -> list[tuple[str, str]]:
    site = settings.TIME_ZONE
    default = [("", _("The site's time zone (%(zone)s)") % {"zone": site})]
    zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return [*default, *((z, z.replace("_", " ")) for z in [*zones, "UTC"])]


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=zone_choices, required=False)

    class Meta:
        model = User
        fields = ["full_name", "email", "phone", "language", "time_zone"]
        labels = {"language": _("Language")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        browser = ("", _("The browser's language"))
        self.fields["language"].choices = [browser, *settings.LANGUAGES]
        self.fields["time_zone"].help_text = _("Every time on the desk is shown in this zone.")
