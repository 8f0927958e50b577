from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import SUPPORT_CHANNELS, SUPPORT_MODES, Category, Service, Ticket, TicketEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "team"]
    search_fields = ["name", "name_en", "code"]


class ServiceForm(forms.ModelForm):
    modes = forms.MultipleChoiceField(
        label=_("Support modes"),
        choices=SUPPORT_MODES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=_("Request channels"),
        choices=SUPPORT_CHANNELS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Service
        fields = "__all__"  # noqa: DJ007 - the admin edits the whole catalog entry


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceForm
    list_display = ["name", "name_en", "code", "team", "calendar", "published", "active"]
    list_filter = ["active", "published"]
    search_fields = ["name", "name_en", "code"]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "team", "active", "published"]}),
        (
            _("What it is"),
            {"fields": ["description", "description_en", "included", "excluded"]},
        ),
        (_("How it is supported"), {"fields": ["calendar", "modes", "channels"]}),
        (
            _("Availability"),
            {
                "fields": [
                    "availability_goal",
                    "max_outage",
                    "max_major_per_year",
                    "recovery_hours",
                    "max_unplanned_per_month",
                    "maintenance_notice_days",
                    "maintenance_notice_min_days",
                ]
            },
        ),
    ]


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ["seq", "at", "actor", "kind", "public", "body", "data", "sla"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Tickets change through the desk's actions only, so that history and clocks follow."""

    list_display = ["number", "subject", "organisation", "priority", "status", "team", "assignee"]
    list_filter = ["status", "priority", "team", "organisation"]
    search_fields = ["number", "subject"]
    date_hierarchy = "created_at"
    inlines = [EventInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
