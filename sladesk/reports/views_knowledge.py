"""The knowledge page for team leads: first-contact resolution, escalations to second line,
deflections and article use, per team, for any scope and period."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import firstline
from .forms import ScopeForm, query
from .views import _require


@login_required
def knowledge(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = ScopeForm(request.GET or {})
    if not form.is_valid():
        context = {"form": form, "nav": "reports"}
        return render(request, "reports/knowledge.html", context, status=400)
    scope, period = form.scope_value, form.period_value
    context = {
        "form": form,
        "scope": scope,
        "period": period,
        "f": firstline.compute(scope, period),
        "q": urlencode(query(scope, period)),
        "nav": "reports",
    }
    return render(request, "reports/knowledge.html", context)
