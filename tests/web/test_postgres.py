"""PostgreSQL features the desk relies on; skipped unless TEST_DATABASE_URL is PostgreSQL."""

import psycopg
import pytest
from django.db import connection, transaction

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_database_is_postgresql_15_or_newer():
    assert connection.vendor == "postgresql"
    assert connection.pg_version >= 150000


def test_a_second_worker_skips_the_row_the_first_one_has_locked():
    # The worker claims due deadlines in batches with SELECT … FOR UPDATE SKIP LOCKED;
    # django_migrations stands in for the deadlines table until it exists.
    claim = "SELECT id FROM django_migrations ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
    db = connection.settings_dict
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(claim)
        (first,) = cursor.fetchone()
        with psycopg.connect(
            host=db["HOST"],
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"],
            dbname=db["NAME"],
            options="-c lock_timeout=5s",  # without SKIP LOCKED it would wait, not hang
        ) as other:
            (second,) = other.execute(claim).fetchone()
    assert second != first
