from importlib.metadata import version

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """What sladesk is, where its API and admin are, and how to run the SLA engine."""
    return render(request, "front/home.html", {"version": version("sladesk")})
