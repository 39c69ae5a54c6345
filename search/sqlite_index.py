"""The embedded search index: SQLite FTS5 over the jieba tokens, BM25 ranking.

Units sit on shelves, one FTS5 table each: a document's whole text, its passages, its clauses,
its head (title, number, issuers), and the entities. A search for one kind of unit reads its shelf
alone, so finding the documents that say 企业 does not walk the 70,000 passages that say it too.
The statistics BM25 needs (units and their total length per label, and how many units of each
label hold each word) are kept in two tables as units are written and deleted, so `term_stats`
reads them instead of counting matches.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from policykg.core.model import DOCUMENT_TEXT, PASSAGE, SearchHit, one_hit_per_node, SearchQuery, SearchUnit, TermStats
from policykg.core.sqlite import connect, write_transaction

SHELVES = {DOCUMENT_TEXT: "fts_text", PASSAGE: "fts_passage", "PolicyClause": "fts_clause",
           "PolicyDocument": "fts_head"}
OTHER = "fts_other"  # the entities
# ``doc`` holds one word naming the unit's document (``d`` + its row in indexed_document), so
# that a search within some documents intersects their few rows instead of filtering every match.
FTS = "USING fts5(tokens, doc, tokenize='unicode61 remove_diacritics 0')"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS indexed_document (doc_id TEXT PRIMARY KEY, version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unit (
    rowid INTEGER PRIMARY KEY, node_id TEXT NOT NULL, label TEXT NOT NULL, doc_id TEXT NOT NULL,
    title TEXT NOT NULL, text TEXT NOT NULL, length INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS unit_doc ON unit(doc_id);
CREATE TABLE IF NOT EXISTS term_df (
    term TEXT NOT NULL, label TEXT NOT NULL, df INTEGER NOT NULL, PRIMARY KEY (term, label)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS label_stats (label TEXT PRIMARY KEY, units INTEGER NOT NULL, length INTEGER NOT NULL);
""" + "".join(f"CREATE VIRTUAL TABLE IF NOT EXISTS {t} {FTS};\n" for t in (*SHELVES.values(), OTHER))

ADD_DF = ("INSERT INTO term_df(term, label, df) VALUES (?,?,?)"
          " ON CONFLICT(term, label) DO UPDATE SET df = df + excluded.df")
ADD_LABEL = ("INSERT INTO label_stats(label, units, length) VALUES (?,?,?)"
             " ON CONFLICT(label) DO UPDATE SET units = units + excluded.units, length = length + excluded.length")
CHUNK = 500  # rowids per IN (...) list


def shelf(label: str) -> str:
    return SHELVES.get(label, OTHER)


