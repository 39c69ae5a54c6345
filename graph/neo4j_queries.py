"""Every Cypher statement `Neo4jGraphStore` runs, in one module.

Values (ids, names, properties, provenance) always travel as parameters. Cypher cannot take
labels or relationship types as parameters, so the builders below interpolate them, and only
after `ident` has checked them: the store passes ontology class names and relation types it
validated against the ontology, and its namespace label, which is a word. Builders are cached,
so each statement text is built once per (namespace, label).

Graph layout (``NS`` is the namespace label: ``PolicyKG``, or ``ns_<namespace>`` for tests):

- ``(:NS:Entity:<Class> {id, name, aliases, <properties>})``: one merged node per graph node,
  with the ontology class as label and its merged properties flattened.
- ``(:NS {id})`` with no other label: an endpoint an edge names but no document describes
  (the relational store keeps such dangling edges, so this one does too).
- ``(a)-[:<RELATION> {<properties>}]->(b)``: one merged relationship per (source, type, target).
- ``(:NS:Doc {doc_id, version, source})``: a stored document.
- ``(:NS:Fact {from_doc, node_id, label, name, aliases, properties, provenance, primary})`` and
  ``(:NS:EdgeFact {from_doc, edge_key, source, type, target, properties, provenance})``: what one
  document said about a node or an edge (``properties``/``provenance`` as JSON). Merged nodes and
  relationships are re-derived from these on every write that touches them; reads merge them.
"""

from __future__ import annotations

import re
from functools import cache

ENTITY = "Entity"
DOC = "Doc"
FACT = "Fact"
EDGE_FACT = "EdgeFact"
DEFAULT_NAMESPACE_LABEL = "PolicyKG"

_WORD = re.compile(r"\w+")


def ident(name: str) -> str:
    """A label, relationship type or schema name, quoted for interpolation.

    Raises:
        ValueError: the name is not a single word (so it could not have come from the
            ontology or a checked namespace).
    """
    if not _WORD.fullmatch(name):
        raise ValueError(f"not a usable Neo4j identifier: {name!r}")
    return f"`{name}`"


# ---------------------------------------------------------------- schema

@cache
def namespace_constraints(ns: str) -> tuple[str, ...]:
    """Uniqueness within one namespace: entity ids and document ids (each kind of node
    carries only its own key property, so one label can hold both constraints)."""
    return (
        f"CREATE CONSTRAINT {ident(f'{ns}_id')} IF NOT EXISTS FOR (n:{ident(ns)}) REQUIRE n.id IS UNIQUE",
        (f"CREATE CONSTRAINT {ident(f'{ns}_doc_id')} IF NOT EXISTS "
         f"FOR (n:{ident(ns)}) REQUIRE n.doc_id IS UNIQUE"),
    )


FACT_INDEXES = (
    f"CREATE INDEX policykg_fact_node IF NOT EXISTS FOR (f:{FACT}) ON (f.node_id)",
    f"CREATE INDEX policykg_fact_doc IF NOT EXISTS FOR (f:{FACT}) ON (f.from_doc)",
    f"CREATE INDEX policykg_fact_label IF NOT EXISTS FOR (f:{FACT}) ON (f.label)",
    f"CREATE INDEX policykg_edge_fact_key IF NOT EXISTS FOR (f:{EDGE_FACT}) ON (f.edge_key)",
    f"CREATE INDEX policykg_edge_fact_doc IF NOT EXISTS FOR (f:{EDGE_FACT}) ON (f.from_doc)",
    f"CREATE INDEX policykg_entity_name IF NOT EXISTS FOR (n:{ENTITY}) ON (n.name)",
)


def property_index(label: str, key: str) -> str:
    """A range index on a natural key (文号, 统一社会信用代码) of a class."""
    return (f"CREATE INDEX {ident(f'policykg_{label}_{key}')} IF NOT EXISTS "
            f"FOR (n:{ident(label)}) ON (n.{ident(key)})")


