"""The desk's forms: each parses what a person typed and hands it to one action.

Forms check only the shape of the input (a number is a number). Whether a reply may be
empty or a reason is needed is decided by sladesk.desk.actions, whose ActionError the view
shows on the field it names; so the rule and its message live in one place.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sladesk.people.models import STAFF_ROLES, Team, User
from sladesk.sla import versions

from . import actions
from .models import OPEN_STATUSES, Category, Level, Service, Status, Ticket
from .queue import Filters

# -- attachments ------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files (none is fine); actions.MAX_ATTACHMENT_BYTES each."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        kwargs.setdefault("help_text", _("Up to 20 MB per file."))
        super().__init__(widget=MultipleFileInput(), **kwargs)

    def clean(self, data, initial=None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(AttachmentsField, self).clean(f, initial) for f in files]


def _text(label, *, rows: int = 4, required_hint: bool = True, **kwargs) -> forms.CharField:
    """A text area the action checks; `required` in HTML only, as a hint to the browser."""
    attrs = {"rows": rows}
    if required_hint:
        attrs["required"] = True
    return forms.CharField(
        label=label, required=False, strip=False, widget=forms.Textarea(attrs=attrs), **kwargs
    )


# -- the agents' queue ------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("All teams")
    )
    status = forms.ChoiceField(label=pgettext_lazy("ticket", "Status"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    mine = forms.BooleanField(label=_("My tickets"), required=False)
    breached = forms.BooleanField(label=_("Breached"), required=False)
    due_today = forms.BooleanField(label=_("Due today"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        all_ = [("", _("All"))]
        self.fields["status"].choices = all_ + [(s.value, s.label) for s in OPEN_STATUSES]
        version = versions.in_force()
        priorities = versions.config_of(version).priorities if version else ()
        self.fields["priority"].choices = all_ + [(p, p) for p in priorities]

    def filters(self) -> Filters:
        """What to show; a filter that does not validate is left out."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value}
        if "team" in data:
            data["team"] = data["team"].pk
        return Filters(**data)


# -- the requester's new ticket ---------------------------------------------------------


class NewTicketForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.filter(active=True),
        required=False,
        empty_label=_("Not sure / other"),
        help_text=_("The system or service the request is about."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("Not sure"),
    )
    impact = forms.ChoiceField(
        label=_("Impact"),
        choices=Level.choices,
        initial=Level.MEDIUM,
        help_text=_(
            "High: a whole department or many people are affected. "
            "Medium: several people. Low: only you."
        ),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Level.choices,
        initial=Level.MEDIUM,
        help_text=_("High: it must be fixed within hours. Low: it can wait a few days."),
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"required": True, "autocomplete": "off"}),
    )
    description = _text(
        _("Description"),
        rows=6,
        required_hint=False,
        help_text=_("What happened, since when, what you already tried, error messages."),
    )
    attachments = AttachmentsField(help_text=_("Screenshots or logs; up to 20 MB per file."))

    def create(self, requester: User) -> Ticket:
        data = self.cleaned_data
        return actions.create_ticket(
            requester=requester,
            subject=data["subject"],
            description=data["description"],
            service=data["service"],
            category=data["category"],
            impact=data["impact"],
            urgency=data["urgency"],
            attachments=data["attachments"],
        )


# -- actions on a ticket ----------------------------------------------------------------


class ActionForm(forms.Form):
    """A change to a ticket, made from the revision the page showed."""

    title = ""  # of the form's section on the ticket page
    button = ""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # How many events the page showed: after a conflict, the newer ones are marked.
    seen = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, ticket: Ticket, **kwargs) -> None:
        kwargs.setdefault("initial", {}).update(revision=ticket.revision, seen=ticket.event_count)
        super().__init__(*args, **kwargs)
        self.ticket = ticket

    def act(self, actor: User) -> Ticket:
        raise NotImplementedError

    def keep_after_conflict(self, ticket: Ticket) -> None:
        """Keep what was typed, now based on the current revision, to send again."""
        data = self.data.copy()
        data["revision"] = ticket.revision
        self.data = data


