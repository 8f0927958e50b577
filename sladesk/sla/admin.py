from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Clock, SlaVersion


@admin.register(SlaVersion)
class SlaVersionAdmin(admin.ModelAdmin):
    """Versions are stored by `sladesk sla apply`, which validates them; here they are read."""

    list_display = ["__str__", "applied_at", "applied_by", "file_name", "comment"]
    readonly_fields = ["number", "applied_at", "applied_by", "file_name", "sha256", "changes"]
    fields = ["number", "applied_at", "applied_by", "file_name", "comment", "sha256", "changes"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # tickets are measured by the version they were created under

    @admin.display(description=_("changes from the previous version"))
    def changes(self, version: SlaVersion) -> str:
        return format_html("<pre>{}</pre>", version.diff() or version.source)


@admin.register(Clock)
class ClockAdmin(admin.ModelAdmin):
    """Clocks are written by the engine only; the admin shows them."""

    list_display = ["ticket", "metric", "priority", "state", "due", "met", "breached_at"]
    list_filter = ["metric", "state", "priority", "met"]
    search_fields = ["ticket__number"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
