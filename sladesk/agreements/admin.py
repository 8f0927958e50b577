"""Agreements in the admin: drafts are written here; once signed, the terms change only by
amendment (the agreement's page), so the admin shows them read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import lifecycle
from .dates import AgreementError
from .models import (
    Agreement,
    AgreementContact,
    AgreementEvent,
    AgreementReview,
    AgreementVersion,
    Objection,
    Status,
)

SIGNED_READ_ONLY = [
    "provider",
    "customer",
    "effective_from",
    *lifecycle.AMENDABLE,
]


class ContactInline(admin.TabularInline):
    model = AgreementContact
    extra = 1
    autocomplete_fields = ["user"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(ReadOnlyInline):
    model = AgreementVersion
    fields = ["number", "kind", "effective_on", "notice_given_on", "reason", "applied_at"]


class ReviewInline(ReadOnlyInline):
    model = AgreementReview
    fields = ["due_on", "held_on", "notes", "actions", "recorded_by"]


class ObjectionInline(ReadOnlyInline):
    model = Objection
    fields = ["expires_on", "party", "recorded_on", "note", "recorded_by"]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "customer", "provider", "status", "expires_on"]
    list_filter = ["status", "auto_renew"]
    search_fields = ["number", "title", "customer__name", "provider__name"]
    filter_horizontal = ["services", "report_recipients"]
    readonly_fields = ["number", "status", "signed_on", "created_at", "created_by"]
    inlines = [ContactInline, VersionInline, ReviewInline, ObjectionInline]
    actions = ["sign_today"]

    def get_readonly_fields(self, request: HttpRequest, obj: Agreement | None = None) -> list:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Status.DRAFT:
            fields += SIGNED_READ_ONLY
        return fields

    def save_model(self, request: HttpRequest, obj: Agreement, form: Any, change: bool) -> None:
        with transaction.atomic():
            if not obj.number:
                obj.number = lifecycle.next_number()
                obj.created_by = request.user
            super().save_model(request, obj, form, change)

    @admin.action(description=_("Sign the selected drafts today"))
    def sign_today(self, request: HttpRequest, queryset: QuerySet[Agreement]) -> None:
        for agreement in queryset.filter(status=Status.DRAFT):
            try:
                lifecycle.sign(agreement, signed_on=timezone.localdate(), by=request.user)
            except AgreementError as error:
                self.message_user(request, f"{agreement.number}: {error.message}", messages.ERROR)


@admin.register(AgreementVersion)
class AgreementVersionAdmin(admin.ModelAdmin):
    """Versions are written by signing, amending and renewing; here they are read."""

    list_display = ["__str__", "kind", "effective_on", "applied_at", "created_by"]
    list_filter = ["kind"]
    search_fields = ["agreement__number"]
    fields = [
        "agreement",
        "number",
        "kind",
        "effective_on",
        "notice_given_on",
        "earliest_effective",
        "reason",
        "applied_at",
        "created_at",
        "created_by",
        "changes_shown",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("changes from the previous version"))
    def changes_shown(self, version: AgreementVersion) -> str:
        return format_html("<pre>{}</pre>", version.diff() or version.text())


@admin.register(AgreementReview)
class AgreementReviewAdmin(admin.ModelAdmin):
    list_display = ["agreement", "due_on", "held_on", "recorded_by"]
    search_fields = ["agreement__number"]
    readonly_fields = ["agreement", "due_on", "recorded_by", "recorded_at"]


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["agreement", "expires_on", "party", "recorded_on"]
    search_fields = ["agreement__number"]
    readonly_fields = ["agreement", "expires_on", "recorded_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded on the agreement's page, which checks the deadline


@admin.register(AgreementEvent)
class AgreementEventAdmin(admin.ModelAdmin):
    list_display = ["agreement", "kind", "on", "by", "note"]
    list_filter = ["kind"]
    search_fields = ["agreement__number", "key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
