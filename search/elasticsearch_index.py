"""The server search index: Elasticsearch, BM25 over the same jieba tokens SQLite indexes.

Reads and writes go through an alias (``settings.es_index``); the physical indices behind it
are named ``<alias>-<UTC timestamp>``, so `ElasticsearchIndex.rebuild` can load a new one and
swap the alias in a single ``_aliases`` call.

One physical index holds two kinds of documents, told apart by the keyword field ``kind``:

- ``unit``: one `SearchUnit`, with ``tokens`` analysed by the built-in ``whitespace`` analyzer;
- ``document``: one per indexed document, recording its ``version`` (no ``tokens`` field, so
  it never changes the BM25 statistics of ``tokens``).

Keeping both in one index means a rebuild swaps units and versions together.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from policykg.core.errors import BackendUnavailable
from policykg.core.model import SearchHit, SearchQuery, SearchUnit, TermStats, one_hit_per_node

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from policykg.core.settings import Settings

UNIT = "unit"
DOCUMENT = "document"
# The most ids one search returns (index.max_result_window); more are fetched in rounds.
MAX_IDS = 10_000

# k1 and b are Lucene's defaults and also SQLite FTS5's bm25() defaults; spelled out so the two
# backends stay aligned if either default ever moves.
INDEX_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,  # one shard: BM25 statistics over the whole index, as in SQLite
    "auto_expand_replicas": "0-1",
    "similarity": {"policykg_bm25": {"type": "BM25", "k1": 1.2, "b": 0.75}},
}
MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "kind": {"type": "keyword"},
        "node_id": {"type": "keyword"},
        "label": {"type": "keyword"},
        "doc_id": {"type": "keyword"},
        "version": {"type": "keyword"},
        # time.time_ns() of the write that stored the unit: newer writes remove older units.
        "generation": {"type": "long"},
        "title": {"type": "text", "index": False},
        "text": {"type": "text", "index": False},
        # Number of tokens: the exact unit length the search service's BM25 uses.
        "length": {"type": "integer"},
        # Tokens arrive segmented and lower-cased; splitting on spaces is all that is left to do.
        # Only term queries run on this field, so positions are not needed.
        "tokens": {"type": "text", "analyzer": "whitespace", "similarity": "policykg_bm25",
                   "index_options": "freqs"},
    },
}

_HINT = "start Elasticsearch (services/run start es) or check POLICYKG_ES_URL"


def _key(doc_id: str) -> str:
    # Ids are limited to 512 bytes; file names may be long and non-ASCII.
    return hashlib.sha1(doc_id.encode("utf-8")).hexdigest()


def _marker_id(doc_id: str) -> str:
    return f"{DOCUMENT}:{_key(doc_id)}"


def _unit_id(doc_id: str, generation: int, n: int) -> str:
    return f"{UNIT}:{_key(doc_id)}:{generation}:{n}"


@contextmanager
def _translated(url: str) -> Iterator[None]:
    """Turn client exceptions into `BackendUnavailable` with a readable message."""
    from elastic_transport import ConnectionError, ConnectionTimeout, TransportError
    from elasticsearch import ApiError, AuthenticationException, AuthorizationException
    from elasticsearch.helpers import BulkIndexError

    try:
        yield
    except ConnectionTimeout as e:
        raise BackendUnavailable(f"Elasticsearch at {url} did not answer in time", hint=_HINT) from e
    except ConnectionError as e:
        raise BackendUnavailable(f"cannot connect to Elasticsearch at {url}", hint=_HINT) from e
    except (AuthenticationException, AuthorizationException) as e:
        raise BackendUnavailable(f"Elasticsearch at {url} refused our credentials ({e.meta.status})",
                                 hint="check POLICYKG_ES_USER and POLICYKG_ES_PASSWORD") from e
    except ApiError as e:
        raise BackendUnavailable(f"Elasticsearch at {url} failed a request: {_reason(e)}") from e
    except BulkIndexError as e:
        first = e.errors[0] if e.errors else {}
        detail = next(iter(first.values()), {}).get("error", first) if first else ""
        raise BackendUnavailable(f"Elasticsearch at {url} rejected {len(e.errors)} bulk item(s): {detail}") from e
    except TransportError as e:
        raise BackendUnavailable(f"Elasticsearch at {url} failed: {e}", hint=_HINT) from e


def _reason(e: Any) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        return f"{err.get('type')}: {err.get('reason')} ({e.meta.status})"
    return f"{e.message} ({e.meta.status})"


class ElasticsearchIndex:
    """`SearchIndex` on Elasticsearch 8 (``settings.search = "elasticsearch"``).

    Args:
        url: Elasticsearch URL, e.g. ``http://127.0.0.1:9200``.
        alias: The alias reads and writes go through (lower case).
        user: Basic-auth user, if security is on.
        password: Its password.
        timeout: Seconds a request may take before the backend counts as unavailable.
    """

    def __init__(self, url: str, alias: str, *, user: str | None = None, password: str | None = None,
                 timeout: float = 10.0) -> None:
        self.url = url
        self.alias = alias
        self._auth = (user, password or "") if user else None
        self._timeout = timeout
        self._es: Elasticsearch | None = None
        self._ready = False
        self.lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: Settings, index: str | None = None) -> ElasticsearchIndex:
        """The index named by ``settings.es_index``, or by ``index`` when given."""
        password = settings.es_password.get_secret_value() if settings.es_password else None
        return cls(settings.es_url, index or settings.es_index, user=settings.es_user, password=password)

    # -- connection ------------------------------------------------------------------------

    @property
    def es(self) -> Elasticsearch:
        """The client, created on first use."""
        if self._es is None:
            from elasticsearch import Elasticsearch

            try:
                self._es = Elasticsearch(self.url, basic_auth=self._auth, request_timeout=self._timeout,
                                         max_retries=1, retry_on_timeout=False)
            except ValueError as e:
                raise BackendUnavailable(f"bad Elasticsearch URL {self.url!r}: {e}",
                                         hint="check POLICYKG_ES_URL") from e
        return self._es

    def _errors(self):
        return _translated(self.url)

    def _ensure_index(self) -> None:
        """Create the alias and a first, empty physical index behind it unless they exist."""
        if self._ready:
            return
        es = self.es
        if not es.indices.exists_alias(name=self.alias):
            if es.indices.exists(index=self.alias):
                raise BackendUnavailable(
                    f"Elasticsearch index {self.alias!r} is a plain index, not an alias",
                    hint="run `policykg reindex` to rebuild it behind an alias")
            from elasticsearch import BadRequestError

            name = self._new_physical_name()
            try:
                es.indices.create(index=name, settings=INDEX_SETTINGS, mappings=MAPPINGS,
                                  aliases={self.alias: {"is_write_index": True}})
            except BadRequestError:
                # Another process created the alias first: use theirs, drop ours.
                es.indices.delete(index=name, ignore_unavailable=True)
                if not es.indices.exists_alias(name=self.alias):
                    raise
        self._ready = True

    def _new_physical_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"

    def _physical_indices(self) -> list[str]:
        from elasticsearch import NotFoundError

        try:
            return sorted(self.es.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    # -- writes ----------------------------------------------------------------------------

    @staticmethod
    def unit_actions(index: str, doc_id: str, version: str, generation: int,
                     units: list[SearchUnit]) -> Iterator[dict[str, Any]]:
        """The bulk actions that index one document's units as one generation (step 1 of a write)."""
        for n, u in enumerate(units):
            # The body goes under _source: the bulk helper would take a top-level "version"
            # for the _version metadata.
            yield {"_op_type": "index", "_index": index, "_id": _unit_id(doc_id, generation, n),
                   "_source": {"kind": UNIT, "node_id": u.node_id, "label": u.label, "doc_id": u.doc_id,
                               "version": version, "generation": generation, "title": u.title,
                               "text": u.text, "tokens": u.tokens, "length": len(u.tokens.split())}}

    @staticmethod
    def _marker_action(index: str, doc_id: str, version: str, generation: int) -> dict[str, Any]:
        # External versioning keeps the marker of the newest write if two writers race.
        return {"_op_type": "index", "_index": index, "_id": _marker_id(doc_id),
                "_version": generation, "_version_type": "external",
                "_source": {"kind": DOCUMENT, "doc_id": doc_id, "version": version, "generation": generation}}

    def write_document(self, doc_id: str, version: str, units: list[SearchUnit]) -> None:
        """Replace every unit of a document.

        Elasticsearch has no multi-document transaction, so the steps are ordered so that a
        search at any moment sees the old units, the new ones, or (briefly) both; never none:

        1. index the new units, tagged with this write's ``generation`` (a nanosecond clock,
           above the recorded one);
        2. delete the document's units of any older generation (found by a search on
           ``doc_id``, since delete-by-query needs the absent reindex module);
        3. only then record the new version in the document's marker.

        A crash after 1 leaves old and new units searchable and the old version recorded;
        after 2, the new units and the old version. Either way `document_version` still
        says the old version, so the next ingest writes the document again and finishes the
        job (step 2 also removes units a crashed earlier write left behind).

        Raises:
            BackendUnavailable: Elasticsearch cannot be reached or refuses the write.
        """
        from elasticsearch import helpers

        with self.lock, self._errors():
            self._ensure_index()
            es = self.es
            generation = self._next_generation(doc_id)
            # No refresh between the steps: a refresh that exposes step 2's deletions also
            # exposes step 1's units (one shard applies operations in order), and the one at
            # the end exposes all three at once.
            helpers.bulk(es, self.unit_actions(self.alias, doc_id, version, generation, units),
                         chunk_size=1000)
            self._delete_units(doc_id, older_than=generation)
            # A 409 means a newer write of this document already recorded its version.
            helpers.bulk(es, [self._marker_action(self.alias, doc_id, version, generation)],
                         refresh=True, ignore_status=(409,))

    def _next_generation(self, doc_id: str) -> int:
        """The clock in nanoseconds, but always above the recorded write's generation (so a clock
        that steps back cannot leave newer units behind older ones)."""
        res = self.es.options(ignore_status=404).get(index=self.alias, id=_marker_id(doc_id),
                                                     source_includes=["generation"])
        recorded = res["_source"]["generation"] if res.get("found") else 0
        return max(time.time_ns(), recorded + 1)

    def _delete_units(self, doc_id: str, *, older_than: int | None = None) -> int:
        """Delete a document's units (those older than a generation, if given); returns how many."""
        from elasticsearch import helpers

        es = self.es
        query: dict[str, Any] = {"bool": {"filter": [{"term": {"kind": UNIT}}, {"term": {"doc_id": doc_id}}]}}
        if older_than is not None:
            query["bool"]["filter"].append({"range": {"generation": {"lt": older_than}}})
        deleted = 0
        while True:
            res = es.search(index=self.alias, query=query, size=MAX_IDS, source=False,
                            track_total_hits=False)
            ids = [h["_id"] for h in res["hits"]["hits"]]
            if not ids:
                return deleted
            helpers.bulk(es, ({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids),
                         chunk_size=1000, ignore_status=(404,))
            deleted += len(ids)
            if len(ids) < MAX_IDS:
                return deleted
            es.indices.refresh(index=self.alias)  # so the next round finds the rest

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document's units and its version. Returns False if nothing was stored.

        Raises:
            BackendUnavailable: Elasticsearch cannot be reached.
        """
        with self.lock, self._errors():
            self._ensure_index()
            # The version goes first: a crash in between leaves units without a version, which
            # the next ingest of the file rewrites, rather than a version with no units, which
            # it would wrongly skip.
            res = self.es.options(ignore_status=404).delete(index=self.alias, id=_marker_id(doc_id))
            units = self._delete_units(doc_id)
            self.es.indices.refresh(index=self.alias)
            return units > 0 or res.get("result") == "deleted"

    def rebuild(self, units_by_doc: Iterable[tuple[str, str, list[SearchUnit]]]) -> int:
        """Build a new physical index from scratch and swap the alias to it atomically.

        Searches keep using the old index while the new one loads; the alias then moves in
        one ``_aliases`` call, and the old index is deleted. If loading fails, the new index
        is dropped and the old one stays in service.

        Args:
            units_by_doc: ``(doc_id, version, units)`` for every document.

        Returns:
            The number of units indexed.

        Raises:
            BackendUnavailable: Elasticsearch cannot be reached or refuses the load.
        """
        from elasticsearch import helpers

        count = 0

        def actions(index: str) -> Iterator[dict[str, Any]]:
            nonlocal count
            generation = time.time_ns()
            for doc_id, version, units in units_by_doc:
                yield from self.unit_actions(index, doc_id, version, generation, units)
                yield self._marker_action(index, doc_id, version, generation)
                count += len(units)

        with self.lock, self._errors():
            es = self.es
            new = self._new_physical_name()
            # No periodic refresh while loading; one refresh before the swap.
            es.indices.create(index=new, settings={**INDEX_SETTINGS, "refresh_interval": "-1"},
                              mappings=MAPPINGS)
            try:
                for _ok, _item in helpers.streaming_bulk(es, actions(new), chunk_size=1000):
                    pass  # errors raise BulkIndexError
                es.indices.put_settings(index=new, settings={"refresh_interval": None})
                es.indices.refresh(index=new)
                old = self._physical_indices()
                swap: list[dict[str, Any]] = [{"remove": {"index": o, "alias": self.alias}} for o in old]
                if not old and es.indices.exists(index=self.alias):
                    swap.append({"remove_index": {"index": self.alias}})  # a plain index in the way
                swap.append({"add": {"index": new, "alias": self.alias, "is_write_index": True}})
                es.indices.update_aliases(actions=swap)
            except BaseException:
                es.indices.delete(index=new, ignore_unavailable=True)
                raise
            if old:
                es.indices.delete(index=",".join(old), ignore_unavailable=True)
            self._ready = True
        return count

    def clear(self) -> None:
        """Drop every unit and version: swap in a fresh, empty index (which also resets the
        BM25 statistics that deleted units would otherwise skew until Lucene merges them away).

        Raises:
            BackendUnavailable: Elasticsearch cannot be reached.
        """
        self.rebuild(())

    def drop(self) -> None:
        """Delete the alias and every physical index behind it (tests, uninstall)."""
        with self.lock, self._errors():
            old = self._physical_indices()
            if old:
                self.es.indices.delete(index=",".join(old), ignore_unavailable=True)
            self._ready = False

    # -- reads -----------------------------------------------------------------------------

    def document_version(self, doc_id: str) -> str | None:
        with self._errors():
            self._ensure_index()
            res = self.es.options(ignore_status=404).get(index=self.alias, id=_marker_id(doc_id),
                                                         source_includes=["version"])
            return res["_source"]["version"] if res.get("found") else None

    def search(self, query: SearchQuery) -> list[SearchHit]:
        """One hit per node (`one_hit_per_node`): its best unit; best BM25 score first, ties by
        node id and document.

        Every query word becomes a ``term`` query on ``tokens``; user text never reaches a
        query parser. Each term is boosted so that its Lucene idf becomes FTS5's (see
        `_fts5_boosts`): both backends then rank alike and report comparable scores.
        """
        seen: set[str] = set()
        groups: list[list[str]] = []
        for group in query.groups:
            # A term in two groups counts once, as in SQLite's OR of distinct terms.
            terms = [t for t in dict.fromkeys(group) if t not in seen]
            seen.update(terms)
            if terms:
                groups.append(terms)
        if not groups:
            return []
        filters: list[dict[str, Any]] = [{"term": {"kind": UNIT}}]
        if query.labels:
            filters.append({"terms": {"label": list(query.labels)}})
        if query.doc_ids:
            filters.append({"terms": {"doc_id": list(query.doc_ids)}})
        with self._errors():
            self._ensure_index()
            boosts = self._fts5_boosts(seen)
            should = [{"bool": {"should": [{"term": {"tokens": {"value": t, "boost": boosts[t]}}}
                                           for t in terms if t in boosts]}}
                      for terms in groups]
            should = [c for c in should if c["bool"]["should"]]
            if not should:
                return []
            res = self.es.search(
                index=self.alias,
                query={"bool": {"should": should, "minimum_should_match": 1, "filter": filters}},
                collapse={"field": "node_id"} if one_hit_per_node(query.labels) else None,
                sort=[{"_score": "desc"}, {"node_id": "asc"}, {"doc_id": "asc"}], track_scores=True,
                from_=query.offset, size=query.limit, track_total_hits=False,
                source_includes=["node_id", "label", "doc_id", "title", "text", "tokens"])
        out = []
        for h in res["hits"]["hits"]:
            s = h["_source"]
            out.append(SearchHit(s["node_id"], s["label"], s["doc_id"], s["title"], round(h["_score"], 6), s["text"],
                                 tokens=s["tokens"]))
        return out

    def term_stats(self, terms: Iterable[str], labels: tuple[str, ...] = ()) -> TermStats:
        """Exact counts over live units (Lucene's own statistics still count deleted ones)."""
        terms = list(dict.fromkeys(terms))
        scope: dict[str, Any] = {"term": {"kind": UNIT}}
        if labels:
            scope = {"bool": {"filter": [scope, {"terms": {"label": list(labels)}}]}}
        with self._errors():
            self._ensure_index()
            aggs: dict[str, Any] = {"length": {"avg": {"field": "length"}}}
            if terms:
                aggs["df"] = {"filters": {"filters": {str(i): {"term": {"tokens": t}} for i, t in enumerate(terms)}}}
            res = self.es.search(index=self.alias, query=scope, size=0, track_total_hits=True, aggs=aggs)
        buckets = res["aggregations"].get("df", {}).get("buckets", {})
        freq = {t: buckets[str(i)]["doc_count"] for i, t in enumerate(terms)} if terms else {}
        return TermStats(res["hits"]["total"]["value"], float(res["aggregations"]["length"]["value"] or 0), freq)

    def _fts5_boosts(self, terms: Iterable[str]) -> dict[str, float]:
        """Per-term boosts that turn Lucene's BM25 idf into SQLite FTS5's; absent terms are left out.

        Lucene: idf = ln(1 + (N - n + 0.5) / (n + 0.5)), always positive.
        FTS5:   idf = ln((N - n + 0.5) / (n + 0.5)), and 1e-6 when that is <= 0 (n >= N/2).
        The tf part is the same in both (ES keeps the (k1 + 1) factor), so boosting each term
        by idf_fts5 / idf_lucene gives FTS5's score, up to Lucene storing unit lengths in one
        byte (lengths above ~24 tokens are rounded). N and n come from the same index
        statistics Lucene scores with (a term-vectors request for an artificial document).
        """
        terms = list(terms)
        res = self.es.termvectors(index=self.alias, doc={"tokens": " ".join(terms)}, fields=["tokens"],
                                  term_statistics=True, field_statistics=True, positions=False,
                                  offsets=False, realtime=False)
        vectors = res.get("term_vectors", {}).get("tokens")
        if not vectors:
            return {}
        total = vectors["field_statistics"]["doc_count"]
        boosts = {}
        for t in terms:
            n = vectors["terms"].get(t, {}).get("doc_freq", 0)
            if n == 0:
                continue
            ratio = (total - n + 0.5) / (n + 0.5)
            fts5_idf = math.log(ratio) if ratio > 1 else 1e-6
            boosts[t] = fts5_idf / math.log(1 + ratio)
        return boosts

    def count(self) -> int:
        with self._errors():
            self._ensure_index()
            return self.es.count(index=self.alias, query={"term": {"kind": UNIT}})["count"]

    def close(self) -> None:
        if self._es is not None:
            self._es.close()
            self._es = None
        self._ready = False
