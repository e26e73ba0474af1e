"""Counter stores for the rate limiter that every worker shares and that forget on time.

`sqlite:///path` is a small file every worker of one server shares (the default, in the instance
folder); `redis://...` is Redis, for several app servers. Both expire a counter exactly at the end
of its window (`incr_until`), so no expiry says when the window's first request came. Importing
this module registers both with the `limits` package.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from limits.storage import RedisStorage, Storage

# the portal's names for the Redis schemes, so configured redis:// URLs get the aligned expiry
REDIS_PREFIX = "portal+"
INCR_UNTIL = """
local current = redis.call("incrby", KEYS[1], ARGV[2])
if tonumber(current) == tonumber(ARGV[2]) then
    redis.call("expireat", KEYS[1], ARGV[1])
end
return current
"""


class SQLiteCounters(Storage):
    """Fixed-window counters in one SQLite file shared by every worker process of a server.

    A rollback journal (not WAL) and secure_delete, so expired counters leave no copies behind in
    the file; synchronous=OFF because a counter lost to a power cut does not matter.
    """

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # as for the database URL: sqlite:///relative/path or sqlite:////absolute/path
        self.path = urlparse(uri).path[1:]
        if not self.path:
            raise ValueError("the limiter's sqlite:/// URL names no file")
        self._local = threading.local()
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if not Path(self.path).exists():
            # owner-only, like the database: key names say which networks were active today
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        with self._connection() as connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, value INTEGER NOT NULL, "
                "expires_at INTEGER NOT NULL) WITHOUT ROWID")
            connection.execute("CREATE INDEX IF NOT EXISTS counter_expires_at ON counter (expires_at)")

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (a forked worker opens its own)."""
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            connection = sqlite3.connect(self.path, timeout=15, isolation_level=None,
                                         check_same_thread=False)
            for pragma in ("journal_mode=TRUNCATE", "synchronous=OFF", "secure_delete=ON"):
                connection.execute(f"PRAGMA {pragma}")
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def incr_until(self, key: str, end: int, amount: int = 1) -> int:
        """Add to a counter that ends at `end` (Unix seconds); returns its new value."""
        now = int(time.time())
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            # expired counters go as soon as anyone writes, so the file holds only live windows
            connection.execute("DELETE FROM counter WHERE expires_at <= ?", (now,))
            value = connection.execute(
                "INSERT INTO counter (key, value, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value RETURNING value",
                (key, amount, int(end))).fetchone()[0]
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return int(value)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """The `limits` interface: a counter ending `expiry` seconds from now."""
        return self.incr_until(key, int(time.time() + expiry), amount)

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT value FROM counter WHERE key = ? AND expires_at > ?",
            (key, int(time.time()))).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._connection().execute(
            "SELECT expires_at FROM counter WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))


class AlignedRedisStorage(RedisStorage):
    """Redis, with counters that expire at the end of their window rather than a TTL from now."""

    STORAGE_SCHEME = [REDIS_PREFIX + scheme for scheme in ("redis", "rediss", "redis+unix")]

    def __init__(self, uri: str, **options) -> None:
        super().__init__(uri.removeprefix(REDIS_PREFIX), **options)
        self.lua_incr_until = self.get_connection().register_script(INCR_UNTIL)

    def incr_until(self, key: str, end: int, amount: int = 1) -> int:
        """Add to a counter that Redis deletes at `end` (Unix seconds); returns its new value."""
        return int(self.lua_incr_until([self.prefixed_key(key)], [int(end), amount]))