def _fts_term(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class Stats:
    """Changes to the statistics tables, summed over one transaction and written once."""

    def __init__(self) -> None:
        self.df: Counter[tuple[str, str]] = Counter()
        self.labels: dict[str, list[int]] = {}

    def add(self, label: str, tokens: str, sign: int = 1) -> None:
        words = tokens.split()
        for t in set(words):
            self.df[(t, label)] += sign
        units_length = self.labels.setdefault(label, [0, 0])
        units_length[0] += sign
        units_length[1] += sign * len(words)

    def write(self, c: sqlite3.Connection) -> None:
        c.executemany(ADD_DF, [(t, label, n) for (t, label), n in self.df.items() if n])
        c.executemany(ADD_LABEL, [(label, u, n) for label, (u, n) in self.labels.items()])
        gone = [(t, label) for (t, label), n in self.df.items() if n < 0]
        c.executemany("DELETE FROM term_df WHERE term=? AND label=? AND df<=0", gone)
        if any(u < 0 for u, _ in self.labels.values()):
            c.execute("DELETE FROM label_stats WHERE units<=0")


class SqliteSearchIndex:
    """`SearchIndex` on SQLite FTS5 (file ``search.sqlite`` in the data directory).

    Units are stored pre-tokenised (space-joined jieba words), so FTS5's unicode61 tokenizer
    only splits on those spaces, the same tokens the Elasticsearch backend indexes.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "search.sqlite"
        self.conn = connect(self.path, SCHEMA, "search index")
        self.lock = threading.RLock()
        self._migrate()

    def _migrate(self) -> None:
        """A store from before the shelves (one ``unit_fts`` table, statistics counted per
        query) is moved onto them in one transaction."""
        c = self.conn
        if not c.execute("SELECT 1 FROM sqlite_master WHERE name='unit_fts'").fetchone():
            return
        with write_transaction(c, self.lock):
            columns = {row[1] for row in c.execute("PRAGMA table_info(unit)")}
            if "length" not in columns:  # a store from before unit lengths were kept
                c.execute("ALTER TABLE unit ADD COLUMN length INTEGER NOT NULL DEFAULT 0")
                c.execute("UPDATE unit SET length = (SELECT length(tokens) - length(replace(tokens, ' ', '')) + 1"
                          " FROM unit_fts WHERE unit_fts.rowid = unit.rowid)")
            c.execute("DELETE FROM term_df")
            c.execute("DELETE FROM label_stats")
            stats = Stats()
            rows = c.execute("SELECT u.rowid, u.label, f.tokens, d.rowid FROM unit u JOIN unit_fts f ON f.rowid = u.rowid"
                             " JOIN indexed_document d ON d.doc_id = u.doc_id")
            for rowid, label, tokens, doc in rows.fetchall():
                c.execute(f"INSERT INTO {shelf(label)}(rowid, tokens, doc) VALUES (?,?,?)", (rowid, tokens, f"d{doc}"))
                stats.add(label, tokens)
            stats.write(c)
            c.execute("DROP TABLE unit_fts")

    def write_document(self, doc_id: str, version: str, units: list[SearchUnit]) -> None:
        with write_transaction(self.conn, self.lock):
            stats = Stats()
            self._delete(doc_id, stats)
            self._insert(doc_id, version, units, stats)
            stats.write(self.conn)

    def _insert(self, doc_id: str, version: str, units: list[SearchUnit], stats: Stats) -> None:
        c = self.conn
        doc = "d%d" % c.execute("INSERT INTO indexed_document VALUES (?,?)", (doc_id, version)).lastrowid
        start = c.execute("SELECT coalesce(max(rowid), 0) + 1 FROM unit").fetchone()[0]
        c.executemany("INSERT INTO unit(rowid, node_id, label, doc_id, title, text, length) VALUES (?,?,?,?,?,?,?)",
                      [(start + i, u.node_id, u.label, u.doc_id, u.title, u.text, len(u.tokens.split()))
                       for i, u in enumerate(units)])
        by_shelf: dict[str, list[tuple[int, str]]] = {}
        for i, u in enumerate(units):
            by_shelf.setdefault(shelf(u.label), []).append((start + i, u.tokens, doc))
            stats.add(u.label, u.tokens)
        for table, rows in by_shelf.items():
            c.executemany(f"INSERT INTO {table}(rowid, tokens, doc) VALUES (?,?,?)", rows)

    def rebuild(self, documents: Iterable[tuple[str, str, list[SearchUnit]]]) -> int:
        # One transaction: readers on other connections see the old index until COMMIT.
        n = 0
        with write_transaction(self.conn, self.lock) as c:
            self._clear(c)
            stats = Stats()
            for doc_id, version, units in documents:
                self._insert(doc_id, version, units, stats)
                n += 1
            stats.write(c)
        return n

    def _delete(self, doc_id: str, stats: Stats) -> int:
        c = self.conn
        rows = c.execute("SELECT rowid, label FROM unit WHERE doc_id=?", (doc_id,)).fetchall()
        by_shelf: dict[str, list[int]] = {}
        label_of = {}
        for rowid, label in rows:
            by_shelf.setdefault(shelf(label), []).append(rowid)
            label_of[rowid] = label
        for table, rowids in by_shelf.items():
            for i in range(0, len(rowids), CHUNK):
                part = rowids[i: i + CHUNK]
                marks = ",".join("?" * len(part))
                for rowid, tokens in c.execute(f"SELECT rowid, tokens FROM {table} WHERE rowid IN ({marks})", part):
                    stats.add(label_of[rowid], tokens, -1)
                c.execute(f"DELETE FROM {table} WHERE rowid IN ({marks})", part)
        c.execute("DELETE FROM unit WHERE doc_id=?", (doc_id,))
        return c.execute("DELETE FROM indexed_document WHERE doc_id=?", (doc_id,)).rowcount

    def delete_document(self, doc_id: str) -> bool:
        with write_transaction(self.conn, self.lock):
            stats = Stats()
            deleted = self._delete(doc_id, stats) > 0
            stats.write(self.conn)
            return deleted

    def document_version(self, doc_id: str) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT version FROM indexed_document WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def search(self, query: SearchQuery) -> list[SearchHit]:
        terms = sorted({t for g in query.groups for t in g})
        if not terms:
            return []
        tables = sorted({shelf(label) for label in query.labels} if query.labels else {*SHELVES.values(), OTHER})
        rows = []
        with self.lock:
            docs = None
            if query.doc_ids:
                docs = self._doc_words(query.doc_ids)
                if not docs:
                    return []
            for table in tables:
                rows.extend(self._search_shelf(table, terms, query, docs))
        # One hit per node (an entity is indexed once per document that names it): its best unit.
        rows.sort(key=lambda r: (r[5], r[2]))
        if one_hit_per_node(query.labels):
            rows = list({r[0]: r for r in reversed(rows)}.values())
        ranked = sorted(rows, key=lambda r: (r[5], r[0], r[2]))[query.offset: query.offset + query.limit]
        # FTS5's bm25() is negative (smaller is better); report the usual positive score.
        return [SearchHit(r[0], r[1], r[2], r[3], round(-r[5], 6), r[4], tokens=r[6]) for r in ranked]

    def _doc_words(self, doc_ids: tuple[str, ...]) -> list[str]:
        words = []
        for i in range(0, len(doc_ids), CHUNK):
            part = list(doc_ids[i: i + CHUNK])
            words.extend(f"d{r[0]}" for r in self.conn.execute(
                f"SELECT rowid FROM indexed_document WHERE doc_id IN ({','.join('?' * len(part))})", part).fetchall())
        return words

    def _search_shelf(self, table: str, terms: list[str], query: SearchQuery, docs: list[str] | None) -> list[tuple]:
        match = "tokens : (" + " OR ".join(_fts_term(t) for t in terms) + ")"
        if docs:
            match += " AND doc : (" + " OR ".join(docs) + ")"
        where = f"{table} MATCH ?"
        params: list = [match]
        labels = [label for label in query.labels if shelf(label) == table]
        if labels and table == OTHER:
            where += f" AND u.label IN ({','.join('?' * len(labels))})"
            params.extend(labels)
        # Rank on narrow rows first; the texts and tokens (a whole document's, for its text
        # unit) are read for the rows kept only.
        inner = (f"SELECT u.rowid, u.node_id, u.doc_id, bm25({table}, 1.0, 0.0) AS s"
                 f" FROM {table} JOIN unit u ON u.rowid = {table}.rowid WHERE {where}")
        if one_hit_per_node(query.labels):
            sql = ("SELECT rowid, node_id, s FROM ("
                   f" SELECT *, row_number() OVER (PARTITION BY node_id ORDER BY s, doc_id) AS rn FROM ({inner}))"
                   " WHERE rn = 1 ORDER BY s, node_id, doc_id LIMIT ?")
        else:
            sql = f"SELECT rowid, node_id, s FROM ({inner}) ORDER BY s, node_id, doc_id LIMIT ?"
        params.append(query.offset + query.limit)
        ranked = self.conn.execute(sql, params).fetchall()
        score = {rowid: s for rowid, _, s in ranked}
        rows = []
        for i in range(0, len(ranked), CHUNK):
            part = [r[0] for r in ranked[i: i + CHUNK]]
            rows.extend(self.conn.execute(
                f"SELECT u.rowid, u.node_id, u.label, u.doc_id, u.title, u.text, f.tokens FROM unit u"
                f" JOIN {table} f ON f.rowid = u.rowid WHERE u.rowid IN ({','.join('?' * len(part))})", part).fetchall())
        return [(node_id, label, doc_id, title, text, score[rowid], tokens)
                for rowid, node_id, label, doc_id, title, text, tokens in rows]

    def term_stats(self, terms: Iterable[str], labels: tuple[str, ...] = ()) -> TermStats:
        terms = list(dict.fromkeys(terms))
        only, params = "", list(labels)
        if labels:
            only = f" AND label IN ({','.join('?' * len(labels))})"
        with self.lock:
            c = self.conn
            units, length = c.execute(f"SELECT coalesce(sum(units), 0), coalesce(sum(length), 0) FROM label_stats"
                                      f" WHERE 1{only}", params).fetchone()
            freq = dict.fromkeys(terms, 0)
            for i in range(0, len(terms), CHUNK):
                part = terms[i: i + CHUNK]
                sql = (f"SELECT term, sum(df) FROM term_df WHERE term IN ({','.join('?' * len(part))}){only}"
                       " GROUP BY term")
                freq.update(dict(c.execute(sql, [*part, *params]).fetchall()))
        return TermStats(units, length / units if units else 0.0, freq)

    def count(self) -> int:
        with self.lock:
            return self.conn.execute("SELECT count(*) FROM unit").fetchone()[0]

    def _clear(self, c: sqlite3.Connection) -> None:
        for table in ("unit", "indexed_document", "term_df", "label_stats", *SHELVES.values(), OTHER):
            c.execute(f"DELETE FROM {table}")

    def clear(self) -> None:
        with write_transaction(self.conn, self.lock) as c:
            self._clear(c)

    def close(self) -> None:
        with self.lock:
            self.conn.close()
