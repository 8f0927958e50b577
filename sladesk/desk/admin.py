from django.contrib import admin

from .models import Category, Service, Ticket, TicketEvent


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "team"]
    search_fields = ["name", "name_en", "code"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "team", "active"]
    list_filter = ["active"]
    search_fields = ["name", "name_en", "code"]


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
