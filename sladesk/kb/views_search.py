"""Searching the knowledge base: the agents' search page and the ticket panel's article
finder, and the suggestions beside a requester's new request that may spare it (a
deflection). The requesters' search is the FAQ page's (views.faq).

What a person finds is decided by `finding`, with the same rules as every page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from sladesk.search.query import MAX_LIMIT

from . import actions, finding
from .forms import SearchForm
from .models import Status
from .permissions import faq_for
from .rendering import render as render_markdown
from .views import _ticket

RESULTS = 50  # on the search page: enough to choose from, few enough to read
PANEL_RESULTS = 8


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Articles and resolved tickets, titles first; requesters search the FAQ instead."""
    if not request.user.is_agent:
        text = request.GET.get("q", "")
        return redirect(reverse("kb:faq") + (f"?{urlencode({'q': text})}" if text else ""))
    form = SearchForm(request.GET or None)
    text = form.text
    results = []
    if text:
        results = finding.find(
            text,
            user=request.user,
            kinds=form.kinds,
            service=form.cleaned_data["service"],
            limit=RESULTS,
        )
    context = {
        "form": form,
        "text": text,
        "results": results,
        "tabs": _tabs(form),
        "more": len(results) == RESULTS,
        "today": timezone.localdate(),
        "nav": "kb",
    }
    return render(request, "kb/search.html", context, status=400 if form.errors else 200)


def _tabs(form: SearchForm) -> list[tuple[str, str, str, bool]]:
    """(value, label, query string, current) of each kind of result, the other fields kept."""
    data = form.data.copy() if form.is_bound else {}
    current = data.get("kind", "") if form.is_bound and form.is_valid() else ""
    tabs = []
    for value, label in form.fields["kind"].choices:
        query = {k: v for k, v in data.items() if k != "kind" and v}
        if value:
            query["kind"] = value
        tabs.append((value, str(label), urlencode(query), value == current))
    return tabs


@login_required
def panel_search(request: HttpRequest, number: str) -> HttpResponse:
    """Published articles for the ticket page's knowledge panel to link (htmx)."""
    ticket = _ticket(request, number)
    text = " ".join(request.GET.get("q", "").split())
    linked = set(ticket.solved_with.values_list("article_id", flat=True))
    found = []
    if text:
        # Drafts and retired articles are found too, and dropped: search beyond the few shown.
        everything = finding.find(text, user=request.user, kinds=["article"], limit=MAX_LIMIT)
        found = [
            f
            for f in everything
            if f.article.status == Status.PUBLISHED and f.article.pk not in linked
        ][:PANEL_RESULTS]
    context = {"ticket": ticket, "found": found, "text": text}
    return render(request, "kb/_panel_found.html", context)


# -- suggestions beside a new request ---------------------------------------------------


@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    """Up to five public articles for what the requester is typing (htmx, new request).

    The form sends `subject` and `description`; `q` is taken for the subject when given.
    Nothing found: an empty answer, and the panel stays hidden.
    """
    subject = request.GET.get("q") or request.GET.get("subject", "")
    description = request.GET.get("description", "")
    found = finding.suggest(subject, description, user=request.user)
    if not found:
        return HttpResponse("")
    context = {"found": found, "subject": finding.typed_subject(subject, description)}
    return render(request, "kb/_suggested.html", context)


@login_required
def suggestion(request: HttpRequest, number: str) -> HttpResponse:
    """A suggested article's text, opened in place beside the form; it counts a view."""
    article = get_object_or_404(faq_for(request.user), number=number)
    actions.record_view(article, user=request.user)
    context = {"a": article, "html": render_markdown(article.body)}
    return render(request, "kb/_suggestion_text.html", context)


@login_required
def solved(request: HttpRequest, number: str) -> HttpResponse:
    """POST: the suggested article solved the problem being typed — no request is filed,
    the deflection is counted. GET: the confirmation."""
    article = get_object_or_404(faq_for(request.user), number=number)
    if request.method == "POST":
        subject = finding.typed_subject(
            request.POST.get("subject", ""), request.POST.get("description", "")
        )
        # Typed nothing (the panel only offers articles for some text): the article's title.
        subject = subject or article.title
        actions.record_deflection(article=article, user=request.user, subject=subject)
        done = HttpResponseRedirect(reverse("kb:solved", args=[article.number]))
        done.status_code = 303
        return done
    return render(request, "kb/solved.html", {"a": article, "nav": "faq"})
