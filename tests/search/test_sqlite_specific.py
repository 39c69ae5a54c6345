"""What only the SQLite search index has: its shelves and kept statistics, and the move of a
store from before them (one FTS5 table, statistics counted per query)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from policykg.search.service import SearchService, parse_query
from policykg.search.sqlite_index import SqliteSearchIndex
from tests.search.test_index_contract import DOC_A, DOC_B

OLD_SCHEMA = """
CREATE TABLE indexed_document (doc_id TEXT PRIMARY KEY, version TEXT NOT NULL);
CREATE TABLE unit (rowid INTEGER PRIMARY KEY, node_id TEXT NOT NULL, label TEXT NOT NULL, doc_id TEXT NOT NULL,
                   title TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX unit_doc ON unit(doc_id);
CREATE VIRTUAL TABLE unit_fts USING fts5(tokens, tokenize='unicode61 remove_diacritics 0');
"""


def old_store(path, documents):
    """A search.sqlite as it was written before the shelves (and before unit lengths)."""
    path.mkdir(parents=True)
    c = sqlite3.connect(path / "search.sqlite")
    c.executescript(OLD_SCHEMA)
    rowid = 0
    for doc_id, units in documents:
        c.execute("INSERT INTO indexed_document VALUES (?, 'v1')", (doc_id,))
        for u in units:
            rowid += 1
            c.execute("INSERT INTO unit VALUES (?,?,?,?,?,?)", (rowid, u.node_id, u.label, u.doc_id, u.title, u.text))
            c.execute("INSERT INTO unit_fts(rowid, tokens) VALUES (?,?)", (rowid, u.tokens))
    c.commit()
    c.close()


def test_a_store_from_before_the_shelves_is_moved_onto_them(tmp_path):
    old_store(tmp_path / "old", [("a.txt", DOC_A), ("b.txt", DOC_B)])
    moved = SqliteSearchIndex(tmp_path / "old")
    fresh = SqliteSearchIndex(tmp_path / "fresh")
    fresh.write_document("a.txt", "v1", DOC_A)
    fresh.write_document("b.txt", "v1", DOC_B)
    terms = ["高新技术企业", "科技保险", "补助", "市科技局"]
    for labels in ((), ("PolicyClause",), ("Qualification",)):
        assert moved.term_stats(terms, labels) == fresh.term_stats(terms, labels), labels
    for text in ("高新技术企业", "科技保险补贴", "市科技局"):
        query = parse_query(text, limit=20)
        assert moved.search(query) == fresh.search(query), text
        assert SearchService(moved).documents(text) == SearchService(fresh).documents(text)
    tables = {r[0] for r in moved.conn.execute("SELECT name FROM sqlite_master")}
    assert "unit_fts" not in tables and {"fts_clause", "fts_other", "term_df"} <= tables
    moved.delete_document("a.txt")  # the moved store goes on like any other
    assert moved.term_stats(["科技保险"]).doc_freq["科技保险"] == 0
    moved.close()
    fresh.close()


def test_a_search_for_one_kind_reads_its_shelf_alone(tmp_path):
    index = SqliteSearchIndex(tmp_path)
    index.write_document("a.txt", "v1", DOC_A)
    shelves = {label: index.conn.execute(
        f"SELECT count(*) FROM {table}").fetchone()[0] for label, table in
        (("PolicyClause", "fts_clause"), ("entities", "fts_other"))}
    assert shelves == {"PolicyClause": 3, "entities": 2}
    assert {h.label for h in index.search(parse_query("高新技术企业", labels=("PolicyClause",)))} == {"PolicyClause"}
    index.close()


def test_the_word_naming_a_document_is_never_matched_by_a_query(tmp_path):
    index = SqliteSearchIndex(tmp_path)
    index.write_document("a.txt", "v1", DOC_A)
    [doc_word] = index._doc_words(("a.txt",))
    assert index.search(parse_query(doc_word)) == []
    within = index.search(replace(parse_query("高新技术企业", labels=("PolicyClause",)), doc_ids=("a.txt",)))
    assert {h.doc_id for h in within} == {"a.txt"} and len(within) == 2
    assert index.search(replace(parse_query("高新技术企业"), doc_ids=("nowhere.txt",))) == []
    index.close()
