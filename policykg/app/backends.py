"""Backends picked by name from the settings; server clients are created on first use."""

from __future__ import annotations

from collections.abc import Callable

from policykg.core.errors import InvalidInput
from policykg.core.settings import Settings
from policykg.graph.store import GraphStore
from policykg.search.index import SearchIndex


def _sqlite_graph(settings: Settings) -> GraphStore:
    from policykg.graph.sqlite_store import SqliteGraphStore

    return SqliteGraphStore(settings.data_dir)


def _sqlite_index(settings: Settings) -> SearchIndex:
    from policykg.search.sqlite_index import SqliteSearchIndex

    return SqliteSearchIndex(settings.data_dir)


def _neo4j_graph(settings: Settings) -> GraphStore:
    from policykg.graph.neo4j_store import Neo4jGraphStore

    return Neo4jGraphStore.from_settings(settings)


def _elasticsearch_index(settings: Settings) -> SearchIndex:
    from policykg.search.elasticsearch_index import ElasticsearchIndex

    return ElasticsearchIndex.from_settings(settings)


GRAPH_BACKENDS: dict[str, Callable[[Settings], GraphStore]] = {"sqlite": _sqlite_graph, "neo4j": _neo4j_graph}
SEARCH_BACKENDS: dict[str, Callable[[Settings], SearchIndex]] = {
    "sqlite": _sqlite_index,
    "elasticsearch": _elasticsearch_index,
}


def open_graph(settings: Settings) -> GraphStore:
    try:
        factory = GRAPH_BACKENDS[settings.graph]
    except KeyError:
        raise InvalidInput(f"unknown graph backend {settings.graph!r}", hint=f"one of {sorted(GRAPH_BACKENDS)}") from None
    return factory(settings)


def open_index(settings: Settings) -> SearchIndex:
    try:
        factory = SEARCH_BACKENDS[settings.search]
    except KeyError:
        raise InvalidInput(f"unknown search backend {settings.search!r}", hint=f"one of {sorted(SEARCH_BACKENDS)}") from None
    return factory(settings)