SHOW_CONSTRAINTS = "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties, type RETURN *"
AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"


# ---------------------------------------------------------------- document writes

@cache
def lock_document(ns: str) -> str:
    """Create or find the document's node and write-lock it, so concurrent writers of one
    document queue up; the version it returns is the stored one (null when new)."""
    return (f"MERGE (d:{ident(ns)}:{DOC} {{doc_id: $doc_id}}) "
            "SET d._lock = true REMOVE d._lock "
            "RETURN d.version AS version")


@cache
def set_document(ns: str) -> str:
    return f"MATCH (d:{ident(ns)}:{DOC} {{doc_id: $doc_id}}) SET d.version = $version, d.source = $source"


@cache
def delete_document(ns: str) -> str:
    return f"MATCH (d:{ident(ns)}:{DOC} {{doc_id: $doc_id}}) DELETE d"


@cache
def delete_node_facts(ns: str) -> str:
    return (f"MATCH (f:{ident(ns)}:{FACT} {{from_doc: $doc_id}}) "
            "WITH f, f.node_id AS id DELETE f RETURN id")


@cache
def delete_edge_facts(ns: str) -> str:
    return (f"MATCH (f:{ident(ns)}:{EDGE_FACT} {{from_doc: $doc_id}}) "
            "WITH f, f.source AS source, f.type AS type, f.target AS target DELETE f "
            "RETURN source, type, target")


@cache
def create_node_facts(ns: str) -> str:
    return f"UNWIND $rows AS row CREATE (f:{ident(ns)}:{FACT}) SET f = row"


@cache
def create_edge_facts(ns: str) -> str:
    return f"UNWIND $rows AS row CREATE (f:{ident(ns)}:{EDGE_FACT}) SET f = row"


# ---------------------------------------------------------------- merged graph upkeep

def _when(field: str, value: str) -> str:
    # `value` is a checked identifier, so it cannot close the string literal.
    ident(value)
    return f"CASE WHEN {field} = '{value}' THEN [1] ELSE [] END"


@cache
def upsert_nodes(ns: str, labels: tuple[str, ...]) -> str:
    """Write merged nodes, each with exactly one of `labels` (the ontology classes): one
    statement for every class, since a label can only be set by name."""
    drop = "".join(f":{ident(label)}" for label in labels)
    chosen = " ".join(f"FOREACH (_ IN {_when('row.label', label)} | SET n:{ident(label)})" for label in labels)
    return (f"UNWIND $rows AS row MERGE (n:{ident(ns)} {{id: row.id}}) "
            f"SET n = row.props, n:{ENTITY} REMOVE n{drop} {chosen}")


@cache
def demote_nodes(ns: str, labels: tuple[str, ...]) -> str:
    """Nodes no document describes any more keep only their id (edges may still name them)."""
    drop = "".join(f":{ident(label)}" for label in labels)
    return (f"UNWIND $ids AS id MATCH (n:{ident(ns)}:{ENTITY} {{id: id}}) "
            f"SET n = {{id: id}} REMOVE n:{ENTITY}{drop}")


@cache
def upsert_edges(ns: str, types: tuple[str, ...]) -> str:
    """Write merged relationships of any of `types` (the ontology relations) in one statement."""
    chosen = " ".join(f"FOREACH (_ IN {_when('row.type', t)} | MERGE (a)-[r:{ident(t)}]->(b) SET r = row.props)"
                      for t in types)
    return (f"UNWIND $rows AS row "
            f"MERGE (a:{ident(ns)} {{id: row.source}}) "
            f"MERGE (b:{ident(ns)} {{id: row.target}}) {chosen}")


@cache
def delete_edges(ns: str) -> str:
    return (f"UNWIND $rows AS row "
            f"MATCH (:{ident(ns)} {{id: row.source}})-[r]->(:{ident(ns)} {{id: row.target}}) "
            "WHERE type(r) = row.type DELETE r")


