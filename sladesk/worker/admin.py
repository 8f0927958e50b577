from django.contrib import admin

from .models import PeriodicJob


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin):
    list_display = ["name", "every", "next_run_at", "last_enqueued_at"]
    readonly_fields = ["name", "last_task_id", "last_enqueued_at"]
