"""The clauses with criteria of each graph, loaded once per state of the graph.

The eligibility routes read them (`rules_of`); routes that change the graph drop them
(`forget_rules`), so the next answer sees the new clauses and firms at once.
"""

from __future__ import annotations

import threading
import time

from policykg.app import matching
from policykg.graph.store import GraphStore

RECHECK_SECONDS = 5.0

_lock = threading.Lock()
_cache: dict[int, tuple[tuple, list[matching.ClauseRule], float]] = {}


def rules_of(graph: GraphStore) -> list[matching.ClauseRule]:
    """The clauses with criteria, loaded once per state of the graph. Whether the graph changed
    (its counts) is checked at most every few seconds: that check costs more than an answer."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(id(graph))
        if hit and now - hit[2] < RECHECK_SECONDS:
            return hit[1]
    c = graph.counts()
    key = (c["documents"], c["nodes"], c["edges"])
    with _lock:
        hit = _cache.get(id(graph))
        if hit and hit[0] == key:
            _cache[id(graph)] = (key, hit[1], now)
            return hit[1]
    rules = matching.load_rules(graph)
    with _lock:
        _cache[id(graph)] = (key, rules, now)
    return rules


def forget_rules(graph: GraphStore) -> None:
    """Drop the cached clauses after this process changed the graph."""
    with _lock:
        _cache.pop(id(graph), None)
