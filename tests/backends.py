"""Which backends the contract suites run against.

The embedded SQLite backends always; the Neo4j and Elasticsearch ones when
POLICYKG_TEST_SERVERS=1 (set by `make test`, which starts the real servers with
services/run). Server backends are then required, never skipped.
"""

from __future__ import annotations

import os


def servers_enabled() -> bool:
    return os.environ.get("POLICYKG_TEST_SERVERS") == "1"


def graph_backends() -> list[str]:
    return ["sqlite"] + (["neo4j"] if servers_enabled() else [])


def search_backends() -> list[str]:
    return ["sqlite"] + (["elasticsearch"] if servers_enabled() else [])