@cache
def delete_orphans(ns: str) -> str:
    return (f"UNWIND $ids AS id MATCH (n:{ident(ns)} {{id: id}}) "
            f"WHERE NOT n:{ENTITY} AND NOT EXISTS {{ (n)--() }} DELETE n")


@cache
def drop_all(ns: str) -> str:
    return f"MATCH (n:{ident(ns)}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 5000 ROWS"


# ---------------------------------------------------------------- reads

_FACT_FIELDS = ("f.node_id AS node_id, f.from_doc AS doc_id, f.label AS label, f.name AS name, "
                "f.aliases AS aliases, f.properties AS properties, f.provenance AS provenance, "
                "f.primary AS primary")
_EDGE_FACT_FIELDS = ("f.source AS source, f.type AS type, f.target AS target, f.from_doc AS doc_id, "
                     "f.properties AS properties, f.provenance AS provenance")


@cache
def document_version(ns: str) -> str:
    return f"MATCH (d:{ident(ns)}:{DOC} {{doc_id: $doc_id}}) RETURN d.version AS version"


@cache
def node_facts(ns: str) -> str:
    return f"UNWIND $ids AS id MATCH (f:{ident(ns)}:{FACT} {{node_id: id}}) RETURN {_FACT_FIELDS}"


@cache
def all_node_facts(ns: str) -> str:
    return f"MATCH (f:{ident(ns)}:{FACT}) RETURN {_FACT_FIELDS}"


@cache
def edge_facts(ns: str) -> str:
    return f"UNWIND $keys AS k MATCH (f:{ident(ns)}:{EDGE_FACT} {{edge_key: k}}) RETURN {_EDGE_FACT_FIELDS}"


@cache
def all_edge_facts(ns: str) -> str:
    return f"MATCH (f:{ident(ns)}:{EDGE_FACT}) RETURN {_EDGE_FACT_FIELDS}"


@cache
def list_node_ids(ns: str, *, by_label: bool) -> str:
    where = "WHERE f.label = $label " if by_label else ""
    return (f"MATCH (f:{ident(ns)}:{FACT}) {where}"
            "RETURN DISTINCT f.node_id AS id ORDER BY id SKIP $offset LIMIT $limit")


@cache
def incident_edges(ns: str) -> str:
    """Relationships touching any of the given nodes, either direction."""
    return (f"UNWIND $ids AS id MATCH (a:{ident(ns)} {{id: id}})-[r]-(b:{ident(ns)}) "
            "RETURN DISTINCT startNode(r).id AS source, type(r) AS type, endNode(r).id AS target")


@cache
def count_documents(ns: str) -> str:
    return f"MATCH (d:{ident(ns)}:{DOC}) RETURN count(d) AS n"


@cache
def count_nodes(ns: str) -> str:
    return f"MATCH (f:{ident(ns)}:{FACT}) RETURN count(DISTINCT f.node_id) AS n"


@cache
def count_nodes_by_label(ns: str) -> str:
    return (f"MATCH (f:{ident(ns)}:{FACT}) "
            "RETURN f.label AS label, count(DISTINCT f.node_id) AS n ORDER BY label")


@cache
def count_edges(ns: str) -> str:
    return f"MATCH (f:{ident(ns)}:{EDGE_FACT}) RETURN count(DISTINCT f.edge_key) AS n"


@cache
def list_documents(ns: str) -> str:
    return (f"MATCH (d:{ident(ns)}:{DOC}) RETURN d.doc_id AS doc_id, d.version AS version, d.source AS source "
            "ORDER BY doc_id")


@cache
def document_node_facts(ns: str) -> str:
    return f"MATCH (f:{ident(ns)}:{FACT} {{from_doc: $doc_id}}) RETURN {_FACT_FIELDS} ORDER BY node_id"


@cache
def document_edge_facts(ns: str) -> str:
    return (f"MATCH (f:{ident(ns)}:{EDGE_FACT} {{from_doc: $doc_id}}) RETURN {_EDGE_FACT_FIELDS} "
            "ORDER BY source, type, target")
