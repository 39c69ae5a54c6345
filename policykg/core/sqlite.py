"""What the two embedded SQLite stores share: opening a database file and a write transaction."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from policykg.core.errors import BackendUnavailable


def connect(path: Path, schema: str, what: str) -> sqlite3.Connection:
    """Open (and create) a WAL-mode database with its schema.

    Raises:
        BackendUnavailable: the file cannot be opened or created.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(schema)
        return conn
    except (OSError, sqlite3.Error) as e:
        raise BackendUnavailable(f"cannot open the {what} at {path}: {e}",
                                 hint="check POLICYKG_DATA_DIR and its permissions") from e


@contextmanager
def write_transaction(conn: sqlite3.Connection, lock: threading.RLock) -> Iterator[sqlite3.Connection]:
    """One immediate transaction: committed when the block ends, rolled back on any error."""
    with lock:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
