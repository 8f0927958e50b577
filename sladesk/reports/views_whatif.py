"""The what-if page: service managers replay the history under a proposed SLA."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from . import whatif
from .forms_whatif import WhatIfForm


@login_required
def whatif_page(request: HttpRequest) -> HttpResponse:
    """GET: the form, prefilled; POST: the comparison (or the form with its errors, 400)."""
    if not request.user.is_manager:
        raise PermissionDenied(_("What-if is for service managers."))
    form = WhatIfForm(request.POST or None, request.FILES or None)
    report, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            report = whatif.run(form.config, form.selection())
        else:
            status = 400
    context = {
        "nav": "reports",
        "form": form,
        "report": report,
        "MET_TO_BREACHED": whatif.MET_TO_BREACHED,
    }
    return render(request, "reports/whatif.html", context, status=status)
