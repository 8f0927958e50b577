from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Membership, Organisation, Team, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ["username", "full_name", "email", "organisation", "role", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    search_fields = ["username", "full_name", "email", "phone"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (
            _("Service desk"),
            {"fields": ["full_name", "organisation", "role", "phone", "time_zone", "language"]},
        ),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        (_("Service desk"), {"fields": ["full_name", "email", "organisation", "role"]}),
    ]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]
    readonly_fields = ["last_assigned_at"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "lead", "escalates_to"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    inlines = [MembershipInline]
    autocomplete_fields = ["lead"]
