"""Report pages: the dashboard of any scope and period, the tickets behind each number,
reports kept with their notes, the yearly KPI, and the exports."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sladesk.desk.models import Ticket
from sladesk.people.models import Role
from sladesk.sla.versions import config_of, in_force

from . import charts, csvfile, figures, firstline, kpi, pdf, xlsx
from .forms import NotesForm, ScopeForm, YearForm, query
from .keeping import keep
from .models import ServiceReport
from .scope import Period, Scope, ScopeError, period_of, scope_of


def can_report(user: Any) -> bool:
    """Reports cover many teams and customers: team leads and managers read them."""
    return user.is_authenticated and (user.is_manager or user.role == Role.TEAM_LEAD)


def _require(request: HttpRequest) -> None:
    if not can_report(request.user):
        raise PermissionDenied(_("Reports are for team leads and service managers."))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = ScopeForm(request.GET or None)
    if not form.is_bound:
        form = ScopeForm({})
    if not form.is_valid():
        return render(
            request, "reports/dashboard.html", {"form": form, "nav": "reports"}, status=400
        )
    scope, period = form.scope_value, form.period_value
    data = figures.compute(scope, period)
    saved = ServiceReport.objects.filter(
        scope_kind=scope.kind, scope_code=scope.code, first=period.first, last=period.last
    ).first()
    context = {
        "form": form,
        "f": data,
        "q": urlencode(query(scope, period)),
        "saved": saved,
        "charts": all_charts(data),
        "exports": _exports(reverse("reports:export", args=["FMT"])),
        "nav": "reports",
    }
    return render(request, "reports/dashboard.html", context)


def all_charts(f: figures.Figures) -> list[str]:
    return [charts.volumes(f), charts.compliance(f), charts.trend(f), charts.ratings(f)]


def _exports(pattern: str) -> list[tuple[str, str]]:
    """(label, URL) of each download; `pattern` holds FMT where the format goes."""
    labels = (("pdf", "PDF"), ("xlsx", "Excel (XLSX)"), ("csv", _("Tickets (CSV)")))
    return [(label, pattern.replace("FMT", fmt)) for fmt, label in labels]


@login_required
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    """Keep the dashboard's figures as the report of that scope and period (or refresh them)."""
    _require(request)
    form = ScopeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
        return redirect("reports:dashboard")
    report = keep(form.scope_value, form.period_value, request.user)
    messages.success(request, _("Report kept: %s") % report)
    return redirect("reports:report", pk=report.pk)


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    _require(request)
    rows = ServiceReport.objects.select_related("generated_by")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "reports/list.html", {"page": page, "nav": "reports"})


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """A kept report: its figures as they were made, and its notes (editable)."""
    _require(request)
    kept = get_object_or_404(ServiceReport, pk=pk)
    form = NotesForm(request.POST or None, instance=kept)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Notes saved."))
        return redirect("reports:report", pk=pk)
    data = figures.from_json(kept.figures)
    context = {
        "report": kept,
        "f": data,
        "q": urlencode(query(kept.scope, kept.period)),
        "form": form,
        "charts": all_charts(data),
        "exports": _exports(reverse("reports:kept_export", args=[pk, "FMT"])),
        "nav": "reports",
    }
    return render(request, "reports/report.html", context, status=400 if form.errors else 200)


# -- downloads -----------------------------------------------------------------------------

PDF_BREACHES = 200  # the PDF lists the first of them; the XLSX has the whole list


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The dashboard's figures (live) as a file."""
    _require(request)
    form = ScopeForm(request.GET or {})
    if not form.is_valid():
        return HttpResponse(str(form.errors.as_text()), status=400, content_type="text/plain")
    return _download(figures.compute(form.scope_value, form.period_value), "", fmt)


