"""Your notifications: the channels you and your teams are told through, with a test button,
and what was sent to you lately."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sladesk.people.models import Team, User

from .channels import transport_for
from .forms import ChannelForm
from .models import Channel, Notification
from .recipients import language_of
from .transports import Message


def managed_teams(user: User) -> list[Team]:
    """Teams whose channels this person may change: those they lead; all for managers."""
    if user.is_manager:
        return list(Team.objects.order_by("name"))
    return list(Team.objects.filter(lead=user).order_by("name"))


def _channels(user: User) -> QuerySet[Channel]:
    teams = managed_teams(user)
    return Channel.objects.filter(Q(user=user) | Q(team__in=teams)).select_related("team")


@login_required
def channels(request: HttpRequest) -> HttpResponse:
    teams = managed_teams(request.user)
    form = ChannelForm(request.POST or None, user=request.user, teams=teams)
    if request.method == "POST" and form.is_valid():
        channel = form.save()
        messages.success(request, _("Channel “%s” added. Send it a test message.") % channel.name)
        return redirect("notify:channels")
    recent = Notification.objects.filter(channel__user=request.user).select_related("channel")
    context = {
        "form": form,
        "channels": _channels(request.user).order_by("team__name", "name"),
        "recent": recent.order_by("-created_at", "-id")[:20],
    }
    return render(request, "notify/channels.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def test(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a test message straight away (not through the outbox) and say how it went."""
    channel = get_object_or_404(_channels(request.user), pk=pk)
    with translation.override(language_of(channel)):
        message = Message(
            title=_("sladesk test message"),
            text=_("This channel works: sladesk will tell you here."),
            idempotency_key=f"test:{channel.pk}:{timezone.now().timestamp():.0f}",
        )
    result = transport_for(channel).send([message])
    if result.sent:
        messages.success(request, _("Test message sent through “%s”.") % channel.name)
    else:
        messages.error(request, _("The test message failed: %s") % result.reason)
    return redirect("notify:channels")


@login_required
@require_POST
def toggle(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(_channels(request.user), pk=pk)
    channel.enabled = not channel.enabled
    channel.save(update_fields=["enabled"])
    return redirect("notify:channels")


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    channel = get_object_or_404(_channels(request.user), pk=pk)
    channel.delete()
    messages.success(request, _("Channel “%s” removed.") % channel.name)
    return redirect("notify:channels")
