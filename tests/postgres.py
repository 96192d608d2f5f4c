"""A real PostgreSQL for tests: one scratch database per test run, clean tables for each test.

TEST_POSTGRES_URL names an admin connection (default: the local server with trust authentication). Unreachable, the
PostgreSQL tests skip with one line saying so, unless REQUIRE_POSTGRES=1 (CI sets it), which makes them fail.
Use the `postgres_url` fixture: the URL of an empty, migrated database of this run's own.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from bot.store.pg_url import redacted

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL") or DEFAULT_ADMIN_URL


def _database_url(admin: str, name: str) -> str:
    parts = urlsplit(admin)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Creates rj_test_<random> for this run and drops it at the end; yields its URL."""
    admin = admin_url()
    try:
        connection = psycopg.connect(admin, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL unreachable at TEST_POSTGRES_URL={redacted(admin)} ({str(error).strip().splitlines()[0]})"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}; REQUIRE_POSTGRES=1", pytrace=False)
        pytest.skip(f"{reason}; set TEST_POSTGRES_URL to an admin URL of a server to run these")
    name = f"rj_test_{secrets.token_hex(6)}"
    with connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _database_url(admin, name)
    # Migrated once here, so each test's store opens an up-to-date database and the tables exist to be emptied.
    from bot.store.postgres import PostgresAuditStore

    PostgresAuditStore(url).close()
    yield url
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """This run's database with every table emptied (but the schema version), whatever tables the schema grows."""
    with psycopg.connect(postgres_database, autocommit=True, connect_timeout=3) as connection:
        names = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_version'"
        ).fetchall()
        connection.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(sql.Identifier(n) for (n,) in names)))
    return postgres_database
