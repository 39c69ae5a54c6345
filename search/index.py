"""The search index Protocol. Implementations: `SqliteSearchIndex` (embedded default) and
`ElasticsearchIndex` (server)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from policykg.core.model import SearchHit, SearchQuery, SearchUnit, TermStats


@runtime_checkable
class SearchIndex(Protocol):
    """BM25 full text over pre-tokenised units (documents, clauses, entities)."""

    def write_document(self, doc_id: str, version: str, units: list[SearchUnit]) -> None:
        """Replace every unit of a document in one step.

        Raises:
            BackendUnavailable: the backend cannot be reached; the old units stay.
        """
        ...

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document's units. Returns False if none were stored."""
        ...

    def document_version(self, doc_id: str) -> str | None:
        """The version the document's units were indexed from, or None."""
        ...

    def search(self, query: SearchQuery) -> list[SearchHit]:
        """Candidates: units matching any term of the query, by the backend's own BM25 (scores
        are not comparable across backends), best first; one per node (its best unit) unless
        every label asked for is a document's own (`one_hit_per_node`); each hit carries its unit's tokens. The search
        service scores them again the same way on every backend."""
        ...

    def term_stats(self, terms: Iterable[str], labels: tuple[str, ...] = ()) -> TermStats:
        """Exact statistics of the indexed units for these terms (see `TermStats`), over the
        units of these labels only when labels are given (documents and clauses are scored
        against their own kind: a whole document is not a long clause)."""
        ...

    def rebuild(self, documents: Iterable[tuple[str, str, list[SearchUnit]]]) -> int:
        """Replace the whole index with these (doc_id, version, units), atomically for readers:
        searches see the old index until the new one is complete. Returns documents indexed."""
        ...

    def count(self) -> int:
        """Number of indexed units."""
        ...

    def clear(self) -> None:
        """Drop every unit (before a full reindex)."""
        ...

    def close(self) -> None: ...