class ReplyForm(ActionForm):
    title = _("Reply")
    button = _("Send reply")

    body = _text(_("Reply"), rows=5)
    attachments = AttachmentsField()

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.reply(
            self.ticket,
            actor=actor,
            body=d["body"],
            attachments=d["attachments"],
            revision=d["revision"],
        )


class NoteForm(ActionForm):
    title = _("Internal note")
    button = _("Add note")

    body = _text(_("Internal note"), rows=4, help_text=_("Only the support team sees notes."))
    attachments = AttachmentsField()

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.note(
            self.ticket,
            actor=actor,
            body=d["body"],
            attachments=d["attachments"],
            revision=d["revision"],
        )


class StatusForm(ActionForm):
    """Wait on the requester or a vendor, or resume work: each subclass says which."""

    status_value = ""
    reason = _text(_("Message to the requester"), rows=3, required_hint=False)

    def act(self, actor: User) -> Ticket:
        return actions.set_status(
            self.ticket,
            actor=actor,
            status=self.status_value,
            reason=self.cleaned_data["reason"],
            revision=self.cleaned_data["revision"],
        )


class WaitRequesterForm(StatusForm):
    title = _("Wait on requester")
    button = _("Ask and wait")

    status_value = Status.WAITING_REQUESTER
    reason = _text(
        _("What do you need from the requester?"),
        rows=3,
        help_text=_("Sent to the requester. The resolution clock pauses until they answer."),
    )


class WaitVendorForm(StatusForm):
    title = _("Wait on vendor")
    button = _("Wait on vendor")

    status_value = Status.WAITING_VENDOR
    reason = _text(
        _("Message to the requester"),
        rows=2,
        required_hint=False,
        help_text=_("Optional: tell the requester what the vendor is doing."),
    )


class ResumeForm(StatusForm):
    title = _("Resume work")
    button = _("Resume work")

    status_value = Status.IN_PROGRESS
    reason = _text(_("Message to the requester"), rows=2, required_hint=False)


class PriorityForm(ActionForm):
    title = _("Change priority")
    button = _("Change priority")

    priority = forms.ChoiceField(label=_("New priority"))
    reason = _text(_("Reason"), rows=2, help_text=_("Why the priority differs from the matrix."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        config = versions.config_of(self.ticket.sla_version) if self.ticket.sla_version else None
        priorities = config.priorities if config else ()
        self.fields["priority"].choices = [(p, p) for p in priorities]
        self.fields["priority"].initial = self.ticket.priority

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.change_priority(
            self.ticket,
            actor=actor,
            priority=d["priority"],
            reason=d["reason"],
            revision=d["revision"],
        )


class EscalateForm(ActionForm):
    title = _("Escalate")
    button = _("Escalate")

    team = forms.ModelChoiceField(
        label=_("To team"),
        queryset=Team.objects.filter(level=Team.Level.SECOND_LINE),
        required=False,
        empty_label=_("The usual second-line team"),
    )
    reason = _text(_("Reason"), rows=3, help_text=_("What second line needs to know."))

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.escalate(
            self.ticket, actor=actor, reason=d["reason"], team=d["team"], revision=d["revision"]
        )


class AssignForm(ActionForm):
    title = _("Reassign")
    button = _("Reassign")

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), empty_label=None)
    assignee = forms.ModelChoiceField(
        label=_("Agent"),
        queryset=User.objects.filter(role__in=STAFF_ROLES, is_active=True),
        required=False,
        empty_label=_("The team's least busy agent on duty"),
        help_text=_("Agents of the chosen team."),
    )
    reason = _text(_("Reason"), rows=2, required_hint=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].initial = self.ticket.team_id
        # Choosing a team loads its agents into the agent choice (htmx).
        self.fields["team"].widget.attrs.update(
            {
                "hx-get": reverse("desk:agents"),
                "hx-target": "#" + self.auto_id % "assignee",
                "hx-swap": "innerHTML",
            }
        )
        if not self.is_bound:  # offer the ticket's team's agents; the action checks the pair
            self.fields["assignee"].queryset = team_agents(self.ticket.team_id)
            self.fields["assignee"].initial = self.ticket.assignee_id

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.assign(
            self.ticket,
            actor=actor,
            team=d["team"],
            assignee=d["assignee"],
            reason=d["reason"],
            revision=d["revision"],
        )


