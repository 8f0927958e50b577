"""Adding a channel: what each kind needs, checked before it is saved."""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sladesk.people.models import Team, User

from .models import Channel, ChannelKind


class ChannelForm(forms.ModelForm):
    owner = forms.ChoiceField(label=_("For"))

    class Meta:
        model = Channel
        fields = ["kind", "name", "address", "url", "secret", "markup", "language"]

    def __init__(self, *args: Any, user: User, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.teams = user, {str(t.pk): t for t in teams}
        choices = [("me", _("Me"))] + [(pk, t.name) for pk, t in self.teams.items()]
        self.fields["owner"].choices = choices
        self.order_fields(["owner", "kind", "name"])
        self.fields["markup"].required = False  # only robots use it

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["markup"] = data.get("markup") or "markdown"
        kind = data.get("kind")
        if kind == ChannelKind.EMAIL:
            if not data.get("address"):
                self.add_error("address", _("An e-mail channel needs an address."))
            elif (
                data.get("owner") == "me"
                and Channel.objects.filter(
                    user=self.user, kind=kind, address=data["address"]
                ).exists()
            ):
                self.add_error("address", _("You already have a channel for this address."))
        elif kind and not data.get("url"):
            self.add_error("url", _("Give the webhook or robot URL."))
        if kind == ChannelKind.WEBHOOK:
            data["secret"] = self._webhook_secret(data.get("secret", ""))
        if kind == ChannelKind.WECOM and data.get("secret"):
            self.add_error("secret", _("WeCom robots are not signed; the key is in the URL."))
        return data

    def _webhook_secret(self, secret: str) -> str:
        """A Standard Webhooks secret (whsec_ + base64); one is made when left empty."""
        if not secret:
            return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        try:
            key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) < 16:
            self.add_error(
                "secret", _("Use a whsec_ secret (base64 of 16 or more bytes), or leave it empty.")
            )
        return secret

    def save(self, commit: bool = True) -> Channel:
        channel = super().save(commit=False)
        owner = self.cleaned_data["owner"]
        channel.user, channel.team = (
            (self.user, None) if owner == "me" else (None, self.teams[owner])
        )
        if commit:
            channel.save()
        return channel
