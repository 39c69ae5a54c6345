"""Backends picked by name from the settings; server clients are created on first use (the
server backends import their drivers only when they connect)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from policykg.core.errors import InvalidInput
from policykg.core.settings import Settings
from policykg.graph.neo4j_store import Neo4jGraphStore
from policykg.graph.sqlite_store import SqliteGraphStore
from policykg.graph.store import GraphStore
from policykg.search.elasticsearch_index import ElasticsearchIndex
from policykg.search.index import SearchIndex
from policykg.search.sqlite_index import SqliteSearchIndex

GRAPH_BACKENDS: dict[str, Callable[[Settings], GraphStore]] = {
    "sqlite": lambda settings: SqliteGraphStore(settings.data_dir),
    "neo4j": Neo4jGraphStore.from_settings,
}
SEARCH_BACKENDS: dict[str, Callable[[Settings], SearchIndex]] = {
    "sqlite": lambda settings: SqliteSearchIndex(settings.data_dir),
    "elasticsearch": ElasticsearchIndex.from_settings,
}

T = TypeVar("T")


def _open(role: str, backend: str, table: dict[str, Callable[[Settings], T]], settings: Settings) -> T:
    try:
        factory = table[backend]
    except KeyError:
        raise InvalidInput(f"unknown {role} backend {backend!r}", hint=f"one of {sorted(table)}") from None
    return factory(settings)


def open_graph(settings: Settings) -> GraphStore:
    """The graph store `settings.graph` names.

    Raises:
        InvalidInput: no such backend.
        BackendUnavailable: a server backend is not configured or cannot be reached.
    """
    return _open("graph", settings.graph, GRAPH_BACKENDS, settings)


def open_index(settings: Settings) -> SearchIndex:
    """The search index `settings.search` names.

    Raises:
        InvalidInput: no such backend.
        BackendUnavailable: a server backend is not configured or cannot be reached.
    """
    return _open("search", settings.search, SEARCH_BACKENDS, settings)
