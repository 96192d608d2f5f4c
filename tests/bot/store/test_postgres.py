"""What only the PostgreSQL store has: platform URLs, a server it cannot reach, and migrations under a lock."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg import sql

from bot.settings import ConfigError, load_settings
from bot.store import PostgresAuditStore, StoreError, open_store
from bot.store.pg_url import normalize, redacted
from bot.store.schema import SCHEMA_VERSION
from tests.postgres import admin_url

SECRET = "hunter2-db-secret"


@pytest.fixture
def scratch_url(postgres_database: str) -> Iterator[str]:
    """A database of its own, never migrated, dropped afterwards."""
    name = f"rj_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield postgres_database.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def settings_with(url: str) -> object:
    return load_settings(
        _env_file=None,
        slack_bot_token="xoxb-test-bot-token-000000",
        slack_signing_secret="test-signing-secret-0123456789",
        baseten_api_key="bt-test-key-123456",
        database_url=url,
    )


@pytest.mark.parametrize(
    ("given", "taken"),
    [
        (
            "postgres://u:pw@db.example.com:5432/d1?sslmode=require",
            "postgresql://u:pw@db.example.com:5432/d1?sslmode=require",
        ),
        ("postgresql://u@db.internal/audit", "postgresql://u@db.internal/audit"),
        (
            "postgresql://u:p%40ss@[::1]:6432/audit?sslmode=verify-full&sslrootcert=/ca.pem",
            "postgresql://u:p%40ss@[::1]:6432/audit?sslmode=verify-full&sslrootcert=/ca.pem",
        ),
    ],
)
def test_platform_urls_are_taken_with_their_query_parameters(given: str, taken: str) -> None:
    assert normalize(given) == taken


def test_a_url_is_shown_with_its_password_hidden() -> None:
    assert redacted(f"postgresql://bot:{SECRET}@db:5432/audit?sslmode=require") == (
        "postgresql://bot:***@db:5432/audit?sslmode=require"
    )
    assert redacted("postgresql://bot@db/audit") == "postgresql://bot@db/audit"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"postgres://bot:{SECRET}@db.internal:port/audit", "port that is not a number"),
        (f"postgresql://bot:{SECRET}@/audit", "names no host"),
        (f"postgresql://bot:{SECRET}@db.internal", "names no database"),
        (f"postgresql://bot:{SECRET}@db.internal/", "names no database"),
    ],
)
def test_a_malformed_postgres_url_stops_start_up_with_one_line_without_the_password(url: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_with(url)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("Configuration error: DATABASE_URL ")
    assert says in message
    assert SECRET not in message


def test_settings_keep_a_heroku_url_in_the_form_the_driver_takes() -> None:
    settings = settings_with("postgres://bot:pw@db.example.com:5432/audit?sslmode=require")
    assert settings.database_url == "postgresql://bot:pw@db.example.com:5432/audit?sslmode=require"  # type: ignore[attr-defined]


def test_open_store_takes_the_postgres_spelling_and_passes_query_parameters_through(postgres_url: str) -> None:
    url = postgres_url.replace("postgresql://", "postgres://") + "?sslmode=disable&application_name=rj-test-replica"
    store = open_store(url)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        with psycopg.connect(postgres_url) as probe:
            names = [row[0] for row in probe.execute("SELECT application_name FROM pg_stat_activity").fetchall()]
        assert "rj-test-replica" in names
    finally:
        store.close()


def test_an_unknown_query_parameter_is_a_store_error_naming_it_without_the_password(postgres_url: str) -> None:
    url = postgres_url.replace("postgresql://postgres@", f"postgresql://postgres:{SECRET}@") + "?sslmod=require"
    with pytest.raises(StoreError) as caught:
        open_store(url)
    assert "sslmod" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_an_unreachable_server_is_a_quick_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store(f"postgresql://bot:{SECRET}@127.0.0.1:1/audit?connect_timeout=2")
    message = str(caught.value)
    assert "postgresql://bot:***@127.0.0.1:1/audit" in message
    assert SECRET not in message


def test_replicas_starting_at_once_migrate_a_new_database_once(scratch_url: str) -> None:
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _n: PostgresAuditStore(scratch_url), range(4)))
    try:
        assert {store.schema_version() for store in stores} == {SCHEMA_VERSION}
        with psycopg.connect(scratch_url) as probe:
            assert probe.execute("SELECT count(*) FROM schema_version").fetchone() == (1,)
    finally:
        for store in stores:
            store.close()


def test_a_database_from_a_newer_bot_is_refused_and_left_untouched(scratch_url: str) -> None:
    PostgresAuditStore(scratch_url).close()
    with psycopg.connect(scratch_url, autocommit=True) as db:
        db.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}, newer"):
        PostgresAuditStore(scratch_url)
    with psycopg.connect(scratch_url) as db:
        assert db.execute("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION + 1,)
