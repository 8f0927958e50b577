"""The HTTP API: health, docs and schema."""

from importlib.metadata import version
from unittest import mock

import pytest
from django.db import OperationalError, connections


@pytest.mark.django_db
def test_health_says_ok_when_the_database_answers(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": version("sladesk"), "database": "ok"}


def test_health_is_503_with_a_json_body_when_the_database_does_not_answer(client):
    refused = OperationalError("connection refused")
    with mock.patch.object(connections["default"], "cursor", side_effect=refused):
        response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "error"


def test_api_docs_load_their_scripts_from_our_static_files_not_a_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page


def test_openapi_schema_names_the_api_and_its_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "sladesk"
    assert schema["info"]["version"] == "1"
    assert "/api/health" in schema["paths"]
    assert "422" in schema["info"]["description"]
