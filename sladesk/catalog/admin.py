"""Outages are recorded here by hand; planned maintenance is announced from here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import maintenance
from .models import Outage, OutageKind


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = ["service", "kind", "started_at", "ended_at", "major", "announced_at", "ticket"]
    list_filter = ["kind", "major", "service", "source"]
    date_hierarchy = "started_at"
    raw_id_fields = ["ticket"]
    readonly_fields = ["announced_at", "source", "created_at", "created_by"]
    actions = ["announce"]

    def save_model(self, request: HttpRequest, obj: Outage, form: object, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Announce the planned maintenance to the service's people"))
    def announce(self, request: HttpRequest, queryset: QuerySet[Outage]) -> None:
        planned = queryset.filter(kind=OutageKind.PLANNED, announced_at__isnull=True)
        for outage in planned:
            late = maintenance.announce(outage)
            if late:
                self.message_user(request, late, messages.WARNING)
        self.message_user(request, _("%d announcement(s) written.") % planned.count())
