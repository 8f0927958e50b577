"""The HTTP API (django-ninja) at /api/: docs at /api/docs, schema at /api/openapi.json."""

import logging
from importlib.metadata import version
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema, Status
from ninja.errors import ValidationError
from ninja.renderers import JSONRenderer

from sladesk.desk.api import router as desk_router

logger = logging.getLogger(__name__)

# Shown at the top of /api/docs. The 422 body is django-ninja's, named as in the request.
DESCRIPTION = """\
The HTTP API of sladesk, an SLA-driven IT service desk (guide: docs/api.md).

Authenticate with a personal token, `Authorization: Bearer sld_…` (`sladesk token create
USERNAME`, or in the admin), or from the browser with the desk's session and its CSRF token.

Errors are JSON. A request that does not validate gets **422** with a body naming each
field that is wrong: `{"detail": [{"type": "missing", "loc": ["body", "subject"], "msg":
"Field required"}]}` (`loc` is where the field is: path, query or body, then its name).
401: no or a bad token; 403: you may not do this; 404: no such ticket, or not one you may
see; 409: the ticket changed since the `revision` you sent (the body holds it as it is now).
"""


class UnicodeJSON(JSONRenderer):
    """Chinese text as UTF-8 ("报表"), not as escapes ("\\u62a5\\u8868")."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="sladesk",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    renderer=UnicodeJSON(),
)


api.add_router("/", desk_router)
api.add_router("/alerts", "sladesk.inbound.api.router")  # channels in: monitoring alerts
api.add_router("/kb", "sladesk.kb.api.router")  # knowledge articles and their feedback


# Views take their JSON body as one argument `payload` and their query filters as one
# argument `filters`; ninja puts that name in `loc`, where it means nothing to a client.
ARGUMENT_NAMES = {"body": "payload", "query": "filters"}


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """422, each field as the client named it: `["body", "subject"]`, not `["body",
    "payload", "subject"]`."""
    for error in exc.errors:
        loc = list(error["loc"])
        if len(loc) > 1 and ARGUMENT_NAMES.get(loc[0]) == loc[1]:
            error["loc"] = [loc[0], *loc[2:]]
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


class Health(Schema):
    status: Literal["ok", "error"]
    version: str
    database: Literal["ok", "unavailable"]


@api.get("/health", response={200: Health, 503: Health}, tags=["system"])
def health(request: HttpRequest):
    """Whether sladesk is up and its database answers; 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("health check: the database did not answer")
        return Status(
            503, Health(status="error", version=version("sladesk"), database="unavailable")
        )
    return Status(200, Health(status="ok", version=version("sladesk"), database="ok"))
