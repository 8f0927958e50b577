"""The `postgres` marker: those tests are skipped unless the test database is PostgreSQL.

Which database the suite runs on is decided in sladesk/settings.py (TEST_DATABASE_URL).
"""

import pytest
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Test people log in with a cheap hash: PBKDF2 costs ~1 s per password on a busy machine.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Hypothesis judges tests by what they check, not by the machine's speed: on 2 busy cores
# one draw can stall for seconds (a health check failed at load 7), so timing checks are off.
hypothesis_settings.register_profile(
    "sladesk", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("sladesk")

POSTGRES_ENGINE = "django.db.backends.postgresql"
NEEDS_POSTGRES = "needs PostgreSQL: set TEST_DATABASE_URL=postgres://…"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if settings.DATABASES["default"]["ENGINE"] == POSTGRES_ENGINE:
        return
    skip = pytest.mark.skip(reason=NEEDS_POSTGRES)
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)
