from django.contrib import admin

from .models import ReportSchedule, ServiceReport


@admin.register(ServiceReport)
class ServiceReportAdmin(admin.ModelAdmin):
    list_display = ["scope_label", "first", "last", "generated_at", "generated_by"]
    list_filter = ["scope_kind"]
    readonly_fields = ["figures", "generated_at", "generated_by"]


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "day", "enabled", "last_sent"]
    filter_horizontal = ["recipients"]
