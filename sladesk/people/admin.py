from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken, Membership, Organisation, Team, User


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued here (the secret is shown once, in the message) and revoked."""

    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "user__username", "user__full_name"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name"]
        return ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change) -> None:
        secret = None if change else obj.issue()
        super().save_model(request, obj, form, change)
        if secret:
            self.message_user(
                request,
                _("The token of %(user)s is %(secret)s — copy it now, it is not shown again.")
                % {"user": obj.user, "secret": secret},
                messages.WARNING,
            )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token.revoke()
        self.message_user(
            request,
            ngettext("%d token revoked.", "%d tokens revoked.", len(tokens)) % len(tokens),
            messages.SUCCESS,
        )
