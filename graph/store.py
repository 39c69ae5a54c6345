"""The graph store Protocol. Implementations: `SqliteGraphStore` (embedded default) and
`Neo4jGraphStore` (server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from policykg.core.errors import Conflict
from policykg.core.model import (
    DocumentGraph,
    DuplicatePolicy,
    Edge,
    Node,
    Subgraph,
    WriteOutcome,
)


@runtime_checkable
class GraphStore(Protocol):
    """Nodes and edges with provenance, written one document at a time.

    A node may be contributed by several documents (an agency named in many); the store keeps
    each document's contribution apart, so replacing or deleting a document removes exactly
    what it added. Reads return merged nodes.
    """

    def write_document(self, doc: DocumentGraph, policy: DuplicatePolicy = DuplicatePolicy.OVERWRITE) -> WriteOutcome:
        """Store a document's nodes and edges in one transaction, replacing its older version.

        Raises:
            Conflict: policy is FAIL and another version of the document is stored.
            BackendUnavailable: the backend cannot be reached; nothing was written.
        """
        ...

    def delete_document(self, doc_id: str) -> bool:
        """Remove everything a document contributed. Returns False if it was not stored."""
        ...

    def document_version(self, doc_id: str) -> str | None:
        """The stored version (content hash) of a document, or None."""
        ...

    def get_node(self, node_id: str) -> Node:
        """A merged node with its provenance.

        Raises:
            NotFound: no node has this id.
        """
        ...

    def list_nodes(self, label: str | None = None, *, limit: int = 50, offset: int = 0) -> list[Node]:
        """Nodes ordered by id, optionally of one ontology class."""
        ...

    def neighbours(self, node_id: str, *, depth: int = 1, limit: int = 200) -> Subgraph:
        """The node and everything within `depth` edges of it, either direction.

        Raises:
            NotFound: no node has this id.
        """
        ...

    def iter_graph(self) -> Iterator[Node | Edge]:
        """Every node, then every edge, in a stable order (for export and migration)."""
        ...

    def iter_documents(self) -> Iterator[DocumentGraph]:
        """Each stored document as it was written: its own node facts (primary flags kept),
        its edges, version and source; in doc_id order. For `reindex` and `migrate`."""
        ...

    def counts(self) -> dict[str, int]:
        """Number of documents, nodes and edges, and nodes per label."""
        ...

    def close(self) -> None: ...


def decide_duplicate(stored: str | None, doc: DocumentGraph, policy: DuplicatePolicy) -> WriteOutcome | None:
    """What a store does with a document given the version it holds (None: write it).

    Raises:
        Conflict: policy is FAIL and another version is stored.
    """
    if stored is None:
        return None
    if policy is DuplicatePolicy.SKIP:
        return WriteOutcome.SKIPPED
    if stored == doc.version:
        return WriteOutcome.UNCHANGED
    if policy is DuplicatePolicy.FAIL:
        raise Conflict(f"document {doc.doc_id} is stored in another version",
                       hint="delete it first or ingest with overwrite")
    return None


def visit(ends: tuple[str, str], seen: set[str], frontier: list[str], *, limit: int) -> None:
    """One step of a breadth-first walk: the ends of an edge not seen yet join the next frontier,
    while fewer than `limit` nodes are seen (both stores walk `neighbours` this way)."""
    for node_id in ends:
        if node_id not in seen and len(seen) < limit:
            seen.add(node_id)
            frontier.append(node_id)
