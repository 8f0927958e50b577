from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AlertGroup, AlertSource, InboundMessage, Mailbox


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "enabled", "imap_host", "kind", "last_polled_at"]
    list_filter = ["enabled", "kind"]
    search_fields = ["name", "address", "imap_host"]
    readonly_fields = ["last_polled_at", "last_error"]
    fieldsets = [
        (None, {"fields": ["name", "address", "enabled"]}),
        (
            _("IMAP (leave the host empty for a mailbox fed by the MTA's pipe)"),
            {
                "fields": [
                    "imap_host",
                    "imap_port",
                    "imap_security",
                    "imap_user",
                    "imap_password",
                    "imap_folder",
                    "after_processing",
                    "processed_folder",
                    "last_polled_at",
                    "last_error",
                ]
            },
        ),
        (
            _("New tickets"),
            {"fields": ["kind", "service", "category", "default_organisation"]},
        ),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "imap_password":  # never echoed into the page's HTML
            field.widget = forms.PasswordInput(render_value=False)
            field.required = False
        return field

    def save_model(self, request, obj, form, change) -> None:
        # An empty password field means "unchanged": the form never shows the stored one.
        if change and not form.cleaned_data.get("imap_password"):
            obj.imap_password = Mailbox.objects.get(pk=obj.pk).imap_password
        super().save_model(request, obj, form, change)


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """What each e-mail became; read-only, it is a record."""

    list_display = ["received_at", "mailbox", "sender", "subject", "outcome", "ticket"]
    list_filter = ["outcome", "mailbox"]
    search_fields = ["message_id", "sender", "subject", "ticket__number"]
    date_hierarchy = "received_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AlertSource)
class AlertSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "enabled", "account", "service", "resolve_tickets"]
    list_filter = ["enabled"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["account"]


@admin.register(AlertGroup)
class AlertGroupAdmin(admin.ModelAdmin):
    list_display = ["group_key", "source", "ticket", "firing", "created_at", "updated_at"]
    list_filter = ["source", "firing"]
    search_fields = ["group_key", "ticket__number"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AlertGroup._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
