"""Knowledge base pages: the agents' articles (list, writing, history, review queue), the
panel on the ticket page, and the requesters' FAQ in the portal.

Views translate HTTP into calls of `kb.actions`: ActionError becomes an error on the form
field it names (400), ConflictError the current article with a conflict message (409).
An article the person may not read is a 404, the same as a number never given.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sladesk.desk.models import Ticket
from sladesk.desk.permissions import visible_tickets

from . import actions, finding
from .forms import ArticleForm, ChangeForm, FeedbackForm, LinkForm, ListFilterForm
from .models import Article, ArticleVersion, Feedback, Language, Status
from .panel import link_choices
from .permissions import faq_for, visible_to
from .rendering import render as render_markdown

PAGE_SIZE = 25
FAQ_RESULTS = 30  # a requester's search: the answer is among the first few or nowhere


# -- the agents' knowledge base -----------------------------------------------------------


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    """Every article, filtered, with the count of each status under the other filters."""
    if not request.user.is_agent:
        return redirect("kb:faq")
    form = ListFilterForm(request.GET or None)
    articles = Article.objects.select_related("service", "category", "owner")
    counts = dict(
        form.apply(articles, except_status=True)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    found = form.apply(articles).order_by("-updated_at", "-pk")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "counts": [(s.value, s.label, counts.get(s.value, 0)) for s in Status],
        "total": sum(counts.values()),
        "filtered": form.active,
        "today": timezone.localdate(),
        "nav": "kb",
    }
    return render(request, "kb/list.html", context)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    _require_agent(request)
    language = Language.EN if translation.get_language() == "en" else Language.ZH_HANS
    initial = {
        "owner": request.user,
        "review_at": actions.default_review_date(),
        "language": language,
    }
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            article = form.create(request.user)
        except actions.ActionError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Draft %(number)s saved.") % {"number": article.number})
            return redirect(article)
    status = 400 if form.errors else 200
    return render(request, "kb/form.html", {"form": form, "nav": "kb"}, status=status)


@login_required
def article(request: HttpRequest, number: str) -> HttpResponse:
    """The article with its settings, votes, comments, tickets and latest versions."""
    if not request.user.is_agent:
        # A requester who follows an agent's link reads the article in the portal.
        get_object_or_404(faq_for(request.user), number=number)
        return redirect("kb:faq_article", number=number)
    found = _article(request, number)
    return render(request, "kb/article.html", _article_context(request, found))


def _article_context(request: HttpRequest, found: Article) -> dict:
    user = request.user
    solved = found.solved.select_related("ticket").order_by("-linked_at")
    seeable = set(visible_tickets(user).filter(solved_with__article=found).values_list("pk"))
    return {
        "a": found,
        "html": render_markdown(found.body),
        "organisations": list(found.organisations.all()),
        "votes": _votes(found),
        "comments": found.feedback.exclude(comment="")
        .select_related("user__organisation")
        .order_by("-at")[:20],
        "mine": found.feedback.filter(user=user, current=True).first(),
        "feedback_form": FeedbackForm(),
        "solved": [s for s in solved if (s.ticket_id,) in seeable],
        "solved_count": solved.count(),
        "versions": found.versions.select_related("edited_by").order_by("-number")[:5],
        "today": timezone.localdate(),
        "nav": "kb",
    }


@login_required
def edit(request: HttpRequest, number: str) -> HttpResponse:
    found = _article(request, number)
    form = ArticleForm(request.POST or None, article=found)
    conflict = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = form.save(request.user)
            except actions.ConflictError as error:
                conflict, status = error, 409
                form = _after_conflict(request, error.article)
            except actions.ActionError as error:
                _add_error(form, error)
            else:
                if saved.revision == found.revision:
                    messages.info(request, _("Nothing was changed."))
                else:
                    messages.success(request, _("Saved as version %(n)s.") % {"n": saved.revision})
                return redirect(saved)
    context = {"form": form, "a": found, "conflict": conflict, "nav": "kb"}
    return render(request, "kb/form.html", context, status=status)


def _after_conflict(request: HttpRequest, current: Article) -> ArticleForm:
    """The person's text kept, now against the current revision: saving again overwrites."""
    data = request.POST.copy()
    data["revision"] = str(current.revision)
    form = ArticleForm(data, article=current)
    form.is_valid()
    return form


