"""Fill the feedback tables fast, straight into the database, for the scale benchmark.

`top_up(url, target)` adds threads (each with a client message, some with a staff reply) until
the table holds `target` threads. Rows go in with executemany (SQLite, synchronous=OFF on this
connection only) or COPY (PostgreSQL), in big transactions, never one request per row. The
column list comes from the portal's own models, so the loader follows the schema. Rows are
sealed as a submission seals them (each thread's key sealed to the organisation public key
stored in the database, its messages encrypted with that key), so the organisation key must
exist first (benchmarks.prepare makes it).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import random
import sqlite3
import time

from portal import sealing
from portal.accounts.keys import OrgKey
from portal.feedback.models import STATUSES, TOPICS, FeedbackMessage, FeedbackThread
from portal.feedback.service import RECEIPT_KEY_PURPOSE

BATCH = 50_000
DAYS = 730
PHRASES = ("The staff listened to me", "The waiting room was cold", "Please open on Saturdays",
           "I needed someone who speaks Spanish", "The food bank ran out early",
           "Thank you for helping with my papers", "A quieter corner would help",
           "The evening group feels safe", "I did not know where to go", "More phone chargers")


def _public_id(row_id: int) -> int:
    """A distinct 15-digit public id for a row number (7919 is prime to 9 * 10**14: no repeats)."""
    return 10**14 + (row_id * 7919) % (9 * 10**14)


def _columns(model) -> list[str]:
    """The model's columns in table order."""
    return [field.column_name for field in model._meta.sorted_fields]


def _in_column_order(model, columns: list[str], values: dict) -> tuple:
    """A row as a tuple in column order; a column the loader does not fill gets the model's
    default (or NULL), so a column added by a later migration does not break the loader."""
    fields = {field.column_name: field for field in model._meta.sorted_fields}
    row = []
    for name in columns:
        if name in values:
            row.append(values[name])
        else:
            default = fields[name].default
            row.append(default() if callable(default) else default)
    return tuple(row)


def _messages_pool(rng: random.Random) -> list[str]:
    """A few hundred realistic message bodies to draw from (40 to 400 characters)."""
    pool = []
    for _ in range(500):
        parts = [rng.choice(PHRASES) for _ in range(rng.randint(1, 8))]
        pool.append(". ".join(parts) + ".")
    return pool


def _thread_row(columns: list[str], tid: int, rng: random.Random, today: dt.date,
                item_key: bytes, org: tuple[int, bytes]) -> tuple:
    """One plausible thread, as a tuple in column order."""
    created = today - dt.timedelta(days=rng.randrange(DAYS))
    last = min(today, created + dt.timedelta(days=rng.choice((0, 0, 0, 1, 3, 10))))
    published = rng.random() < 0.001
    values = {
        "id": tid,
        "public_id": _public_id(tid),
        "receipt_hash": hashlib.sha256(f"bench-receipt:{tid}".encode()).hexdigest(),
        "topic": rng.choice(("",) + TOPICS.values),
        "rating": rng.choice((None, 1, 2, 3, 4, 5)),
        "quotable": rng.random() < 0.3 or published,
        "status": rng.choices(STATUSES.values, weights=(15, 25, 30, 30))[0],
        "tags": rng.choice(("", "", "", "hours", "language,access", "food")),
        "created_on": created,
        "last_message_on": last,
        "public_quote": "The evening group feels safe." if published else None,
        "public_action": "We kept it open on Thursdays." if published else None,
        "published_on": last if published else None,
        "sealed_key": sealing.seal_item_key(item_key, org[1], org[0]),
        "receipt_key": _receipt_wrap(item_key, tid),
        "legacy_key": None,
    }
    return _in_column_order(FeedbackThread, columns, values)


def _receipt_wrap(item_key: bytes, tid: int) -> bytes:
    """The thread key wrapped for a receipt, as a submission wraps it (salt, then the wrap)."""
    salt = hashlib.blake2b(f"bench-salt:{tid}".encode(), digest_size=sealing.SALT_SIZE).digest()
    code = hashlib.sha256(f"bench-receipt:{tid}".encode()).hexdigest()[:16].upper()
    return salt + sealing.wrap_key(item_key, sealing.code_wrapping_key(code, salt, RECEIPT_KEY_PURPOSE))


def _message_rows(columns: list[str], tid: int, first_mid: int, thread_row: dict, pool, rng,
                  staff_id, item_key: bytes) -> list[tuple]:
    """A client message and, for threads that were answered, a staff reply."""
    rows = [{"id": first_mid, "public_id": _public_id(first_mid), "thread_id": tid, "author": "client",
             "body": rng.choice(pool),
             "created_on": thread_row["created_on"], "staff_user_id": None}]
    if thread_row["status"] == "replied" or (thread_row["status"] == "archived" and rng.random() < 0.5):
        rows.append({"id": first_mid + 1, "public_id": _public_id(first_mid + 1), "thread_id": tid,
                     "author": "staff",
                     "body": rng.choice(pool), "created_on": thread_row["last_message_on"],
                     "staff_user_id": staff_id})
    for row in rows:
        row["body"] = sealing.encrypt_with_key(row["body"], item_key)
    return [_in_column_order(FeedbackMessage, columns, row) for row in rows]


