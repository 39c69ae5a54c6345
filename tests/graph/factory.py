"""Builds a fresh, empty store of a given backend for one test."""

from __future__ import annotations

import re
from pathlib import Path

from policykg.core.settings import Settings
from policykg.graph.store import GraphStore


def make_graph_store(backend: str, tmp_path: Path, test_name: str) -> GraphStore:
    if backend == "sqlite":
        from policykg.graph.sqlite_store import SqliteGraphStore

        return SqliteGraphStore(tmp_path / "data")
    if backend == "neo4j":
        from policykg.graph.neo4j_store import Neo4jGraphStore

        # One Neo4j database for the run (Community has one user database): each test gets
        # its own namespace, cleaned before and after.
        settings = Settings()
        namespace = re.sub(r"\W", "_", test_name)[:60]
        store = Neo4jGraphStore.from_settings(settings, namespace=namespace)
        store.drop_all()
        return store
    raise ValueError(backend)
