"""Whole-store operations: rebuild the search index from the graph, move a graph between backends."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from policykg.core.errors import NotFound
from policykg.core.model import PASSAGE, DuplicatePolicy
from policykg.graph.store import GraphStore
from policykg.ingest.units import units_for
from policykg.search.index import SearchIndex
from policykg.search.vectors import VECTORS_FILE, TermVectors, VectorsUnavailable

log = logging.getLogger(__name__)


def reindex(graph: GraphStore, index: SearchIndex, *, progress: Callable[[str], None] | None = None,
            vectors_dir: Path | None = None) -> int:
    """Rebuild the search index from the graph; readers see the old index until the swap.
    With `vectors_dir`, also learn the term vectors again from the passages (`train_vectors`).

    Returns:
        The number of documents indexed.
    """
    sentences: list[list[str]] = []

    def documents():
        for doc in graph.iter_documents():
            if progress:
                progress(doc.doc_id)
            units = units_for(doc)
            sentences.extend(u.tokens.split() for u in units if u.label == PASSAGE)
            yield doc.doc_id, doc.version, units

    n = index.rebuild(documents())
    if vectors_dir is not None and sentences:
        TermVectors.train(sentences).save(vectors_dir)
    return n


def train_vectors(graph: GraphStore, vectors_dir: Path) -> TermVectors | None:
    """Learn term vectors from the passages of every document in the graph (gensim word2vec on
    the index's own tokens) and save them in `vectors_dir`, replacing the old ones atomically.
    Returns None when the graph holds no passage to learn from."""
    sentences = [u.tokens.split() for doc in graph.iter_documents() for u in units_for(doc) if u.label == PASSAGE]
    if not sentences:
        return None
    vectors = TermVectors.train(sentences)
    vectors.save(vectors_dir)
    return vectors


_LOADED: dict[Path, tuple[float, TermVectors]] = {}


def load_vectors(vectors_dir: Path) -> TermVectors | None:
    """The term vectors saved in `vectors_dir`, or None when there are none yet (search then
    ranks without them). Loaded again when the file changes."""
    path = Path(vectors_dir) / VECTORS_FILE
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    cached = _LOADED.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        vectors = TermVectors.load(vectors_dir)
    except VectorsUnavailable as e:
        log.warning("search ranks without term vectors: %s", e)
        return None
    _LOADED[path] = (mtime, vectors)
    return vectors


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
