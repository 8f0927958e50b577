"""Who is calling the API: a personal token (`Authorization: Bearer sld_…`) or the session.

Scripts and integrations send a token (see ApiToken); the browser, already logged in to
the desk, may call the same API with its session cookie, and then every write carries
the CSRF token as a form post would.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from .models import ApiToken, User


class BearerToken(HttpBearer):
    """A personal API token. A token that is sent but wrong is refused outright (401): the
    request never falls back to a session it may also carry."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = ApiToken.objects.get_for_secret(token.strip())
        if found is None:
            raise AuthenticationError()
        found.touch(timezone.now())
        return found.user


class SessionAuth(NinjaSessionAuth):
    """The Django session of a logged-in person, with ninja's CSRF check on writes.

    Without a logged-in session it answers nothing at all, so an anonymous request gets
    401 (not authenticated) rather than 403 (CSRF) from the check.
    """

    def __call__(self, request: HttpRequest) -> User | None:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


def api_auth() -> list:
    """The authentication of every desk endpoint: a token first, else the session."""
    return [BearerToken(), SessionAuth()]
