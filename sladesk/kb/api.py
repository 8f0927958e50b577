"""The knowledge base's REST API: articles, readers' feedback on them, and the search of
articles and resolved tickets.

Every endpoint finds the article among those the caller may read (`visible_to`): any other
number is 404, exactly like a number never given. Writes call `kb.actions`, which decide
who may do what; errors become HTTP as in the desk's API:

- actions.ActionError     -> 422, `{"detail": [{"loc": ["body", field], "msg": …}]}`
- actions.ConflictError   -> 409, `{"detail": …, "article": <its current state>}`
- PermissionDenied        -> 403 (registered in sladesk/api.py)

No `from __future__ import annotations` here: ninja reads the annotations at import.
"""

from datetime import date
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import paginate

from sladesk.desk.api import Error, FieldErrors, Instant, Page, Person, Ref
from sladesk.desk.models import Category, Service
from sladesk.people.models import Organisation, User
from sladesk.people.tokens import api_auth
from sladesk.search.query import MAX_LIMIT

from . import actions, finding
from .models import Article, Language, Visibility
from .models import Status as ArticleStatus
from .permissions import visible_to
from .rendering import render

router = Router(auth=api_auth(), tags=["knowledge base"])


# -- schemas ------------------------------------------------------------------------------


class ArticleOut(Schema):
    number: str = Field(examples=["KB-000123"])
    title: str = Field(examples=["报表系统提示“会话过期”怎么办"])
    body: str = Field(description="Markdown, as written.")
    html: str = Field(description="The body rendered and sanitised, as the pages show it.")
    language: Language
    visibility: Visibility
    organisations: list[Ref] = Field(
        description="A public article for these organisations only (empty: everyone). "
        "Shown to agents; empty for requesters."
    )
    status: ArticleStatus
    status_label: str = Field(examples=["已发布"])
    service: Ref | None
    category: Ref | None
    owner: Person
    review_at: date
    created_at: Instant
    updated_at: Instant
    revision: int = Field(description="Send it back with a change: an older revision is 409.")
    source_ticket: str | None = Field(
        description="The ticket it was made from (agents only).", examples=["INC-2026-000123"]
    )
    helpful: int = Field(description="Current votes: helpful.")
    not_helpful: int = Field(description="Current votes: not helpful.")

    @staticmethod
    def resolve_html(article: Article) -> str:
        return str(render(article.body))

    @staticmethod
    def resolve_status_label(article: Article) -> str:
        return article.get_status_display()

    @staticmethod
    def resolve_organisations(article: Article, context: dict[str, Any]) -> list[Organisation]:
        if not _agent(context):
            return []
        return list(article.organisations.all())

    @staticmethod
    def resolve_source_ticket(article: Article, context: dict[str, Any]) -> str | None:
        if not _agent(context) or article.source_ticket is None:
            return None
        return article.source_ticket.number


def _agent(context: dict[str, Any]) -> bool:
    request = context.get("request")
    user = getattr(request, "auth", None)
    return bool(user is not None and user.is_agent)


class ArticleConflict(Schema):
    detail: str = Field(examples=["Article KB-000123 was changed by someone else …"])
    article: ArticleOut


class ArticleFilters(Schema):
    status: ArticleStatus | None = None
    service: str | None = Field(None, description="A service code.")
    category: str | None = Field(None, description="A category code.")
    language: Language | None = None
    visibility: Visibility | None = None
    owner: str | None = Field(None, description="A username, or `me`.")
    q: str | None = Field(
        None,
        description="The number, or words: the articles the search finds (every word in "
        "the title or text; at most the best 100, listed in this list's order). For results "
        "ranked best first, use GET /kb/search.",
    )


