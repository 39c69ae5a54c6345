"""The embedded search index: SQLite FTS5 over the jieba tokens, BM25 ranking."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from policykg.core.model import SearchHit, SearchQuery, SearchUnit, TermStats
from policykg.core.sqlite import connect, write_transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS indexed_document (doc_id TEXT PRIMARY KEY, version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unit (
    rowid INTEGER PRIMARY KEY, node_id TEXT NOT NULL, label TEXT NOT NULL, doc_id TEXT NOT NULL,
    title TEXT NOT NULL, text TEXT NOT NULL, length INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS unit_doc ON unit(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS unit_fts USING fts5(tokens, tokenize='unicode61 remove_diacritics 0');
"""


def _fts_term(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class SqliteSearchIndex:
    """`SearchIndex` on SQLite FTS5 (file ``search.sqlite`` in the data directory).

    Units are stored pre-tokenised (space-joined jieba words), so FTS5's unicode61 tokenizer
    only splits on those spaces, the same tokens the Elasticsearch backend indexes.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "search.sqlite"
        self.conn = connect(self.path, SCHEMA, "search index")
        columns = {row[1] for row in self.conn.execute("PRAGMA table_info(unit)")}
        if "length" not in columns:  # a store from before unit lengths were kept
            self.conn.executescript(
                "ALTER TABLE unit ADD COLUMN length INTEGER NOT NULL DEFAULT 0;"
                "UPDATE unit SET length = (SELECT length(tokens) - length(replace(tokens, ' ', '')) + 1"
                " FROM unit_fts WHERE unit_fts.rowid = unit.rowid);")
        self.lock = threading.RLock()

    def write_document(self, doc_id: str, version: str, units: list[SearchUnit]) -> None:
        with write_transaction(self.conn, self.lock):
            self._delete(doc_id)
            self._insert(doc_id, version, units)

    def _insert(self, doc_id: str, version: str, units: list[SearchUnit]) -> None:
        c = self.conn
        c.execute("INSERT INTO indexed_document VALUES (?,?)", (doc_id, version))
        start = c.execute("SELECT coalesce(max(rowid), 0) + 1 FROM unit").fetchone()[0]
        c.executemany("INSERT INTO unit(rowid, node_id, label, doc_id, title, text, length) VALUES (?,?,?,?,?,?,?)",
                      [(start + i, u.node_id, u.label, u.doc_id, u.title, u.text, len(u.tokens.split()))
                       for i, u in enumerate(units)])
        c.executemany("INSERT INTO unit_fts(rowid, tokens) VALUES (?,?)",
                      [(start + i, u.tokens) for i, u in enumerate(units)])

    def rebuild(self, documents: Iterable[tuple[str, str, list[SearchUnit]]]) -> int:
        # One transaction: readers on other connections see the old index until COMMIT.
        n = 0
        with write_transaction(self.conn, self.lock) as c:
            c.execute("DELETE FROM unit")
            c.execute("DELETE FROM indexed_document")
            c.execute("DELETE FROM unit_fts")
            for doc_id, version, units in documents:
                self._insert(doc_id, version, units)
                n += 1
        return n

    def _delete(self, doc_id: str) -> int:
        c = self.conn
        rows = c.execute("SELECT rowid FROM unit WHERE doc_id=?", (doc_id,)).fetchall()
        for (rowid,) in rows:
            c.execute("DELETE FROM unit_fts WHERE rowid=?", (rowid,))
        c.execute("DELETE FROM unit WHERE doc_id=?", (doc_id,))
        return c.execute("DELETE FROM indexed_document WHERE doc_id=?", (doc_id,)).rowcount

    def delete_document(self, doc_id: str) -> bool:
        with write_transaction(self.conn, self.lock):
            return self._delete(doc_id) > 0

    def document_version(self, doc_id: str) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT version FROM indexed_document WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def search(self, query: SearchQuery) -> list[SearchHit]:
        terms = sorted({t for g in query.groups for t in g})
        if not terms:
            return []
        match = " OR ".join(_fts_term(t) for t in terms)
        where = "unit_fts MATCH ?"
        params: list = [match]
        if query.labels:
            where += f" AND u.label IN ({','.join('?' * len(query.labels))})"
            params.extend(query.labels)
        if query.doc_ids:
            where += f" AND u.doc_id IN ({','.join('?' * len(query.doc_ids))})"
            params.extend(query.doc_ids)
        # One hit per node (an entity is indexed once per document that names it): its best unit.
        sql = (
            "SELECT node_id, label, doc_id, title, text, s, tokens FROM ("
            " SELECT *, row_number() OVER (PARTITION BY node_id ORDER BY s, doc_id) AS rn FROM ("
            "  SELECT u.node_id, u.label, u.doc_id, u.title, u.text, bm25(unit_fts) AS s, unit_fts.tokens"
            f"  FROM unit_fts JOIN unit u ON u.rowid = unit_fts.rowid WHERE {where}))"
            " WHERE rn = 1 ORDER BY s, node_id LIMIT ? OFFSET ?"
        )
        params.extend([query.limit, query.offset])
        with self.lock:
            rows = self.conn.execute(sql, params).fetchall()
        # FTS5's bm25() is negative (smaller is better); report the usual positive score.
        return [SearchHit(r[0], r[1], r[2], r[3], round(-r[5], 6), r[4], tokens=r[6]) for r in rows]

    def term_stats(self, terms: Iterable[str], labels: tuple[str, ...] = ()) -> TermStats:
        only, params = "", list(labels)
        if labels:
            only = f" WHERE label IN ({','.join('?' * len(labels))})"
        with self.lock:
            c = self.conn
            units, avg = c.execute(f"SELECT count(*), coalesce(avg(length), 0) FROM unit{only}", params).fetchone()
            if labels:
                sql = ("SELECT count(*) FROM unit_fts JOIN unit u ON u.rowid = unit_fts.rowid"
                       f" WHERE unit_fts MATCH ? AND u.label IN ({','.join('?' * len(labels))})")
            else:
                sql = "SELECT count(*) FROM unit_fts WHERE unit_fts MATCH ?"
            freq = {t: c.execute(sql, [_fts_term(t), *params]).fetchone()[0] for t in dict.fromkeys(terms)}
        return TermStats(units, float(avg), freq)

    def count(self) -> int:
        with self.lock:
            return self.conn.execute("SELECT count(*) FROM unit").fetchone()[0]

    def clear(self) -> None:
        with self.lock:
            self.conn.executescript(
                "BEGIN; DELETE FROM unit; DELETE FROM indexed_document; DELETE FROM unit_fts; COMMIT;")

    def close(self) -> None:
        with self.lock:
            self.conn.close()
