"""The embedded graph store: SQLite in the data directory, WAL, one transaction a document."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from policykg.core.errors import InvalidInput, NotFound
from policykg.core.model import (
    DocumentGraph,
    DuplicatePolicy,
    Edge,
    Node,
    Provenance,
    Subgraph,
    WriteOutcome,
)
from policykg.core.sqlite import connect, write_transaction
from policykg.graph.store import decide_duplicate, visit

SCHEMA = """
CREATE TABLE IF NOT EXISTS document (
    doc_id TEXT PRIMARY KEY, version TEXT NOT NULL, source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS node_fact (
    node_id TEXT NOT NULL, doc_id TEXT NOT NULL, label TEXT NOT NULL, name TEXT NOT NULL,
    aliases TEXT NOT NULL, properties TEXT NOT NULL, provenance TEXT NOT NULL, primary_fact INTEGER NOT NULL,
    PRIMARY KEY (node_id, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS node_fact_doc ON node_fact(doc_id);
CREATE INDEX IF NOT EXISTS node_fact_label ON node_fact(label, node_id);
CREATE TABLE IF NOT EXISTS edge (
    source TEXT NOT NULL, label TEXT NOT NULL, target TEXT NOT NULL, doc_id TEXT NOT NULL,
    properties TEXT NOT NULL, provenance TEXT NOT NULL,
    PRIMARY KEY (source, label, target, doc_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edge_target ON edge(target);
CREATE INDEX IF NOT EXISTS edge_doc ON edge(doc_id);
"""


def _dumps(v: Any) -> str:
    try:
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as e:
        raise InvalidInput(f"a value cannot be stored: {e}") from e


def merge_facts(node_id: str, facts: list[tuple]) -> Node:
    """One node from the facts documents contributed: the owning document's name and
    scalar properties win; aliases, provenance and list properties are the union.

    Each fact is (doc_id, label, name, aliases_json, properties_json, provenance_json, primary).
    """
    facts = sorted(facts, key=lambda f: (-int(f[6]), f[0]))
    _, label, name, *_ = facts[0]
    aliases: list[str] = []
    props: dict[str, Any] = {}
    prov: list[Provenance] = []
    for _doc, _label, fname, faliases, fprops, fprov, _p in facts:
        for a in [fname, *json.loads(faliases)]:
            if a != name and a not in aliases:
                aliases.append(a)
        for k, v in json.loads(fprops).items():
            if isinstance(v, list) and isinstance(props.get(k), list):
                props[k] = props[k] + [x for x in v if x not in props[k]]  # lists from every file
            else:
                props.setdefault(k, v)
        prov.extend(Provenance.from_dict(p) for p in json.loads(fprov))
    return Node(node_id, label, name, sorted(aliases), props, prov)


def merge_edges(rows: list[tuple]) -> list[Edge]:
    """Edges from (source, label, target, doc_id, properties_json, provenance_json) rows;
    the same edge from several documents is one edge with all provenance."""
    out: dict[tuple[str, str, str], Edge] = {}
    for source, label, target, _doc, props, prov in sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3])):
        e = out.get((source, label, target))
        if e is None:
            e = out[(source, label, target)] = Edge(label, source, target, {}, [])
        for k, v in json.loads(props).items():
            e.properties.setdefault(k, v)
        e.provenance.extend(Provenance.from_dict(p) for p in json.loads(prov))
    return list(out.values())


def document_from_rows(doc_id: str, version: str, source: str, facts: list[tuple], edges: list[tuple]) -> DocumentGraph:
    """A stored document from its fact rows (node_id, label, name, aliases_json,
    properties_json, provenance_json, primary) and edge rows (source, label, target,
    properties_json, provenance_json)."""
    doc = DocumentGraph(doc_id=doc_id, version=version, source=source)
    for node_id, label, fname, aliases, props, prov, primary in facts:
        doc.nodes[node_id] = Node(node_id, label, fname, json.loads(aliases), json.loads(props),
                                  [Provenance.from_dict(p) for p in json.loads(prov)])
        if primary:
            doc.primary.add(node_id)
            if label == "PolicyDocument":
                doc.policy_id = node_id
    for source_id, label, target, props, prov in edges:
        doc.edges[(source_id, label, target)] = Edge(label, source_id, target, json.loads(props),
                                                     [Provenance.from_dict(p) for p in json.loads(prov)])
    return doc


class SqliteGraphStore:
    """`GraphStore` on SQLite (file ``graph.sqlite`` in the data directory)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "graph.sqlite"
        self.conn = connect(self.path, SCHEMA, "graph store")
        self.lock = threading.RLock()

    # ------------------------------------------------------------------ writes
    def write_document(self, doc: DocumentGraph, policy: DuplicatePolicy = DuplicatePolicy.OVERWRITE) -> WriteOutcome:
        with self.lock:
            stored = self.document_version(doc.doc_id)
            early = decide_duplicate(stored, doc, policy)
            if early is not None:
                return early
            with write_transaction(self.conn, self.lock) as c:
                self._delete(doc.doc_id)
                c.execute("INSERT INTO document VALUES (?,?,?)", (doc.doc_id, doc.version, doc.source))
                c.executemany(
                    "INSERT INTO node_fact VALUES (?,?,?,?,?,?,?,?)",
                    [(n.id, doc.doc_id, n.label, n.name, _dumps(n.aliases), _dumps(n.properties),
                      _dumps([p.to_dict() for p in n.provenance]), int(n.id in doc.primary))
                     for n in doc.nodes.values()],
                )
                c.executemany(
                    "INSERT INTO edge VALUES (?,?,?,?,?,?)",
                    [(e.source, e.label, e.target, doc.doc_id, _dumps(e.properties),
                      _dumps([p.to_dict() for p in e.provenance])) for e in doc.edges.values()],
                )
            return WriteOutcome.CREATED if stored is None else WriteOutcome.REPLACED

    def _delete(self, doc_id: str) -> int:
        c = self.conn
        n = c.execute("DELETE FROM document WHERE doc_id=?", (doc_id,)).rowcount
        c.execute("DELETE FROM node_fact WHERE doc_id=?", (doc_id,))
        c.execute("DELETE FROM edge WHERE doc_id=?", (doc_id,))
        return n

    def delete_document(self, doc_id: str) -> bool:
        with write_transaction(self.conn, self.lock):
            return self._delete(doc_id) > 0

    # ------------------------------------------------------------------ reads
    def document_version(self, doc_id: str) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT version FROM document WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else None

    def _facts(self, node_ids: list[str]) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {}
        for i in range(0, len(node_ids), 500):
            chunk = node_ids[i:i + 500]
            q = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f"SELECT node_id, doc_id, label, name, aliases, properties, provenance, primary_fact "
                f"FROM node_fact WHERE node_id IN ({q})", chunk
            ):
                out.setdefault(row[0], []).append(row[1:])
        return out

    def get_node(self, node_id: str) -> Node:
        with self.lock:
            facts = self._facts([node_id]).get(node_id)
        if not facts:
            raise NotFound(f"no node with id {node_id!r}", hint="search or list entities to find ids")
        return merge_facts(node_id, facts)

    def list_nodes(self, label: str | None = None, *, limit: int = 50, offset: int = 0) -> list[Node]:
        with self.lock:
            if label:
                rows = self.conn.execute(
                    "SELECT DISTINCT node_id FROM node_fact WHERE label=? ORDER BY node_id LIMIT ? OFFSET ?",
                    (label, limit, offset)).fetchall()
            else:
                rows = self.conn.execute(
                    "SELECT DISTINCT node_id FROM node_fact ORDER BY node_id LIMIT ? OFFSET ?",
                    (limit, offset)).fetchall()
            ids = [r[0] for r in rows]
            facts = self._facts(ids)
        return [merge_facts(i, facts[i]) for i in ids]

    def neighbours(self, node_id: str, *, depth: int = 1, limit: int = 200) -> Subgraph:
        with self.lock:
            self.get_node(node_id)
            seen = {node_id}
            frontier = [node_id]
            rows: list[tuple] = []
            seen_rows: set[tuple] = set()
            for _ in range(max(0, depth)):
                if not frontier or len(seen) >= limit:
                    break
                nxt: list[str] = []
                for i in range(0, len(frontier), 400):
                    chunk = frontier[i:i + 400]
                    q = ",".join("?" * len(chunk))
                    for r in self.conn.execute(
                        f"SELECT source, label, target, doc_id, properties, provenance FROM edge "
                        f"WHERE source IN ({q}) OR target IN ({q})", chunk + chunk
                    ):
                        if r[:4] in seen_rows:  # met again from its other end, one level on
                            continue
                        seen_rows.add(r[:4])
                        rows.append(r)
                        visit((r[0], r[2]), seen, nxt, limit=limit)
                frontier = nxt
            facts = self._facts(sorted(seen))
        nodes = [merge_facts(i, facts[i]) for i in sorted(facts)]
        edges = [e for e in merge_edges(rows) if e.source in facts and e.target in facts]
        return Subgraph(nodes, edges)

    def iter_graph(self) -> Iterator[Node | Edge]:
        with self.lock:
            facts: dict[str, list[tuple]] = {}
            for row in self.conn.execute(
                "SELECT node_id, doc_id, label, name, aliases, properties, provenance, primary_fact "
                "FROM node_fact ORDER BY node_id"
            ):
                facts.setdefault(row[0], []).append(row[1:])
            edge_rows = self.conn.execute(
                "SELECT source, label, target, doc_id, properties, provenance FROM edge").fetchall()
        for nid in sorted(facts):
            yield merge_facts(nid, facts[nid])
        yield from sorted(merge_edges(edge_rows), key=lambda e: e.key)

    def iter_documents(self) -> Iterator[DocumentGraph]:
        with self.lock:
            docs = self.conn.execute("SELECT doc_id, version, source FROM document ORDER BY doc_id").fetchall()
        for doc_id, version, source in docs:
            with self.lock:
                facts = self.conn.execute(
                    "SELECT node_id, label, name, aliases, properties, provenance, primary_fact "
                    "FROM node_fact WHERE doc_id=? ORDER BY node_id", (doc_id,)).fetchall()
                edges = self.conn.execute(
                    "SELECT source, label, target, properties, provenance FROM edge WHERE doc_id=? "
                    "ORDER BY source, label, target", (doc_id,)).fetchall()
            yield document_from_rows(doc_id, version, source, facts, edges)

    def counts(self) -> dict[str, int]:
        with self.lock:
            c = self.conn
            out = {
                "documents": c.execute("SELECT count(*) FROM document").fetchone()[0],
                "nodes": c.execute("SELECT count(DISTINCT node_id) FROM node_fact").fetchone()[0],
                "edges": c.execute("SELECT count(*) FROM (SELECT DISTINCT source, label, target FROM edge)").fetchone()[0],
            }
            for label, n in c.execute("SELECT label, count(DISTINCT node_id) FROM node_fact GROUP BY label ORDER BY label"):
                out[f"nodes:{label}"] = n
        return out

    def close(self) -> None:
        with self.lock:
            self.conn.close()