class ArticleIn(Schema):
    title: str = Field(max_length=200, examples=["报表系统提示“会话过期”怎么办"])
    body: str = Field("", description="Markdown.", examples=["## 问题/现象\n\n…"])
    language: Language = Language.ZH_HANS
    visibility: Visibility = Visibility.INTERNAL
    organisations: list[str] = Field(
        [], description="Organisation codes, for a public article meant for some only."
    )
    service: str | None = Field(None, description="A service code.", examples=["erp"])
    category: str | None = Field(None, description="A category code.", examples=["software"])
    owner: str | None = Field(None, description="An agent's username; default: you.")
    review_at: date | None = Field(None, description="Default: in SLADESK_KB_REVIEW_DAYS days.")
    status: Literal["draft", "published"] = Field("draft", description="published: at once.")


class ArticlePatch(Schema):
    """Only the fields sent change; `null` clears a service or category."""

    revision: int | None = Field(
        None, description="The revision the change was made from; omit to change what is there."
    )
    title: str | None = Field(None, max_length=200)
    body: str | None = None
    language: Language | None = None
    visibility: Visibility | None = None
    organisations: list[str] | None = None
    service: str | None = None
    category: str | None = None
    owner: str | None = None
    review_at: date | None = None
    status: Literal["published", "retired"] | None = Field(
        None, description="Publish or retire (after the other changes)."
    )
    note: str = Field("", max_length=300, description="What changed, kept with the version.")


class FeedbackIn(Schema):
    helpful: bool
    comment: str = Field("", max_length=2000, description="Sent to the article's owner.")


class FeedbackOut(Schema):
    helpful: bool
    comment: str
    at: Instant
    helpful_votes: int = Field(description="The article's current helpful votes.")
    not_helpful_votes: int


class SearchFilters(Schema):
    q: str = Field(
        "",
        max_length=finding.MAX_QUERY,
        description="The words: every one must occur, in the title or the text.",
        examples=["报表 无法登录"],
    )
    kind: Literal["article", "ticket"] | None = Field(
        None, description="Only articles, or only resolved tickets (agents). Default: both."
    )
    service: str | None = Field(None, description="A service code.", examples=["erp"])
    limit: int = Field(20, ge=1, le=MAX_LIMIT)


Span = tuple[int, int]


class SearchHit(Schema):
    kind: Literal["article", "ticket"]
    number: str = Field(examples=["KB-000123"])
    title: str
    snippet: str = Field(description="Plain text around the first match.")
    in_title: bool = Field(description="Every word is in the title: these come first.")
    score: float = Field(description="The database's relevance (higher is better).")
    title_marks: list[Span] = Field(
        description="[start, end) character spans of the words found in `title`."
    )
    marks: list[Span] = Field(description="The same, in `snippet`.")
    status: str = Field(description="The article's or the ticket's status.")
    service: Ref | None
    url: str = Field(description="The page of the article or ticket, for this caller.")


# -- reading ------------------------------------------------------------------------------


@router.get("/articles", response=list[ArticleOut], summary="List knowledge articles")
@paginate(Page)
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]):
    """The articles you may read, most recently changed first."""
    user: User = request.auth
    articles = _with_details(visible_to(user))
    if filters.status:
        articles = articles.filter(status=filters.status)
    if filters.service:
        articles = articles.filter(service__code=filters.service)
    if filters.category:
        articles = articles.filter(category__code=filters.category)
    if filters.language:
        articles = articles.filter(language=filters.language)
    if filters.visibility:
        articles = articles.filter(visibility=filters.visibility)
    if filters.owner:
        owner = Q(owner=user) if filters.owner == "me" else Q(owner__username=filters.owner)
        articles = articles.filter(owner)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        found = finding.find(text, user=user, kinds=["article"], limit=MAX_LIMIT)
        articles = articles.filter(Q(number__iexact=text) | Q(pk__in=[f.article.pk for f in found]))
    return articles.order_by("-updated_at", "-pk")