def team_agents(team_id: int | None):
    """The active members of a team, for the agent choice of a reassignment."""
    members = User.objects.filter(memberships__team_id=team_id, is_active=True)
    return members.order_by("full_name", "username")


class ResolveForm(ActionForm):
    title = _("Resolve")
    button = _("Resolve ticket")

    resolution = _text(
        _("Resolution"), rows=4, help_text=_("What was done; the requester reads this.")
    )

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.resolve(
            self.ticket, actor=actor, resolution=d["resolution"], revision=d["revision"]
        )


class OutOfScopeForm(ActionForm):
    title = _("Out of scope")
    button = _("Close as out of scope")

    reason = _text(
        _("Why"),
        rows=3,
        help_text=_(
            "What the service does not include, and where to turn instead; the requester "
            "reads this. The ticket is closed and not measured."
        ),
    )

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.mark_out_of_scope(
            self.ticket, actor=actor, reason=d["reason"], revision=d["revision"]
        )


class OutageForm(ActionForm):
    title = _("Record an outage")
    button = _("Record the outage")

    service = forms.ModelChoiceField(label=_("Service down"), queryset=Service.objects.all())
    started_at = forms.DateTimeField(
        label=_("Down since"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ended_at = forms.DateTimeField(
        label=_("Back since"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty while it is still down; set it later in the outage's record."),
    )
    major = forms.BooleanField(label=_("Major incident"), required=False)
    cause = _text(_("Cause"), rows=2, help_text=_("Shown in the availability report."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("service", self.ticket.service_id)
            start = timezone.localtime(self.ticket.created_at).strftime("%Y-%m-%dT%H:%M")
            self.initial.setdefault("started_at", start)

    def act(self, actor: User) -> Ticket:
        from sladesk.catalog import outages

        d = self.cleaned_data
        return outages.from_incident(
            self.ticket,
            actor=actor,
            service=d["service"],
            started_at=d["started_at"],
            ended_at=d["ended_at"],
            major=d["major"],
            cause=d["cause"],
            revision=d["revision"],
        )


RATINGS = [(n, str(n)) for n in range(1, 6)]


class ConfirmForm(ActionForm):
    title = _("Confirm the resolution")
    button = _("Yes, it is solved")

    rating = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=RATINGS,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = _text(_("Comment"), rows=2, required_hint=False)

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.confirm(
            self.ticket,
            actor=actor,
            rating=d["rating"],
            comment=d["comment"],
            revision=d["revision"],
        )


class RateForm(ConfirmForm):
    title = _("Rate the support")
    button = _("Send rating")

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.rate(
            self.ticket,
            actor=actor,
            rating=d["rating"],  # None: the action says a rating is needed
            comment=d["comment"],
            revision=d["revision"],
        )


class RejectForm(ActionForm):
    title = _("It is not solved")
    button = _("Send back to support")

    reason = _text(_("What is still not working?"), rows=3)

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.reject(self.ticket, actor=actor, reason=d["reason"], revision=d["revision"])


class ReopenForm(ActionForm):
    title = _("Reopen")
    button = _("Reopen ticket")

    reason = _text(_("Why reopen the ticket?"), rows=3)

    def act(self, actor: User) -> Ticket:
        d = self.cleaned_data
        return actions.reopen(self.ticket, actor=actor, reason=d["reason"], revision=d["revision"])


# The action's name in URLs and element ids -> its form.
ACTIONS: dict[str, type[ActionForm]] = {
    "reply": ReplyForm,
    "note": NoteForm,
    "wait-requester": WaitRequesterForm,
    "wait-vendor": WaitVendorForm,
    "resume": ResumeForm,
    "priority": PriorityForm,
    "escalate": EscalateForm,
    "assign": AssignForm,
    "resolve": ResolveForm,
    "out-of-scope": OutOfScopeForm,
    "outage": OutageForm,
    "confirm": ConfirmForm,
    "rate": RateForm,
    "reject": RejectForm,
    "reopen": ReopenForm,
}
