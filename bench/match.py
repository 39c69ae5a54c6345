"""Eligibility at scale: every firm × every clause with criteria, and one firm's answer over HTTP.

Run: ``.venv/bin/python bench/match.py [--firms 100000] [--requests 300]``

1. Ingest the Zhejiang corpus and import the Yongchuan registry (1,390 firms) into a fresh
   embedded store; load the clauses that carry criteria.
2. Baseline in the same process: the scalar engine (`eligibility.evaluate`, one Python call
   per firm × clause) on the registry firms.
3. The columnar engine (`vectorized.FirmTable`) on the registry firms, then on a synthetic
   population of `--firms` firms (registry firms with varied places, qualifications and
   yearly figures); prints firms × clauses per second and the ratio to the scalar engine.
4. One firm's full answer through the API (`GET /firms/{code}/matches`, uvicorn on 127.0.0.1),
   p50 and p99 over `--requests` requests.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from policykg.api.main import create_app
from policykg.app.matching import load_rules
from policykg.core.settings import Settings
from policykg.eligibility.columnar import FirmTable
from policykg.eligibility.engine import Fact, FirmProfile, evaluate
from policykg.eligibility.profile import firm_from_graph
from policykg.graph.sqlite_store import SqliteGraphStore
from policykg.ingest.firms import import_firm_file
from policykg.ingest.pipeline import Ingestor
from policykg.search.sqlite_index import SqliteSearchIndex

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PLACES = ["浙江省嘉兴市南湖区", "浙江省嘉兴市", "浙江省湖州市", "浙江省台州市仙居县", "浙江省平湖市", "重庆市永川区"]
QUALS = ["高新技术企业", "科技型企业", "专精特新企业", "规模以上工业企业", "省农业科技企业"]


def synthetic(base: list[FirmProfile], n: int, seed: int = 1) -> list[FirmProfile]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        b = base[i % len(base)]
        facts = [f for f in b.facts if f.attribute not in ("registered_place",)]
        facts.append(Fact("registered_place", rng.choice(PLACES)))
        for q in rng.sample(QUALS, rng.randint(0, 2)):
            facts.append(Fact("qualification", q, date="2021-01-01"))
        for attr, scale in (("revenue", 5e7), ("tax_paid", 5e6), ("employees", 300)):
            if rng.random() < 0.7:
                facts.append(Fact(attr, round(rng.random() * scale), year=2023,
                                  unit="人" if attr == "employees" else "元"))
        if rng.random() < 0.6:
            facts.append(Fact("no_major_violation", rng.random() < 0.9))
        out.append(FirmProfile(f"S{i:07d}", f"合成企业{i}", facts))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)

    data = Path(tempfile.mkdtemp())
    graph, index = SqliteGraphStore(data), SqliteSearchIndex(data)
    ingestor = Ingestor(graph, index, max_bytes=50 * 2**20)
    t0 = time.perf_counter()
    ingestor.ingest_paths([SHARED / "corpus" / "zhejiang"], workers=2)
    import_firm_file(SHARED / "data" / "enterprises" / "yongchuan_registry.csv", ingestor)
    print(f"setup (ingest 81 documents + 1,390 firms): {time.perf_counter() - t0:.1f} s")

    rules = load_rules(graph)
    firms = [firm_from_graph(n) for n in graph.list_nodes("Enterprise", limit=100_000)]
    print(f"{len(rules)} clauses with criteria, {len(firms)} firms in the graph (the registry's and those the documents name)\n")

    t0 = time.perf_counter()
    scalar = [[evaluate(r.condition, f)[0] for r in rules] for f in firms]
    t_scalar = time.perf_counter() - t0
    pairs = len(rules) * len(firms)
    print(f"scalar engine, registry:      {pairs:>12,} pairs {t_scalar:8.2f} s {pairs / t_scalar:14,.0f} pairs/s  1.00×")

    t0 = time.perf_counter()
    table = FirmTable(firms)
    columns = [table.evaluate(r.condition) for r in rules]
    t_vec = time.perf_counter() - t0
    agree = all(columns[j][i] == {"eligible": 1, "unknown": 0, "ineligible": -1}[scalar[i][j].value]
                for i in range(len(firms)) for j in range(len(rules)))
    print(f"columnar engine, registry:    {pairs:>12,} pairs {t_vec:8.2f} s {pairs / t_vec:14,.0f} pairs/s "
          f"{t_scalar / t_vec:5.1f}×  (same answers: {agree})")

    population = synthetic(firms, args.firms)
    t0 = time.perf_counter()
    table = FirmTable(population)
    t_table = time.perf_counter() - t0
    counts = {1: 0, 0: 0, -1: 0}
    for r in rules:
        col = table.evaluate(r.condition)
        for code in (1, 0, -1):
            counts[code] += int((col == code).sum())
    t_all = time.perf_counter() - t0
    pairs = len(rules) * len(population)
    print(f"columnar engine, {len(population):,} firms: {pairs:>12,} pairs {t_all:8.2f} s "
          f"{pairs / t_all:14,.0f} pairs/s  (columns built in {t_table:.1f} s; target < 60 s)")
    print(f"  answers: {counts[1]:,} eligible, {counts[0]:,} unknown, {counts[-1]:,} ineligible\n")

    # One firm's full answer through the API.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(data_dir=data)), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    codes = [f.credit_code for f in firms]
    times = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        client.get(f"/firms/{codes[0]}/matches").raise_for_status()  # loads the rules once
        for i in range(args.requests):
            t0 = time.perf_counter()
            client.get(f"/firms/{codes[i % len(codes)]}/matches").raise_for_status()
            times.append(time.perf_counter() - t0)
    server.should_exit = True
    times.sort()
    p50 = statistics.median(times) * 1000
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
    print(f"one firm's answer over HTTP ({len(rules)} clauses): p50 {p50:.1f} ms, p99 {p99:.1f} ms  (target p99 < 50 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