@login_required
def history(request: HttpRequest, number: str) -> HttpResponse:
    """Every version, newest first, with what it changed and the diff of its text."""
    found = _article(request, number)
    versions = list(found.versions.select_related("edited_by").order_by("number"))
    before = None
    for version in versions:
        version.text_diff = version.diff(before)
        before = version
    context = {"a": found, "versions": versions[::-1], "nav": "kb"}
    return render(request, "kb/history.html", context)


@login_required
def version(request: HttpRequest, number: str, version: int) -> HttpResponse:
    """One version as it read then, and its diff against the version before."""
    found = _article(request, number)
    shown = get_object_or_404(ArticleVersion.objects.select_related("edited_by"), article=found,
                              number=version)  # fmt: skip
    before = found.versions.filter(number=version - 1).first()
    context = {
        "a": found,
        "v": shown,
        "html": render_markdown(shown.body),
        "diff": shown.diff(before),
        "nav": "kb",
    }
    return render(request, "kb/version.html", context)


CHANGES = {
    "publish": (actions.publish, _("The article is published.")),
    "retire": (actions.retire, _("The article is retired.")),
    "reviewed": (actions.mark_reviewed, _("Marked as reviewed; the next review is set.")),
}


@login_required
@require_POST
def change(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Publish, retire or mark reviewed, from the revision the page showed."""
    if action not in CHANGES:
        raise Http404
    found = _article(request, number)
    form = ChangeForm(request.POST)
    form.is_valid()
    act, done = CHANGES[action]
    try:
        act(
            found,
            actor=request.user,
            revision=form.cleaned_data.get("revision"),
            note=form.cleaned_data.get("note") or "",
        )
    except actions.ConflictError as conflict:
        messages.error(request, str(conflict) + " " + _("Check it and try again."))
    except actions.ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return _back(request, found.get_absolute_url())


@login_required
@require_POST
def feedback(request: HttpRequest, number: str) -> HttpResponse:
    """An agent's vote on an article (requesters vote on the FAQ page)."""
    found = _article(request, number)
    _vote(request, found)
    return redirect(found)


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The text being written, rendered as readers will see it (htmx, on the form)."""
    _require_agent(request)
    return HttpResponse(render_markdown(request.POST.get("body", "")))


# -- the owner's review queue -------------------------------------------------------------


@login_required
def review(request: HttpRequest) -> HttpResponse:
    """My articles due for review, and the comments on my articles I have not read."""
    _require_agent(request)
    today = timezone.localdate()
    due = (
        Article.objects.filter(owner=request.user, review_at__lte=today)
        .exclude(status=Status.RETIRED)
        .select_related("service")
        .order_by("review_at", "pk")
    )
    unseen = (
        Feedback.objects.filter(article__owner=request.user, seen_at__isnull=True)
        .select_related("article", "user__organisation")
        .order_by("-at")
    )
    context = {"due": due, "unseen": unseen, "today": today, "nav": "kb"}
    return render(request, "kb/review.html", context)


@login_required
@require_POST
def seen(request: HttpRequest) -> HttpResponse:
    """The owner read one comment (`feedback`), or all of them."""
    _require_agent(request)
    chosen = request.POST.get("feedback", "")
    ids = [int(chosen)] if chosen.isdigit() else None
    actions.mark_feedback_seen(user=request.user, feedback=ids)
    return redirect("kb:review")


# -- from the ticket page -----------------------------------------------------------------


@login_required
@require_POST
def from_ticket(request: HttpRequest, number: str) -> HttpResponse:
    """One click on a resolved ticket: a draft article made of it, opened for editing."""
    ticket = _ticket(request, number)
    try:
        created = actions.create_from_ticket(ticket, actor=request.user)
    except actions.ActionError as error:
        messages.error(request, error.message)
        return _to_panel(ticket)
    messages.success(
        request,
        _("Draft %(number)s was made from %(ticket)s: edit it, then publish it.")
        % {"number": created.number, "ticket": ticket.number},
    )
    return redirect("kb:edit", number=created.number)


@login_required
@require_POST
def link(request: HttpRequest, number: str) -> HttpResponse:
    """The ticket was solved with these articles."""
    ticket = _ticket(request, number)
    form = LinkForm(request.POST, choices=link_choices(ticket))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _to_panel(ticket)
    try:
        made = actions.link_solved_with(
            ticket, articles=form.cleaned_data["articles"], actor=request.user
        )
    except actions.ActionError as error:
        messages.error(request, error.message)
    else:
        if made:
            numbers = ", ".join(s.article.number for s in made)
            messages.success(request, _("Solved with %(numbers)s.") % {"numbers": numbers})
        else:
            messages.info(request, _("The ticket was already linked to that article."))
    return _to_panel(ticket)


@login_required
@require_POST
def unlink(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    found = get_object_or_404(Article, number=request.POST.get("article", ""))
    if actions.unlink_solved_with(ticket, article=found, actor=request.user):
        messages.success(request, _("The link to %(number)s was removed.") % {"number": found})
    return _to_panel(ticket)


# -- the requesters' FAQ ------------------------------------------------------------------


@dataclass
class Group:
    """The FAQ's articles of one service (None: not about one service), by category."""

    service: object
    categories: list[tuple[object, list[Article]]]


@login_required
def faq(request: HttpRequest) -> HttpResponse:
    """Published articles for the reader, by service then category, their language first;
    with `q`, those of them that match it, best first."""
    text = " ".join(request.GET.get("q", "").split())[: finding.MAX_QUERY]
    if text:
        found = finding.find(text, user=request.user, kinds=["article"], limit=FAQ_RESULTS)
        context = {"text": text, "found": found, "nav": "faq"}
        return render(request, "kb/faq.html", context)
    language = translation.get_language() or ""
    articles = faq_for(request.user).select_related("service", "category")
    groups = group_for_faq(list(articles), "en" if language.startswith("en") else "zh-hans")
    return render(request, "kb/faq.html", {"groups": groups, "nav": "faq"})


def group_for_faq(articles: list[Article], language: str) -> list[Group]:
    """Services by name (articles of no service last); categories likewise; in each, the
    articles in the reader's language first, then by title."""

    def named(obj: object) -> tuple[bool, str]:
        return (obj is None, "" if obj is None else str(obj))

    articles.sort(
        key=lambda a: (
            named(a.service),
            named(a.category),
            a.language != language,
            a.title,
        )
    )
    groups: list[Group] = []
    for a in articles:
        if not groups or groups[-1].service != a.service:
            groups.append(Group(a.service, []))
        categories = groups[-1].categories
        if not categories or categories[-1][0] != a.category:
            categories.append((a.category, []))
        categories[-1][1].append(a)
    return groups


@login_required
def faq_article(request: HttpRequest, number: str) -> HttpResponse:
    """One FAQ article; reading it counts a view, and the reader may say if it helped."""
    found = get_object_or_404(
        faq_for(request.user).select_related("service", "category"), number=number
    )
    status = 200
    if request.method == "POST":
        if _vote(request, found):
            return redirect("kb:faq_article", number=number)
        status = 400
    else:
        actions.record_view(found, user=request.user)
    context = {
        "a": found,
        "html": render_markdown(found.body),
        "mine": found.feedback.filter(user=request.user, current=True).first(),
        "feedback_form": FeedbackForm(),
        "nav": "faq",
    }
    return render(request, "kb/faq_article.html", context, status=status)


# -- helpers ------------------------------------------------------------------------------


def _require_agent(request: HttpRequest) -> None:
    if not request.user.is_agent:
        raise PermissionDenied(_("The knowledge base is for the support team."))


def _article(request: HttpRequest, number: str) -> Article:
    """An article for the agents' pages; anyone else gets the 404 of a missing one."""
    if not request.user.is_agent:
        raise Http404
    articles = visible_to(request.user).select_related(
        "service", "category", "owner", "source_ticket"
    )
    return get_object_or_404(articles, number=number)


def _ticket(request: HttpRequest, number: str) -> Ticket:
    _require_agent(request)
    return get_object_or_404(visible_tickets(request.user), number=number)


def _votes(found: Article) -> dict[str, int]:
    """The current votes: how many found it helpful, how many not."""
    current = found.feedback.filter(current=True)
    return current.aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )


def _vote(request: HttpRequest, found: Article) -> bool:
    """Record the vote posted; a message says how it went."""
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether the article helped: yes or no."))
        return False
    actions.vote(
        found,
        user=request.user,
        helpful=form.cleaned_data["helpful"],
        comment=form.cleaned_data["comment"],
    )
    if form.cleaned_data["comment"].strip():
        messages.success(request, _("Thank you: your comment was sent to the article's owner."))
    else:
        messages.success(request, _("Thank you for your feedback."))
    return True


def _add_error(form: ArticleForm, error: actions.ActionError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _to_panel(ticket: Ticket) -> HttpResponse:
    done = HttpResponseRedirect(reverse("desk:ticket", args=[ticket.number]) + "#kb")
    done.status_code = 303
    return done


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    """To the page the button was on when it is one of ours (the review queue), else the
    article."""
    target = request.POST.get("next", "")
    return redirect(target if target == reverse("kb:review") else fallback)