@login_required
def kept_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A kept report, with its notes, as a file."""
    _require(request)
    kept = get_object_or_404(ServiceReport, pk=pk)
    return _download(figures.from_json(kept.figures), kept.notes, fmt)


def _download(f: figures.Figures, notes: str, fmt: str) -> HttpResponse:
    name = f"sladesk-{f.scope.kind}{'-' + f.scope.code if f.scope.code else ''}-{f.period.label}"
    name = name.replace(" ", "").replace("–", "_")
    if fmt == "pdf":
        short = dataclasses.replace(f, breaches=f.breaches[:PDF_BREACHES])
        body, kind = pdf.render(short, notes), "application/pdf"
    elif fmt == "xlsx":
        body = xlsx.render(f, notes)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "csv":
        body, kind, name = (
            csvfile.render_tickets(f).encode(),
            "text/csv; charset=utf-8",
            name + "-tickets",
        )
    else:
        raise Http404
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# -- the tickets behind a number ---------------------------------------------------------

DRILL_KEYS = ("priority", "metric", "outcome", "rating", "category", "state", "kind", "firstline")


@login_required
def tickets(request: HttpRequest) -> HttpResponse:
    """The tickets behind one number of a report: same scope and period, and its filters."""
    _require(request)
    params = request.GET
    try:
        scope = scope_of(params.get("scope", "all"), params.get("code", ""))
        period = period_of(params.get("first", ""), params.get("last", ""))
        found = drill(scope, period, params, timezone.now())
    except (ScopeError, ValueError) as error:
        return render(
            request, "reports/tickets.html", {"error": str(error), "nav": "reports"}, status=400
        )
    page = Paginator(found.select_related("organisation", "assignee"), 100).get_page(
        params.get("page")
    )
    filters = {k: params[k] for k in DRILL_KEYS if params.get(k)}
    back = reverse("reports:dashboard") + "?" + urlencode(query(scope, period))
    context = {
        "page": page,
        "scope": scope,
        "period": period,
        "filters": filters,
        "back": back,
        "nav": "reports",
    }
    return render(request, "reports/tickets.html", context)


def drill(scope: Scope, period: Period, params: Any, now: datetime) -> QuerySet[Ticket]:
    """Tickets of the report filtered as one of its numbers counts them."""
    if params.get("firstline"):  # the first-line figures count tickets resolved in the period
        if params["firstline"] not in firstline.KINDS:
            raise ValueError(_("Unknown first-line figure %s.") % params["firstline"])
        found = firstline.resolved_in(scope, period, params["firstline"])
        return found.order_by("resolved_at", "pk")
    found = figures.tickets_in(scope, period)
    metric, outcome = params.get("metric"), params.get("outcome")
    if metric or outcome:
        clocks = figures.clocks_of(scope, period)
        if metric:
            clocks = clocks.filter(metric=metric)
        if outcome:
            if outcome not in figures.OUTCOMES:
                raise ValueError(_("Unknown outcome %s.") % outcome)
            clocks = clocks.filter(figures.outcome_q(outcome, now))
        if params.get("priority"):
            clocks = clocks.filter(priority=params["priority"])
        found = found.filter(pk__in=clocks.values("ticket_id"))
    elif params.get("priority"):
        found = found.filter(priority=params["priority"])
    if params.get("rating"):
        found = found.filter(rating=int(params["rating"]))
    if params.get("category"):
        found = found.filter(category__name=params["category"])
    if params.get("kind"):
        found = found.filter(kind=params["kind"])
    state = params.get("state")
    if state == "resolved":
        found = found.filter(resolved_at__isnull=False)
    elif state == "open":
        found = found.filter(Q(resolved_at__isnull=True) & Q(closed_at__isnull=True))
    return found.order_by("created_at", "pk")


# -- the year ------------------------------------------------------------------------------


@login_required
def year(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = YearForm(request.GET or {})
    if not form.is_valid():
        return render(request, "reports/kpi.html", {"form": form, "nav": "reports"}, status=400)
    version = in_force()
    if version is None:
        raise Http404(_("No SLA configuration is stored."))
    scope = form.cleaned_data["the_scope"]
    result = kpi.compute(scope, form.cleaned_data["year"], config_of(version))
    context = {"form": form, "k": result, "version": version, "nav": "reports"}
    return render(request, "reports/kpi.html", context)
