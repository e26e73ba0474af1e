"""Settings for a portal made inside a test, like the `app` fixture's but with overrides."""
from __future__ import annotations

import os
import secrets

from playhouse.db_url import connect

TEST_PASSWORD = "correct-kettle-meadow-42"


def worker_database(url: str) -> str:
    """Under pytest-xdist each worker empties and fills a database of its own, named after it."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    admin = connect(f"{base}/postgres")
    admin.connect()
    admin.connection().autocommit = True
    try:
        if not admin.execute_sql("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone():
            admin.execute_sql(f'CREATE DATABASE "{own}"')
    finally:
        admin.close()
    return f"{base}/{own}"


POSTGRES_URL = worker_database(os.environ.get("PORTAL_TEST_DATABASE_URL", ""))


def fresh_postgres(url: str) -> None:
    """Empty the suite's PostgreSQL database."""
    database = connect(url)
    with database.connection_context():
        database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
        database.execute_sql("CREATE SCHEMA public")


def portal_config(tmp_path, **overrides) -> dict:
    """A fresh database (SQLite, or the suite's PostgreSQL), cheap argon2 and CSRF off."""
    url = POSTGRES_URL
    if "DATABASE_URL" in overrides:
        url = overrides["DATABASE_URL"]
    elif url:
        fresh_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'test.sqlite'}"
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-" + secrets.token_hex(16),
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8,
        "ARGON2_PARALLELISM": 1,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "BASE_URL": "http://localhost",
    }
    config.update(overrides)
    return config
