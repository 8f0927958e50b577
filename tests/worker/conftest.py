"""The desk of tests/desk, for the tests with workers on it."""

from tests.desk.conftest import desk  # noqa: F401 - a fixture, used by name
