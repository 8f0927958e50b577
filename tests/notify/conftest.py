"""The desk of tests/desk and a local HTTP receiver, for the notification tests."""

from tests.desk.conftest import desk  # noqa: F401 - a fixture, used by name
from tests.notify.receivers import receiver  # noqa: F401 - a fixture, used by name
