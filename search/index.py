"""The search index Protocol. Implementations: `SqliteSearchIndex` (embedded default) and
`ElasticsearchIndex` (server)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from policykg.model import SearchHit, SearchQuery, SearchUnit


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
        """Units matching any term of the query, best BM25 score first (ties by node id)."""
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
