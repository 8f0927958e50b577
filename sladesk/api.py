"""The HTTP API (django-ninja) at /api/: docs at /api/docs, schema at /api/openapi.json."""

import logging
from importlib.metadata import version
from typing import Literal

from django.db import DatabaseError, connection
from django.http import HttpRequest
from ninja import NinjaAPI, Schema, Status

logger = logging.getLogger(__name__)

# Shown at the top of /api/docs. The 422 body is django-ninja's default, kept as it is.
DESCRIPTION = """\
The HTTP API of sladesk, an SLA-driven IT service desk.

Errors are JSON. A request that does not validate gets **422** with a body naming each
field that is wrong: `{"detail": [{"type": "missing", "loc": ["body", "payload",
"title"], "msg": "Field required"}]}` (`loc` is where the field is: path, query or body,
then its name).
"""

api = NinjaAPI(
    title="sladesk",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


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
