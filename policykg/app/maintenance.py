"""Whole-store operations: rebuild the search index from the graph, move a graph between backends."""

from __future__ import annotations

from collections.abc import Callable

from policykg.core.errors import NotFound
from policykg.core.model import DuplicatePolicy
from policykg.graph.store import GraphStore
from policykg.ingest.units import units_for
from policykg.search.index import SearchIndex


def reindex(graph: GraphStore, index: SearchIndex, *, progress: Callable[[str], None] | None = None) -> int:
    """Rebuild the search index from the graph; readers see the old index until the swap.

    Returns:
        The number of documents indexed.
    """
    def documents():
        for doc in graph.iter_documents():
            if progress:
                progress(doc.doc_id)
            yield doc.doc_id, doc.version, units_for(doc)

    return index.rebuild(documents())


def migrate(source: GraphStore, target: GraphStore, *, progress: Callable[[str], None] | None = None) -> int:
    """Copy every document of `source` into `target`, each in one transaction; a document the
    target already holds in the same version is left as it is, so a stopped migration can be
    run again.

    Returns:
        The number of documents copied or already present.
    """
    n = 0
    for doc in source.iter_documents():
        target.write_document(doc, DuplicatePolicy.OVERWRITE)
        n += 1
        if progress:
            progress(doc.doc_id)
    return n


def graph_has(graph: GraphStore, node_id: str) -> bool:
    """Whether the graph holds a node with this id."""
    try:
        graph.get_node(node_id)
    except NotFound:
        return False
    return True
