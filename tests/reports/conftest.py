"""The desk of tests/desk, for the report tests."""

from tests.desk.conftest import desk  # noqa: F401 - a fixture, used by name