@router.get(
    "/search",
    response={200: list[SearchHit], 403: Error, 422: FieldErrors},
    summary="Search articles and resolved tickets",
)
def search(request: HttpRequest, filters: Query[SearchFilters]):
    """What you may read that holds every word, best first: titles that hold them all, then
    by relevance. Requesters find published public articles of their scope, and no tickets;
    agents every article and the resolved or closed tickets they may open."""
    user: User = request.auth
    text = " ".join(filters.q.split())
    if not text:
        raise _field_error("q", _("Give the words to search for."), "missing", "query")
    if filters.kind == "ticket" and not user.is_agent:
        raise PermissionDenied(_("Only the support team searches tickets."))
    service = None
    if filters.service is not None:
        service = Service.objects.filter(code=filters.service).first()
        if service is None:
            raise _field_error("service", str(NOT_FOUND["service"]), "not_found", "query")
    kinds = [filters.kind] if filters.kind else ["article", "ticket"]
    found = finding.find(text, user=user, kinds=kinds, service=service, limit=filters.limit)
    return [_hit(item, user) for item in found]


def _hit(item: finding.Found, user: User) -> dict[str, Any]:
    if item.article is not None:
        subject, status = item.article, item.article.status
        page = "kb:article" if user.is_agent else "kb:faq_article"
    else:
        subject, status, page = item.ticket, item.ticket.status, "desk:ticket"
    return {
        "kind": item.kind,
        "number": item.number,
        "title": item.hit.title,
        "snippet": item.hit.snippet,
        "in_title": item.hit.in_title,
        "score": item.hit.score,
        "title_marks": list(item.hit.title_marks),
        "marks": list(item.hit.marks),
        "status": status,
        "service": subject.service,
        "url": reverse(page, args=[item.number]),
    }


@router.get("/articles/{number}", response={200: ArticleOut, 404: Error}, summary="Get an article")
def get_article(request: HttpRequest, number: str):
    return _details(_visible(request, number))


# -- writing ------------------------------------------------------------------------------

WRITE_ERRORS: dict[int, Any] = {403: Error, 404: Error, 409: ArticleConflict, 422: FieldErrors}


@router.post(
    "/articles",
    response={201: ArticleOut, 403: Error, 422: FieldErrors},
    summary="Write an article",
)
def create_article(request: HttpRequest, payload: ArticleIn):
    """A new article (agents), a draft unless `status` is `published`."""
    user: User = request.auth
    values = _resolve(payload, payload.model_fields_set | {"organisations"})
    try:
        with transaction.atomic():  # a published article, or none at all
            article = actions.create_article(
                actor=user,
                title=payload.title,
                body=payload.body,
                language=payload.language,
                visibility=payload.visibility,
                review_at=payload.review_at,
                **values,
            )
            if payload.status == ArticleStatus.PUBLISHED:
                article = actions.publish(article, actor=user)
    except actions.ActionError as error:
        raise _invalid(error, payload) from None
    return Status(201, _details(article))


@router.patch(
    "/articles/{number}", response={200: ArticleOut, **WRITE_ERRORS}, summary="Change an article"
)
def change_article(request: HttpRequest, number: str, payload: ArticlePatch):
    """Change the fields sent (agents); each change keeps the previous text as a version."""
    user: User = request.auth
    article = _visible(request, number)
    sent = payload.model_fields_set
    plain = ("title", "body", "language", "visibility", "review_at")
    for name in (*plain, "owner", "organisations"):
        if name in sent and getattr(payload, name) is None:
            raise _field_error(name, _("This field cannot be null."), "invalid")
    changes = {name: getattr(payload, name) for name in plain if name in sent}
    changes |= _resolve(payload, sent)
    try:
        with transaction.atomic():  # the changes and the publishing, or nothing
            article = actions.edit_article(
                article, actor=user, revision=payload.revision, note=payload.note, **changes
            )
            if payload.status is not None and payload.status != article.status:
                move = actions.publish if payload.status == "published" else actions.retire
                article = move(article, actor=user, note=payload.note)
    except actions.ConflictError as conflict:
        return Status(409, {"detail": str(conflict), "article": _details(conflict.article)})
    except actions.ActionError as error:
        raise _invalid(error, payload) from None
    return _details(article)