class _Writer:
    """Inserts batches of rows into one table on a SQLite or PostgreSQL connection."""

    def __init__(self, url: str):
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.conn = sqlite3.connect(url.split("sqlite:///", 1)[1], timeout=60,
                                        isolation_level=None)
            # the load only: this connection does not wait for the disk
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA foreign_keys=OFF")
            # room for the indexes' pages, so random-order index inserts stay in memory
            self.conn.execute("PRAGMA cache_size=-262144")
        else:
            import psycopg2

            self.conn = psycopg2.connect("postgresql://" + url.split("://", 1)[1])

    def scalar(self, sql: str):
        """One value."""
        if self.sqlite:
            return self.conn.execute(sql).fetchone()[0]
        with self.conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def org_key(self) -> tuple[int, bytes]:
        """(generation, public key) of the current organisation key."""
        sql = (f'SELECT generation, public_key FROM "{OrgKey._meta.table_name}" '
               "ORDER BY generation DESC LIMIT 1")
        if self.sqlite:
            row = self.conn.execute(sql).fetchone()
        else:
            with self.conn.cursor() as cursor:
                cursor.execute(sql)
                row = cursor.fetchone()
        if row is None:
            raise RuntimeError("no organisation key yet: run benchmarks.prepare (or log in) first")
        return row[0], bytes(row[1])

    def begin(self) -> None:
        if self.sqlite:
            self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        if self.sqlite:
            self.conn.execute("COMMIT")
        else:
            self.conn.commit()

    def insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Insert many rows at once."""
        if not rows:
            return
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            converted = [tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row)
                         for row in rows]
            self.conn.executemany(f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})',
                                  converted)
            return
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_text(v) for v in row))
            buffer.write("\n")
        buffer.seek(0)
        with self.conn.cursor() as cursor:
            cursor.copy_expert(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN', buffer)

    def finish(self, tables: list[str]) -> None:
        """Fold the write-ahead log back (SQLite) or refresh statistics and sequences (PostgreSQL)."""
        if self.sqlite:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            # write the loaded pages out now, so the measurements do not compete with it
            os.sync()
        else:
            with self.conn.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT MAX(id) FROM \"{table}\"))")
                    cursor.execute(f'ANALYZE "{table}"')
            self.conn.commit()
        self.conn.close()


def _copy_text(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bytes | bytearray | memoryview):
        # bytea in hex; the backslash itself escaped for COPY's text format
        return "\\\\x" + bytes(value).hex()
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def top_up(url: str, target: int, staff_id: int | None = None, seed: int = 7) -> dict:
    """Add threads until there are `target`; returns what was added and how long it took."""
    started = time.perf_counter()
    writer = _Writer(url)
    thread_table = FeedbackThread._meta.table_name
    message_table = FeedbackMessage._meta.table_name
    thread_columns = _columns(FeedbackThread)
    message_columns = _columns(FeedbackMessage)
    org = writer.org_key()
    have = writer.scalar(f'SELECT COUNT(*) FROM "{thread_table}"')
    next_tid = (writer.scalar(f'SELECT MAX(id) FROM "{thread_table}"') or 0) + 1
    next_mid = (writer.scalar(f'SELECT MAX(id) FROM "{message_table}"') or 0) + 1
    rng = random.Random(seed + have)
    pool = _messages_pool(rng)
    today = dt.date.today()
    added = messages = 0
    while have + added < target:
        count = min(BATCH, target - have - added)
        threads, replies = [], []
        for tid in range(next_tid, next_tid + count):
            item_key = sealing.new_item_key()
            row = _thread_row(thread_columns, tid, rng, today, item_key, org)
            threads.append(row)
            named = dict(zip(thread_columns, row, strict=True))
            rows = _message_rows(message_columns, tid, next_mid, named, pool, rng, staff_id, item_key)
            next_mid += len(rows)
            replies.extend(rows)
        writer.begin()
        writer.insert(thread_table, thread_columns, threads)
        writer.insert(message_table, message_columns, replies)
        writer.commit()
        next_tid += count
        added += count
        messages += len(replies)
    writer.finish([thread_table, message_table])
    return {"threads_added": added, "messages_added": messages, "threads": have + added,
            "seconds": round(time.perf_counter() - started, 2)}


def middle_cursor(url: str) -> str:
    """The staff list's page cursor ("YYYY-MM-DD.public_id") half way down the whole list."""
    writer = _Writer(url)
    table = FeedbackThread._meta.table_name
    count = writer.scalar(f'SELECT COUNT(*) FROM "{table}"')
    sql = (f'SELECT last_message_on, public_id FROM "{table}" '
           f"ORDER BY last_message_on DESC, public_id DESC LIMIT 1 OFFSET {count // 2}")
    if writer.sqlite:
        day, tid = writer.conn.execute(sql).fetchone()
    else:
        with writer.conn.cursor() as cursor:
            cursor.execute(sql)
            day, tid = cursor.fetchone()
    writer.conn.close()
    return f"{day if isinstance(day, str) else day.isoformat()}.{tid}"


def expected_export_rows(url: str) -> int:
    """How many rows the export should hold: the messages of threads not archived."""
    writer = _Writer(url)
    count = writer.scalar(
        f'SELECT COUNT(*) FROM "{FeedbackMessage._meta.table_name}" AS m '
        f'JOIN "{FeedbackThread._meta.table_name}" AS t ON t.id = m.thread_id '
        "WHERE t.status != 'archived'")
    writer.conn.close()
    return count
