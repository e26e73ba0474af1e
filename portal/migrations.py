"""The migration runner: each area's numbered steps, applied in order, once, under a lock.

Every area keeps its own schema version in `area_schema`. A step creates the tables of its time
from frozen copies of the models (in the area's migrations.py), or alters them with
playhouse.migrate, so a fresh install and an upgrade end with the same schema.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from peewee import CharField, IntegerField, PostgresqlDatabase

from portal.areas import Area
from portal.db import BaseModel, db, is_sqlite, write_transaction

# the PostgreSQL advisory lock that serialises migrations (any fixed number)
MIGRATION_LOCK = 7311862
# before areas kept their own numbers, one number counted steps of the whole portal
LEGACY_STEPS = {1: "accounts", 2: "feedback"}


class AreaSchema(BaseModel):
    """The number of the last migration applied, per area."""

    area = CharField(max_length=32, primary_key=True)
    version = IntegerField()

    class Meta:
        table_name = "area_schema"


def latest_versions(areas: Iterable[Area]) -> dict[str, int]:
    """The version each area's newest step brings its schema to."""
    return {area.name: (area.migrations[-1][0] if area.migrations else 0) for area in areas}


def current_versions() -> dict[str, int]:
    """The schema version of each area in the bound database (empty when it is new)."""
    versions = {}
    if db.table_exists("schema_version"):
        row = db.execute_sql("SELECT MAX(version) FROM schema_version").fetchone()
        versions = {name: 1 for step, name in LEGACY_STEPS.items() if (row[0] or 0) >= step}
    if db.table_exists("area_schema"):
        versions.update({row.area: row.version for row in AreaSchema.select()})
    return versions


def is_current(areas: Iterable[Area]) -> bool:
    """True when every area's schema is at its newest step (one cheap query)."""
    with db.connection_context():
        return current_versions() == {k: v for k, v in latest_versions(areas).items() if v}


@contextlib.contextmanager
def _foreign_keys_off_on_sqlite() -> Iterator[None]:
    """SQLite rebuilds a table to change a column; dropping the old one with foreign keys on
    would cascade to every row that refers to it. So, as SQLite documents: keys off around the
    transaction, checked before it commits."""
    if not is_sqlite():
        yield
        return
    db.pragma("foreign_keys", 0)
    try:
        yield
    finally:
        db.pragma("foreign_keys", 1)


def _check_foreign_keys() -> None:
    """Refuse to commit a migration that left a row pointing at nothing (SQLite)."""
    if is_sqlite():
        broken = db.execute_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")


def migrate(areas: Iterable[Area]) -> dict[str, tuple[int, int]]:
    """Create or upgrade every area's tables in place; returns {area: (before, after)}."""
    areas = list(areas)
    report = {}
    with db.connection_context(), _foreign_keys_off_on_sqlite(), write_transaction():
        if isinstance(db.obj, PostgresqlDatabase):
            # workers starting together: one migrates, the others wait here and find it done
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        versions = current_versions()
        if not db.table_exists("area_schema"):
            db.create_tables([AreaSchema])
        if db.table_exists("schema_version"):
            db.execute_sql("DROP TABLE schema_version")
        for area in areas:
            before = versions.get(area.name, 0)
            for number, step in area.migrations:
                if number > before:
                    step()
            after = area.migrations[-1][0] if area.migrations else 0
            if after:
                (AreaSchema.insert(area=area.name, version=after)
                 .on_conflict(conflict_target=[AreaSchema.area], update={AreaSchema.version: after})
                 .execute())
            report[area.name] = (before, after)
        _check_foreign_keys()
    if is_sqlite() and any(before != after for before, after in report.values()):
        # a step that rewrote rows (sealing them) leaves their old pages in the write-ahead log:
        # fold it back and empty it (best effort: a reader elsewhere may hold it for now)
        with db.connection_context():
            db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return report

