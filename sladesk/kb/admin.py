"""Articles are written on the knowledge base's pages (so that every change is a version);
the admin reads them, their versions, their feedback and the deflections."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Article, ArticleVersion, Deflection, Feedback


class VersionInline(admin.TabularInline):
    model = ArticleVersion
    fields = ["number", "kind", "edited_at", "edited_by", "title", "note", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "status", "visibility", "language", "service", "owner",
                    "review_at"]  # fmt: skip
    list_filter = ["status", "visibility", "language", "service", "category"]
    search_fields = ["number", "title"]
    date_hierarchy = "updated_at"
    inlines = [VersionInline]

    def get_readonly_fields(self, request, obj=None):
        return ["page", *(f.name for f in Article._meta.fields), "organisations"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its versions are history, like a ticket's

    @admin.display(description=_("edit on the knowledge base's page"))
    def page(self, article: Article) -> str:
        return format_html('<a href="{}">{}</a>', article.get_absolute_url(), article.number)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["article", "user", "helpful", "comment", "current", "at", "seen_at"]
    list_filter = ["helpful", "current"]
    search_fields = ["article__number", "article__title", "comment", "user__username"]
    list_select_related = ["article", "user"]
    readonly_fields = ["article", "user", "helpful", "comment", "at", "current"]
    fields = [*readonly_fields, "seen_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Deflection)
class DeflectionAdmin(admin.ModelAdmin):
    list_display = ["at", "article", "user", "organisation", "subject"]
    list_filter = ["organisation"]
    search_fields = ["article__number", "subject"]
    date_hierarchy = "at"
    list_select_related = ["article", "user", "organisation"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Deflection._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
