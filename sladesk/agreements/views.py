"""Agreement pages: the list, an agreement with its versions, reviews and objections, and
the forms that amend, object, review and sign through `lifecycle`.

Who sees what: service managers and administrators read and change every agreement; team
leads read every agreement; requesters read the signed agreements of their own
organisation (it is their contract too); agents see none (their work is the queue)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sladesk.people.models import Role

from . import lifecycle
from .dates import AgreementError
from .forms import AmendForm, ObjectionForm, ReviewForm, SignForm, today_initial
from .models import Agreement, AgreementVersion, Status


def can_manage(user: Any) -> bool:
    return user.is_authenticated and user.is_manager


def readable(user: Any) -> QuerySet[Agreement]:
    """The agreements `user` may read."""
    everything = Agreement.objects.select_related("provider", "customer", "sla_version")
    if user.is_manager or user.role == Role.TEAM_LEAD:
        return everything
    if user.role == Role.REQUESTER and user.organisation_id is not None:
        return everything.filter(customer_id=user.organisation_id).exclude(status=Status.DRAFT)
    return everything.none()


def _may_list(user: Any) -> bool:
    return user.is_manager or user.role in (Role.TEAM_LEAD, Role.REQUESTER)


def _agreement(request: HttpRequest, number: str) -> Agreement:
    if not _may_list(request.user):
        raise PermissionDenied(_("Agreements are for service managers, team leads and customers."))
    return get_object_or_404(readable(request.user), number=number)


def _managed(request: HttpRequest, number: str) -> Agreement:
    if not can_manage(request.user):
        raise PermissionDenied(_("Only service managers change agreements."))
    return get_object_or_404(Agreement.objects.select_related("sla_version"), number=number)


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    if not _may_list(request.user):
        raise PermissionDenied(_("Agreements are for service managers, team leads and customers."))
    today = timezone.localdate()
    rows = list(readable(request.user).order_by("status", "expires_on"))
    for a in rows:
        a.shown_status = a.current_status(today)
    context = {"agreements": rows, "today": today, "manage": can_manage(request.user)}
    return render(request, "agreements/list.html", context | {"nav": "agreements"})


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    agreement = _agreement(request, number)
    today = timezone.localdate()
    manage = can_manage(request.user)
    context = {
        "a": agreement,
        "status": agreement.current_status(today),
        "today": today,
        "manage": manage,
        "calendar": agreement.calendar_id(),
        "services": agreement.services.all(),
        "contacts": agreement.contacts.select_related("user"),
        "versions": agreement.versions.select_related("created_by"),
        "reviews": agreement.reviews.select_related("recorded_by").order_by("-due_on", "-held_on"),
        "next_review": agreement.reviews.filter(held_on=None).exclude(due_on=None).first(),
        "objection": agreement.objections.filter(expires_on=agreement.expires_on).first(),
        "events": agreement.events.exclude(kind="reminded").select_related("by")[:50],
        "sla_admin": reverse("admin:sla_slaversion_change", args=[agreement.sla_version_id]),
        "nav": "agreements",
    }
    if manage and agreement.in_force:
        context["earliest"] = _earliest(agreement, today)
    return render(request, "agreements/detail.html", context)


def _earliest(agreement: Agreement, notice: date) -> date | None:
    try:
        return lifecycle.earliest_effective(agreement, notice)
    except AgreementError:
        return None  # a calendar the SLA version lacks: the page says so through the form


@login_required
def version(request: HttpRequest, number: str, version: int) -> HttpResponse:
    agreement = _agreement(request, number)
    found = get_object_or_404(AgreementVersion, agreement=agreement, number=version)
    context = {"a": agreement, "v": found, "diff": found.diff(), "nav": "agreements"}
    return render(request, "agreements/version.html", context)


@login_required
def earliest(request: HttpRequest, number: str) -> HttpResponse:
    """The earliest effective date for a notice day (the amend form asks as you type)."""
    agreement = _managed(request, number)
    try:
        notice = date.fromisoformat(request.GET.get("notice_given_on", ""))
        day = lifecycle.earliest_effective(agreement, notice)
    except (ValueError, AgreementError):
        return HttpResponse("—")
    return HttpResponse(day.isoformat())


# -- the forms -------------------------------------------------------------------------------


@login_required
def amend(request: HttpRequest, number: str) -> HttpResponse:
    agreement = _managed(request, number)
    today = timezone.localdate()
    latest = agreement.versions.order_by("-number").first()
    snapshot = latest.snapshot if latest else agreement.snapshot()
    form = AmendForm(request.POST or None, snapshot=snapshot, today=today)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _act(
            form,
            lambda: lifecycle.amend(
                agreement,
                changes=form.changes(),
                notice_given_on=data["notice_given_on"],
                effective_on=data["effective_on"],
                reason=data["reason"],
                by=request.user,
                today=today,
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Version %(number)s recorded, effective on %(date)s.")
                % {"number": done.number, "date": done.effective_on.isoformat()},
            )
            return redirect(agreement)
    notice = form.cleaned_data.get("notice_given_on") if form.is_bound and form.is_valid() else None
    context = {
        "a": agreement,
        "form": form,
        "earliest": _earliest(agreement, notice or today),
        "notice": notice or today,
        "nav": "agreements",
    }
    return render(request, "agreements/amend.html", context, status=400 if form.errors else 200)


@login_required
def objection(request: HttpRequest, number: str) -> HttpResponse:
    agreement = _managed(request, number)
    today = timezone.localdate()
    form = ObjectionForm(request.POST or None, initial={"recorded_on": today, "party": "customer"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _act(
            form,
            lambda: lifecycle.record_objection(
                agreement,
                party=data["party"],
                recorded_on=data["recorded_on"],
                note=data["note"],
                by=request.user,
                today=today,
            ),
        )
        if done is not None:
            messages.success(request, _("Objection recorded: the agreement will not renew."))
            return redirect(agreement)
    title = _("Record an objection to renewal")
    return _form_page(request, agreement, form, title, "objection")


@login_required
def review(request: HttpRequest, number: str) -> HttpResponse:
    agreement = _managed(request, number)
    today = timezone.localdate()
    form = ReviewForm(request.POST or None, initial={"held_on": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _act(
            form,
            lambda: lifecycle.record_review(
                agreement,
                held_on=data["held_on"],
                notes=data["notes"],
                actions=data["actions"],
                by=request.user,
                today=today,
            ),
        )
        if done is not None:
            messages.success(request, _("Review recorded."))
            return redirect(agreement)
    return _form_page(request, agreement, form, _("Record a review"), "review")


@login_required
def sign(request: HttpRequest, number: str) -> HttpResponse:
    agreement = _managed(request, number)
    today = timezone.localdate()
    form = SignForm(request.POST) if request.method == "POST" else None
    form = form or today_initial(SignForm, "signed_on", today)
    if request.method == "POST" and form.is_valid():
        done = _act(
            form,
            lambda: lifecycle.sign(
                agreement, signed_on=form.cleaned_data["signed_on"], by=request.user, today=today
            ),
        )
        if done is not None:
            messages.success(request, _("Signed: the agreement is in force as version 1."))
            return redirect(agreement)
    return _form_page(request, agreement, form, _("Sign the agreement"), "sign")


def _act(form: forms.Form, call: Any) -> Any:
    """Run a lifecycle call; its error becomes an error on the field it names."""
    try:
        return call()
    except AgreementError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return None


def _form_page(
    request: HttpRequest, agreement: Agreement, form: forms.Form, title: str, name: str
) -> HttpResponse:
    context = {"a": agreement, "form": form, "title": title, "name": name, "nav": "agreements"}
    return render(request, "agreements/form.html", context, status=400 if form.errors else 200)
