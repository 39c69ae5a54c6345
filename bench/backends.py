"""Ingest of the whole corpus and 1,000 searches on each backend, as ratios to the embedded
backend measured in the same run (needs the servers: `services/run start`).

Run: ``NEO4J_PASSWORD=… POLICYKG_NEO4J_PASSWORD=… .venv/bin/python bench/backends.py [CORPUS] [--searches 1000]``

Extraction is done once up front, so the figures compare the stores, not the NLP:
* write: every extracted document through `Ingestor.write` (graph store, then search index);
* search: the same query list cycled to N searches through `SearchService`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from policykg.core.errors import PolicyKGError
from policykg.core.settings import Settings
from policykg.graph.neo4j_store import Neo4jGraphStore
from policykg.graph.sqlite_store import SqliteGraphStore
from policykg.ingest.pipeline import Ingestor, extract_document
from policykg.ingest.reader import iter_input_files, read_document
from policykg.search.elasticsearch_index import ElasticsearchIndex
from policykg.search.service import SearchService
from policykg.search.sqlite_index import SqliteSearchIndex

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
QUERIES = ["高新技术企业", "高企", "科技保险补贴", "创新30条", "区科技局", "融通创新产业引导基金", "人才", "上市",
           "专项资金", "奖励", "研发费用补助", "众创空间", "电子商务", "贷款贴息", "知识产权", "博士后工作站"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="*", type=Path, default=[DEFAULT_CORPUS])
    parser.add_argument("--searches", type=int, default=1000)
    args = parser.parse_args(argv)

    docs = []
    for path in iter_input_files(args.corpus):
        try:
            docs.append(extract_document(read_document(path)))
        except PolicyKGError:
            pass
    units = sum(len(d.units) for d in docs)
    print(f"{len(docs)} documents, {units} search units, {args.searches} searches per backend\n")

    tmp = Path(tempfile.mkdtemp())
    settings = Settings()
    neo = Neo4jGraphStore.from_settings(settings, namespace="bench")
    neo.drop_all()
    es = ElasticsearchIndex.from_settings(settings, index="bench")
    es.clear()
    setups = {
        "embedded (SQLite + FTS5)": (SqliteGraphStore(tmp / "a"), SqliteSearchIndex(tmp / "a")),
        "server (Neo4j + Elasticsearch)": (neo, es),
    }
    rows = {}
    for name, (graph, index) in setups.items():
        ingestor = Ingestor(graph, index, max_bytes=50 * 2**20)
        t0 = time.perf_counter()
        for d in docs:
            ingestor.write(d)
        t_write = time.perf_counter() - t0
        service = SearchService(index)
        service.search(QUERIES[0])  # warm up connections and caches
        t0 = time.perf_counter()
        for i in range(args.searches):
            service.search(QUERIES[i % len(QUERIES)], limit=10)
        t_search = time.perf_counter() - t0
        rows[name] = (t_write, t_search)
    base_w, base_s = rows["embedded (SQLite + FTS5)"]
    print(f"{'backend':<32} {'write s':>8} {'vs embedded':>12} {'search s':>9} {'per search ms':>14} {'vs embedded':>12}")
    for name, (w, s) in rows.items():
        print(f"{name:<32} {w:8.2f} {w / base_w:11.2f}× {s:9.2f} {1000 * s / args.searches:14.2f} {s / base_s:11.2f}×")
    print("\n(× = time relative to the embedded backend in this run; higher is slower)")
    neo.drop_all()
    es.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
