"""Builds a fresh, empty search index of a given backend for one test."""

from __future__ import annotations

import re
from pathlib import Path

from policykg.core.settings import Settings
from policykg.search.index import SearchIndex


def make_search_index(backend: str, tmp_path: Path, test_name: str) -> SearchIndex:
    if backend == "sqlite":
        from policykg.search.sqlite_index import SqliteSearchIndex

        return SqliteSearchIndex(tmp_path / "data")
    if backend == "elasticsearch":
        from policykg.search.elasticsearch_index import ElasticsearchIndex

        name = "test-" + re.sub(r"[^a-z0-9_-]", "-", test_name.lower())[:80]
        index = ElasticsearchIndex.from_settings(Settings(), index=name)
        index.clear()
        return index
    raise ValueError(backend)
