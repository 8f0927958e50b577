"""The knowledge base's forms: each parses what a person typed and hands it to an action.

As on the desk, forms check only the shape of the input; whether a title may be empty or a
private article may name organisations is decided by `kb.actions`, whose ActionError the
view shows on the field it names.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sladesk.desk.models import Category, Service
from sladesk.people.models import STAFF_ROLES, Organisation, User

from . import actions
from .models import Article, Language, Status, Visibility

MARKDOWN_HELP = _(
    "Markdown: ## headings, **bold**, lists, `code`, [links](https://…), tables. "
    "HTML is shown as text, never run."
)


def agents(current: User | None = None) -> QuerySet[User]:
    """Who may own an article: active agents (and the current owner, whoever they are)."""
    chosen = Q(role__in=STAFF_ROLES, is_active=True)
    if current is not None:
        chosen |= Q(pk=current.pk)
    return User.objects.filter(chosen).order_by("username")


def services(current: Service | None = None) -> QuerySet[Service]:
    chosen = Q(active=True) | Q(pk=current.pk) if current is not None else Q(active=True)
    return Service.objects.filter(chosen).order_by("name")


class ArticleForm(forms.Form):
    """A new article, or a change of one (then with the revision it was read at)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"required": True, "autocomplete": "off"}),
    )
    body = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=MARKDOWN_HELP,
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    visibility = forms.ChoiceField(
        label=_("Who reads it"),
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        initial=Visibility.INTERNAL,
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Only for these organisations"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("A public article for some organisations only; none chosen: for everyone."),
    )
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.none(), required=False, empty_label="—"
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label="—",
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        help_text=_("Reviews the article and reads its feedback."),
    )
    review_at = forms.DateField(
        label=_("Review by"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_("Kept with the version, for whoever reads the history."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, article: Article | None = None, **kwargs: Any) -> None:
        self.article = article
        if article is not None and not kwargs.get("initial"):
            kwargs["initial"] = initial_of(article)
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["service"].queryset = services(article.service if article else None)
        self.fields["owner"].queryset = agents(article.owner if article else None)
        if article is None:
            del self.fields["note"]

    def create(self, actor: User) -> Article:
        return actions.create_article(actor=actor, **self._values())

    def save(self, actor: User) -> Article:
        assert self.article is not None  # noqa: S101 - the edit page always passes one
        data = self.cleaned_data
        return actions.edit_article(
            self.article,
            actor=actor,
            revision=data["revision"],
            note=data.get("note", ""),
            **self._values(),
        )

    def _values(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("title", "body", "language", "visibility", "organisations", "service")
        return {name: data[name] for name in names} | {
            "category": data["category"],
            "owner": data["owner"],
            "review_at": data["review_at"],
        }


def initial_of(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "body": article.body,
        "language": article.language,
        "visibility": article.visibility,
        "organisations": list(article.organisations.all()),
        "service": article.service,
        "category": article.category,
        "owner": article.owner,
        "review_at": article.review_at,
        "revision": article.revision,
    }


class ListFilterForm(forms.Form):
    """The filters of the agents' article list; one that does not validate is left out."""

    q = forms.CharField(label=_("Number or title"), required=False)
    status = forms.ChoiceField(
        label=pgettext_lazy("article", "Status"),
        choices=[("", _("All")), *Status.choices],
        required=False,
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
        to_field_name="code",
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
        to_field_name="code",
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("All")), *Language.choices], required=False
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=[("", _("All")), *Visibility.choices], required=False
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("All"),
        to_field_name="username",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["owner"].queryset = agents()

    def apply(self, articles: QuerySet[Article], *, except_status: bool = False) -> QuerySet:
        """`articles` narrowed to the valid filters (all but status, for the status counts)."""
        if not self.is_bound or not self.is_valid():
            return articles
        data = self.cleaned_data
        if data["q"].strip():
            q = data["q"].strip()
            articles = articles.filter(Q(number__iexact=q) | Q(title__icontains=q))
        for name in ("service", "category", "owner"):
            if data[name] is not None:
                articles = articles.filter(**{name: data[name]})
        for name in ("language", "visibility") + (() if except_status else ("status",)):
            if data[name]:
                articles = articles.filter(**{name: data[name]})
        return articles

    @property
    def active(self) -> bool:
        return self.is_bound and self.is_valid() and any(self.cleaned_data.values())


class SearchForm(forms.Form):
    """The agents' search: words, which kind of result, optionally one service."""

    q = forms.CharField(
        label=_("Search"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": _("e.g. 报表 无法登录")}
        ),
    )
    kind = forms.ChoiceField(
        label=_("Show"),
        choices=[("", _("All")), ("article", _("Articles")), ("ticket", _("Resolved tickets"))],
        required=False,
    )
    service = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Service.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
        to_field_name="code",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)

    @property
    def text(self) -> str:
        """The words to search; empty when there are none or the form is not valid."""
        if not self.is_bound or not self.is_valid():
            return ""
        return " ".join(self.cleaned_data["q"].split())

    @property
    def kinds(self) -> tuple[str, ...]:
        chosen = self.cleaned_data.get("kind") if self.is_valid() else ""
        return (chosen,) if chosen else ("article", "ticket")


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Was this helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was missing or wrong? The article's owner reads it."),
    )


class ChangeForm(forms.Form):
    """Publish, retire or mark reviewed: the revision the page showed, and a note."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(max_length=300, required=False)


NUMBER = re.compile(r"KB-(\d+)", re.IGNORECASE)


class LinkForm(forms.Form):
    """Articles a ticket was solved with: chosen from a list, or typed as numbers."""

    article = forms.ModelChoiceField(
        label=_("Published article"), queryset=Article.objects.none(), required=False
    )
    numbers = forms.CharField(
        label=_("Or article numbers"),
        required=False,
        help_text=_("e.g. KB-000012, KB-000034"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, choices: QuerySet[Article], **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["article"].queryset = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # "kb-12" is KB-000012: numbers as people type them
        typed = [f"KB-{int(n):06d}" for n in NUMBER.findall(data.get("numbers") or "")]
        if (data.get("numbers") or "").strip() and not typed:
            self.add_error("numbers", _("Give article numbers such as KB-000012."))
            return data
        found = {a.number: a for a in Article.objects.filter(number__in=typed)}
        missing = [n for n in typed if n not in found]
        if missing:
            self.add_error("numbers", _("No such article: %s.") % ", ".join(missing))
        chosen = [found[n] for n in typed if n in found]
        if data.get("article") is not None:
            chosen.insert(0, data["article"])
        data["articles"] = chosen
        return data
