"""The OpenAPI document describes every endpoint, how to authenticate, and examples."""

import pytest


@pytest.fixture
def schema(client):
    return client.get("/api/openapi.json").json()


def test_the_document_lists_every_endpoint(schema):
    operations = {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}
    ticket = "/api/tickets/{number}"
    writes = ["replies", "notes", "status", "priority", "escalate", "assign", "resolve"]
    writes += ["confirm", "reject", "reopen", "rating"]
    assert operations >= {
        ("GET", "/api/tickets"),
        ("POST", "/api/tickets"),
        ("GET", ticket),
        ("GET", f"{ticket}/events"),
        ("GET", f"{ticket}/sla"),
        ("GET", "/api/services"),
        ("GET", "/api/categories"),
        *{("POST", f"{ticket}/{w}") for w in writes},
    }


def test_every_desk_endpoint_needs_a_token_or_the_session(schema):
    assert schema["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
    }
    for path, ops in schema["paths"].items():
        for operation in ops.values():
            if path != "/api/health":
                assert operation["security"] == [{"BearerToken": []}, {"SessionAuth": []}]
                assert operation["tags"] and operation["summary"]


def test_writes_document_their_errors_and_inputs_have_examples(schema):
    reply = schema["paths"]["/api/tickets/{number}/replies"]["post"]
    assert set(reply["responses"]) == {"200", "403", "404", "409", "422"}
    ticket_in = schema["components"]["schemas"]["TicketIn"]["properties"]
    assert ticket_in["subject"]["examples"] == ["报表系统无法登录"]
    assert ticket_in["impact"] == {
        "allOf": [{"$ref": "#/components/schemas/Level"}],
        "default": "medium",
    }


def test_the_interactive_docs_load(client):
    assert client.get("/api/docs").status_code == 200
