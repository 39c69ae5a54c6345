"""The server graph store: Neo4j over Bolt, one managed transaction a document.

Each document's contribution is kept as `Fact`/`EdgeFact` nodes; the merged nodes and
relationships researchers query (``MATCH (a:Agency)<-[:ISSUED_BY]-(d:PolicyDocument)``) are
re-derived from the facts with the same `merge_facts`/`merge_edges` the SQLite store uses,
whenever a write touches them. Reads merge the facts too, so both backends answer alike.
The layout and every statement are in `graph.neo4j_queries`.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import RDFS

from policykg.core.errors import BackendUnavailable, InvalidInput, NotFound
from policykg.core.model import (
    DocumentGraph,
    DuplicatePolicy,
    Edge,
    Node,
    Subgraph,
    WriteOutcome,
)
from policykg.core.ontology import PKG, load_ontology, name
from policykg.core.settings import Settings
from policykg.graph import neo4j_queries as Q
from policykg.graph.sqlite_store import document_from_rows, merge_edges, merge_facts
from policykg.graph.store import decide_duplicate, visit

# Properties that identify an instance outside this graph get an index, on their class
# (rdfs:domain) when the ontology gives one, else on every entity.
NATURAL_KEYS = (PKG.doc_number, PKG.credit_code)

# Property keys the merged node uses itself (or that carry a uniqueness constraint).
_RESERVED = frozenset({"id", "name", "aliases", "doc_id"})
_INT64 = (-(2**63), 2**63 - 1)


def _dumps(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def _edge_key(source: str, rel: str, target: str) -> str:
    return json.dumps([source, rel, target], ensure_ascii=False)


def _storable(v: Any) -> bool:
    if isinstance(v, (str, bool, float)):
        return True
    return isinstance(v, int) and _INT64[0] <= v <= _INT64[1]


def _neo4j_value(v: Any) -> Any:
    """A property value Neo4j stores as is (scalars, lists of one scalar type); anything
    else (maps, mixed lists, integers beyond 64 bits) becomes JSON text."""
    if _storable(v):
        return v
    if isinstance(v, list) and len({type(x) for x in v}) <= 1 and all(_storable(x) for x in v):
        return v
    return _dumps(v)


def _flatten(props: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in props.items():
        if v is None:
            continue
        out[f"prop_{k}" if k in _RESERVED else k] = _neo4j_value(v)
    return out


class Neo4jGraphStore:
    """`GraphStore` on a Neo4j 5 server.

    Args:
        url: Bolt URL, e.g. ``bolt://127.0.0.1:7687``.
        user: Neo4j user.
        password: its password.
        database: the database to use (Community has one user database, ``neo4j``).
        namespace: when set, everything this store creates carries the label ``ns_<namespace>``
            and everything it reads is restricted to it (tests share one database this way);
            otherwise the label is ``PolicyKG``.
        connection_timeout: seconds to wait for a connection before giving up.
        max_retry_time: seconds a write is retried on transient errors (deadlocks, leader
            switches, a briefly unreachable server).

    The driver is created, and the schema made, on first use.
    """

    def __init__(
        self,
        url: str,
        user: str,
        password: str,
        *,
        database: str = "neo4j",
        namespace: str | None = None,
        connection_timeout: float = 5.0,
        max_retry_time: float = 15.0,
    ) -> None:
        if namespace is not None and not Q._WORD.fullmatch(namespace):
            raise InvalidInput(f"unusable graph namespace {namespace!r}", hint="use letters, digits and _ only")
        self.url = url
        self.user = user
        self._password = password
        self.database = database
        self.namespace = namespace
        self.ns = Q.DEFAULT_NAMESPACE_LABEL if namespace is None else f"ns_{namespace}"
        self.connection_timeout = connection_timeout
        self.max_retry_time = max_retry_time
        ontology = load_ontology()
        # Sorted tuples: the whitelists the statements that set labels and types are built from.
        self._labels = tuple(sorted(ontology.node_labels))
        self._relations = tuple(sorted(ontology.relation_types))
        self._driver = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, namespace: str | None = None) -> Neo4jGraphStore:
        """The store the settings describe (POLICYKG_NEO4J_URL, _USER, _PASSWORD, _DATABASE).

        Raises:
            BackendUnavailable: no password is set.
        """
        if settings.neo4j_password is None:
            raise BackendUnavailable("the Neo4j graph backend needs a password",
                                     hint="set POLICYKG_NEO4J_PASSWORD")
        return cls(settings.neo4j_url, settings.neo4j_user, settings.neo4j_password.get_secret_value(),
                   database=settings.neo4j_database,
                   namespace=namespace if namespace is not None else settings.neo4j_namespace)

    # ------------------------------------------------------------------ connection
    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver failures a user can act on become BackendUnavailable with what to do."""
        from neo4j import exceptions as ne

        try:
            yield
        except ne.AuthError as e:
            raise BackendUnavailable(
                f"Neo4j at {self.url} refused the credentials of user {self.user!r}",
                hint="check POLICYKG_NEO4J_USER and POLICYKG_NEO4J_PASSWORD") from e
        except (ne.ServiceUnavailable, ne.SessionExpired) as e:
            raise BackendUnavailable(
                f"cannot reach Neo4j at {self.url}",
                hint="start Neo4j (services/run start neo4j) or check POLICYKG_NEO4J_URL") from e
        except ne.TransientError as e:
            raise BackendUnavailable(f"Neo4j kept failing transiently: {e.message}",
                                     hint="retry later") from e
        except ne.ConfigurationError as e:
            raise BackendUnavailable(f"cannot use the Neo4j settings: {e}",
                                     hint="check POLICYKG_NEO4J_URL and POLICYKG_NEO4J_DATABASE") from e

    def _connect(self):
        from neo4j import GraphDatabase

        with self._lock:
            if self._driver is None:
                try:
                    driver = GraphDatabase.driver(
                        self.url, auth=(self.user, self._password),
                        connection_timeout=self.connection_timeout,
                        connection_acquisition_timeout=self.connection_timeout * 2,
                        max_transaction_retry_time=self.max_retry_time,
                    )
                except ValueError as e:
                    raise BackendUnavailable(f"unusable Neo4j URL {self.url!r}: {e}",
                                             hint="check POLICYKG_NEO4J_URL") from e
                try:
                    driver.verify_connectivity()
                    self._make_schema(driver)
                except BaseException:
                    driver.close()
                    raise
                self._driver = driver
            return self._driver

    def session(self):
        """A session on the store's database (driver opened on first use), for Cypher it has no method for."""
        return self._connect().session(database=self.database)

    def _make_schema(self, driver) -> None:
        """Constraints and indexes from the ontology; idempotent (IF NOT EXISTS)."""
        from neo4j.exceptions import ClientError

        ontology = load_ontology()
        statements = [*Q.namespace_constraints(self.ns), *Q.FACT_INDEXES]
        for term in NATURAL_KEYS:
            key = name(term)
            if key not in ontology.property_keys:
                raise ValueError(f"natural key {key} is not an ontology property")
            domains = [name(d) for d in ontology.graph.objects(term, RDFS.domain)]
            for label in domains or [Q.ENTITY]:
                statements.append(Q.property_index(label, key))
        with driver.session(database=self.database) as s:
            for statement in statements:
                try:
                    s.run(statement).consume()
                except ClientError as e:
                    # Another process created the same rule between IF NOT EXISTS and commit.
                    if "EquivalentSchemaRuleAlreadyExists" not in (e.code or ""):
                        raise
            s.run(Q.AWAIT_INDEXES, seconds=60).consume()

    def close(self) -> None:
        with self._lock:
            if self._driver is not None:
                self._driver.close()
                self._driver = None

    def drop_all(self) -> None:
        """Delete every node and relationship of this store's namespace (tests, resets)."""
        with self._errors(), self.session() as s:
            s.run(Q.drop_all(self.ns)).consume()

    # ------------------------------------------------------------------ writes
    def write_document(self, doc: DocumentGraph, policy: DuplicatePolicy = DuplicatePolicy.OVERWRITE) -> WriteOutcome:
        for n in doc.nodes.values():
            if n.label not in self._labels:
                raise InvalidInput(f"node {n.id!r} has label {n.label!r}, which is not an ontology class")
        for e in doc.edges.values():
            if e.label not in self._relations:
                raise InvalidInput(f"edge {e.key!r} has type {e.label!r}, which is not an ontology relation")
        try:
            with self._errors(), self.session() as s:
                return s.execute_write(self._write_tx, doc, policy)
        except (TypeError, ValueError, OverflowError) as e:
            raise InvalidInput(f"document {doc.doc_id} holds a value the graph store cannot store: {e}") from e

    def delete_document(self, doc_id: str) -> bool:
        with self._errors(), self.session() as s:
            return s.execute_write(self._delete_tx, doc_id)

    def _write_tx(self, tx, doc: DocumentGraph, policy: DuplicatePolicy) -> WriteOutcome:
        # Everything here runs again if the driver retries, so it only derives from `doc`
        # and from what it reads inside the transaction.
        stored = tx.run(Q.lock_document(self.ns), doc_id=doc.doc_id).single()["version"]
        early = decide_duplicate(stored, doc, policy)
        if early is not None:
            return early
        old_nodes, old_edges = self._delete_facts(tx, doc.doc_id)
        tx.run(Q.set_document(self.ns), doc_id=doc.doc_id, version=doc.version, source=doc.source).consume()
        tx.run(Q.create_node_facts(self.ns), rows=[
            {"from_doc": doc.doc_id, "node_id": n.id, "label": n.label, "name": n.name, "aliases": list(n.aliases),
             "properties": _dumps(n.properties), "provenance": _dumps([p.to_dict() for p in n.provenance]),
             "primary": n.id in doc.primary}
            for n in doc.nodes.values()
        ]).consume()
        gone = self._refresh_nodes(tx, old_nodes | set(doc.nodes))
        tx.run(Q.create_edge_facts(self.ns), rows=[
            {"from_doc": doc.doc_id, "edge_key": _edge_key(*e.key), "source": e.source, "type": e.label,
             "target": e.target, "properties": _dumps(e.properties),
             "provenance": _dumps([p.to_dict() for p in e.provenance])}
            for e in doc.edges.values()
        ]).consume()
        loose = self._refresh_edges(tx, old_edges | set(doc.edges))
        self._delete_orphans(tx, gone | loose)
        return WriteOutcome.CREATED if stored is None else WriteOutcome.REPLACED

    def _delete_tx(self, tx, doc_id: str) -> bool:
        if tx.run(Q.document_version(self.ns), doc_id=doc_id).single() is None:
            return False
        tx.run(Q.lock_document(self.ns), doc_id=doc_id).consume()
        node_ids, edge_keys = self._delete_facts(tx, doc_id)
        tx.run(Q.delete_document(self.ns), doc_id=doc_id).consume()
        gone = self._refresh_nodes(tx, node_ids)
        loose = self._refresh_edges(tx, edge_keys)
        self._delete_orphans(tx, gone | loose)
        return True

    def _delete_facts(self, tx, doc_id: str) -> tuple[set[str], set[tuple[str, str, str]]]:
        nodes = {r["id"] for r in tx.run(Q.delete_node_facts(self.ns), doc_id=doc_id)}
        edges = {(r["source"], r["type"], r["target"]) for r in tx.run(Q.delete_edge_facts(self.ns), doc_id=doc_id)}
        return nodes, edges

    def _refresh_nodes(self, tx, node_ids: set[str]) -> set[str]:
        """Rewrite the merged nodes from their facts; a node without facts keeps only its id.
        Returns the ids of those."""
        ids = sorted(node_ids)
        facts = self._facts(tx, ids)
        rows = []
        for node_id in ids:
            if node_id in facts:
                node = merge_facts(node_id, facts[node_id])
                props = {**_flatten(node.properties), "id": node.id, "name": node.name, "aliases": node.aliases}
                rows.append({"id": node.id, "label": node.label, "props": props})
        if rows:
            tx.run(Q.upsert_nodes(self.ns, self._labels), rows=rows).consume()
        gone = [i for i in ids if i not in facts]
        if gone:
            tx.run(Q.demote_nodes(self.ns, self._labels), ids=gone).consume()
        return set(gone)

    def _refresh_edges(self, tx, keys: set[tuple[str, str, str]]) -> set[str]:
        merged = {e.key: e for e in merge_edges(self._edge_rows(tx, keys))}
        upserts, deletes = [], []
        for key in sorted(keys):
            source, rel, target = key
            row = {"source": source, "type": rel, "target": target}
            if key in merged:
                upserts.append({**row, "props": _flatten(merged[key].properties)})
            else:
                deletes.append(row)
        if deletes:
            tx.run(Q.delete_edges(self.ns), rows=deletes).consume()
        if upserts:
            tx.run(Q.upsert_edges(self.ns, self._relations), rows=upserts).consume()
        return {row[end] for row in deletes for end in ("source", "target")}

    def _delete_orphans(self, tx, candidates: set[str]) -> None:
        """Delete the id-only nodes that lost their last relationship (`candidates`: nodes
        that lost their facts, ends of deleted relationships)."""
        if candidates:
            tx.run(Q.delete_orphans(self.ns), ids=sorted(candidates)).consume()

    # ------------------------------------------------------------------ fact reads
    @staticmethod
    def _fact_tuple(r) -> tuple:
        # The shape `merge_facts` takes (the SQLite store's columns).
        return (r["doc_id"], r["label"], r["name"], _dumps(r["aliases"]), r["properties"], r["provenance"],
                int(bool(r["primary"])))

    def _facts(self, tx, ids: list[str]) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {}
        if ids:
            for r in tx.run(Q.node_facts(self.ns), ids=ids):
                out.setdefault(r["node_id"], []).append(self._fact_tuple(r))
        return out

    def _edge_rows(self, tx, keys: Iterable[tuple[str, str, str]]) -> list[tuple]:
        keys = sorted({_edge_key(*k) for k in keys})
        if not keys:
            return []
        return [(r["source"], r["type"], r["target"], r["doc_id"], r["properties"], r["provenance"])
                for r in tx.run(Q.edge_facts(self.ns), keys=keys)]

    def _read(self, work, *args):
        with self._errors(), self.session() as s:
            return s.execute_read(work, *args)

    # ------------------------------------------------------------------ reads
    def document_version(self, doc_id: str) -> str | None:
        def work(tx):
            r = tx.run(Q.document_version(self.ns), doc_id=doc_id).single()
            return r["version"] if r else None
        return self._read(work)

    def get_node(self, node_id: str) -> Node:
        facts = self._read(lambda tx: self._facts(tx, [node_id])).get(node_id)
        if not facts:
            raise NotFound(f"no node with id {node_id!r}", hint="search or list entities to find ids")
        return merge_facts(node_id, facts)

    def list_nodes(self, label: str | None = None, *, limit: int = 50, offset: int = 0) -> list[Node]:
        def work(tx):
            ids = [r["id"] for r in tx.run(Q.list_node_ids(self.ns, by_label=bool(label)),
                                           label=label, limit=max(0, limit), offset=max(0, offset))]
            return ids, self._facts(tx, ids)
        ids, facts = self._read(work)
        return [merge_facts(i, facts[i]) for i in ids]

    def neighbours(self, node_id: str, *, depth: int = 1, limit: int = 200) -> Subgraph:
        def work(tx):
            if not self._facts(tx, [node_id]):
                raise NotFound(f"no node with id {node_id!r}", hint="search or list entities to find ids")
            seen = {node_id}
            frontier = [node_id]
            keys: set[tuple[str, str, str]] = set()
            for _ in range(max(0, depth)):
                if not frontier or len(seen) >= limit:
                    break
                nxt: list[str] = []
                rows = sorted((r["source"], r["type"], r["target"])
                              for r in tx.run(Q.incident_edges(self.ns), ids=frontier))
                for key in rows:
                    keys.add(key)
                    visit((key[0], key[2]), seen, nxt, limit=limit)
                frontier = nxt
            return self._facts(tx, sorted(seen)), self._edge_rows(tx, keys)
        facts, rows = self._read(work)
        nodes = [merge_facts(i, facts[i]) for i in sorted(facts)]
        edges = [e for e in merge_edges(rows) if e.source in facts and e.target in facts]
        return Subgraph(nodes, edges)

    def iter_graph(self) -> Iterator[Node | Edge]:
        def work(tx):
            facts: dict[str, list[tuple]] = {}
            for r in tx.run(Q.all_node_facts(self.ns)):
                facts.setdefault(r["node_id"], []).append(self._fact_tuple(r))
            rows = [(r["source"], r["type"], r["target"], r["doc_id"], r["properties"], r["provenance"])
                    for r in tx.run(Q.all_edge_facts(self.ns))]
            return facts, rows
        facts, rows = self._read(work)
        for nid in sorted(facts):
            yield merge_facts(nid, facts[nid])
        yield from sorted(merge_edges(rows), key=lambda e: e.key)

    def iter_documents(self) -> Iterator[DocumentGraph]:
        docs = self._read(lambda tx: [(r["doc_id"], r["version"], r["source"])
                                      for r in tx.run(Q.list_documents(self.ns))])
        for doc_id, version, source in sorted(docs):
            def work(tx, doc_id=doc_id):
                facts = [(r["node_id"], *self._fact_tuple(r)[1:]) for r in tx.run(Q.document_node_facts(self.ns),
                                                                                  doc_id=doc_id)]
                edges = [(r["source"], r["type"], r["target"], r["properties"], r["provenance"])
                         for r in tx.run(Q.document_edge_facts(self.ns), doc_id=doc_id)]
                return sorted(facts), sorted(edges)
            yield document_from_rows(doc_id, version, source, *self._read(work))

    def counts(self) -> dict[str, int]:
        def work(tx):
            out = {
                "documents": tx.run(Q.count_documents(self.ns)).single()["n"],
                "nodes": tx.run(Q.count_nodes(self.ns)).single()["n"],
                "edges": tx.run(Q.count_edges(self.ns)).single()["n"],
            }
            for r in tx.run(Q.count_nodes_by_label(self.ns)):
                out[f"nodes:{r['label']}"] = r["n"]
            return out
        return self._read(work)