@router.post(
    "/articles/{number}/feedback",
    response={201: FeedbackOut, 403: Error, 404: Error, 422: FieldErrors},
    summary="Say whether an article helped",
)
def give_feedback(request: HttpRequest, number: str, payload: FeedbackIn):
    """Your vote, replacing your earlier one; a comment is sent to the article's owner."""
    article = _visible(request, number)
    try:
        feedback = actions.vote(
            article, user=request.auth, helpful=payload.helpful, comment=payload.comment
        )
    except actions.ActionError as error:
        raise _invalid(error, payload) from None
    votes = article.feedback.filter(current=True).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )
    return Status(
        201,
        {
            "helpful": feedback.helpful,
            "comment": feedback.comment,
            "at": feedback.at,
            "helpful_votes": votes["yes"],
            "not_helpful_votes": votes["no"],
        },
    )


# -- shared steps -------------------------------------------------------------------------


def _visible(request: HttpRequest, number: str) -> Article:
    """The article if the caller may read it; 404 alike for one they may not and for none."""
    article = visible_to(request.auth).filter(number=number).first()
    if article is None:
        raise Http404(_("No such article."))
    return article


def _with_details(articles: QuerySet[Article]) -> QuerySet[Article]:
    current = Q(feedback__current=True)
    return (
        articles.select_related("service", "category", "owner", "source_ticket")
        .prefetch_related("organisations")
        .annotate(
            helpful=Count("feedback", filter=current & Q(feedback__helpful=True)),
            not_helpful=Count("feedback", filter=current & Q(feedback__helpful=False)),
        )
    )


def _details(article: Article) -> Article:
    """The article as of now, with everything ArticleOut reads (a fixed number of queries)."""
    return _with_details(Article.objects.filter(pk=article.pk)).get()


def _resolve(payload: Schema, sent: set[str]) -> dict[str, Any]:
    """The objects the codes and usernames sent name; 422 naming the field for an unknown one."""
    out: dict[str, Any] = {}
    if "service" in sent:
        out["service"] = _find(Service.objects.all(), "service", payload.service)
    if "category" in sent:
        out["category"] = _find(Category.objects.all(), "category", payload.category)
    if "owner" in sent:
        out["owner"] = _find(User.objects.all(), "owner", payload.owner, "username")
    if "organisations" in sent:
        codes = list(dict.fromkeys(payload.organisations))
        found = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
        missing = [code for code in codes if code not in found]
        if missing:
            msg = str(NOT_FOUND["organisations"]) % {"codes": ", ".join(missing)}
            raise _field_error("organisations", msg, "not_found")
        out["organisations"] = [found[code] for code in codes]
    return out


def _find(objects: QuerySet, field: str, key: str | None, by: str = "code") -> Any:
    if key is None:
        return None
    found = objects.filter(**{by: key}).first()
    if found is None:
        raise _field_error(field, str(NOT_FOUND[field]), "not_found")
    return found


NOT_FOUND = {
    "service": gettext_lazy("There is no service with this code."),
    "category": gettext_lazy("There is no category with this code."),
    "owner": gettext_lazy("There is no person with this username."),
    "organisations": gettext_lazy("There is no organisation with the code %(codes)s."),
}


def _invalid(error: actions.ActionError, payload: Schema) -> ValidationError:
    """An action's refusal in ninja's 422 shape: `["body", field]` for a field of the
    request, `["article", field]` for the article's own state (e.g. already published)."""
    where = "body" if error.field in type(payload).model_fields else "article"
    return _field_error(error.field, error.message, "invalid", where)


def _field_error(field: str, msg: str, kind: str, where: str = "body") -> ValidationError:
    return ValidationError([{"type": kind, "loc": [where, field], "msg": msg}])
