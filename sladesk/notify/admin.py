"""The outbox in the admin: every notification with its attempts, dead letters to send again,
channels with a test button, and the clocks' timers."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox
from .channels import transport_for
from .models import Attempt, Channel, Notification, NotificationState, Timer
from .transports import Message


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "user", "team", "enabled", "paused_until"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name", "address", "url", "user__username", "team__name"]
    autocomplete_fields = ["user", "team"]
    actions = ["send_test"]

    @admin.action(description=_("Send a test message"))
    def send_test(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        for channel in queryset:
            message = Message(
                title=str(_("sladesk test message")),
                text=str(_("This channel works: sladesk will tell you here.")),
                idempotency_key=f"admin-test:{channel.pk}",
            )
            result = transport_for(channel).send([message])
            level = messages.SUCCESS if result.sent else messages.ERROR
            self.message_user(request, f"{channel}: {result.status} {result.reason}", level)


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["at", "outcome", "reason", "worker"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "title", "channel", "state", "attempts", "sent_at"]
    list_filter = ["state", "kind", "channel__kind"]
    search_fields = ["title", "key", "ticket__number"]
    date_hierarchy = "created_at"
    inlines = [AttemptInline]
    actions = ["send_again"]
    readonly_fields = [f.name for f in Notification._meta.fields if f.name not in ("id",)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # notifications come from their causes, never by hand

    @admin.action(description=_("Send again (dead letters and cancelled)"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = outbox.retry(queryset.exclude(state=NotificationState.SENT))
        self.message_user(
            request,
            ngettext(
                "%d notification will be sent again.", "%d notifications will be sent again.", count
            )
            % count,
        )


@admin.register(Timer)
class TimerAdmin(admin.ModelAdmin):
    list_display = ["ticket", "key", "kind", "due_at", "state", "fired_at", "fired_by"]
    list_filter = ["state", "kind", "metric"]
    search_fields = ["ticket__number", "key"]
    readonly_fields = [f.name for f in Timer._meta.fields if f.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
