"""Logging in and out, and a person's own settings (language, time zone)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .forms import ProfileForm


class LoginView(auth.LoginView):
    template_name = "people/login.html"
    redirect_authenticated_user = True


class LogoutView(auth.LogoutView):
    next_page = "front:home"


class PasswordChangeView(auth.PasswordChangeView):
    template_name = "people/password.html"
    success_url = reverse_lazy("people:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your settings were saved."))
        return redirect("people:profile")
    return render(request, "people/profile.html", {"form": form})


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language switcher: a logged-in person's choice is kept in their settings too."""
    chosen = request.POST.get("language", "")
    if request.user.is_authenticated and chosen in dict(settings.LANGUAGES):
        request.user.language = chosen
        request.user.save(update_fields=["language"])
    return set_language(request)
