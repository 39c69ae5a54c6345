"""Search quality on a question set, next to naive jieba BM25 baselines run in the same process.

Run: ``.venv/bin/python bench/search_eval.py [--set bench/dev/search_questions.jsonl] [--data DIR] [-v]``

The corpus (`../shared/corpus`: the seed and the Zhejiang documents, plus any ``--texts`` folder)
is ingested into ``--data`` once (a later run with the same folder only rebuilds the search
index from the graph, as `policykg reindex` does). Each line of the set is
``{"id", "kind", "query", "doc", "answer"}``: the right document and an exact substring of it
that answers. Printed, overall and by kind:

* doc MRR@10 and nDCG@10 (one relevant document: 1 / log2(rank + 1));
* passage hit@10 and MRR@10: the first of the top 10 hits (the documents' passages, best
  first, in the documents' order, as `SearchService.search` lists them) whose text overlaps the answer (one holds the other, or they share a
  run of at least half of the shorter one); `any` counts every passage a document shows;
* the same figures for naive BM25 over whole documents and over lines (jieba's precise cut,
  no synonyms, no stop words), the baselines the issue names.

``--ablate`` prints the figures again with each of the product's signals switched off, and
with each signal that is off by default (`EXTRA_SIGNALS`) switched on.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from difflib import SequenceMatcher
from pathlib import Path

import jieba

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policykg.app.maintenance import load_vectors, reindex, train_vectors  # noqa: E402
from policykg.graph.sqlite_store import SqliteGraphStore  # noqa: E402
from policykg.ingest.pipeline import Ingestor  # noqa: E402
from policykg.search import service as service_module  # noqa: E402
from policykg.search.service import SearchService  # noqa: E402
from policykg.search.sqlite_index import SqliteSearchIndex  # noqa: E402

SHARED = ROOT.parent / "shared"
K = 10


def overlaps(passage: str, answer: str) -> bool:
    p, a = "".join(passage.split()), "".join(answer.split())
    if not p or not a:
        return False
    if a in p or p in a:
        return True
    m = SequenceMatcher(None, p, a, autojunk=False).find_longest_match(0, len(p), 0, len(a))
    return m.size >= 0.5 * min(len(p), len(a))


class NaiveBM25:
    """Okapi BM25 (k1 1.2, b 0.75) over jieba's precise cut of each unit."""

    def __init__(self, units: list[tuple[str, str]]) -> None:  # (key, text)
        self.keys = [k for k, _ in units]
        self.texts = [t for _, t in units]
        self.tfs = [Counter(w for w in jieba.lcut(t) if w.strip()) for t in self.texts]
        self.lens = [sum(c.values()) for c in self.tfs]
        self.avg = sum(self.lens) / max(1, len(self.lens))
        self.df: Counter[str] = Counter()
        for c in self.tfs:
            self.df.update(c.keys())
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, c in enumerate(self.tfs):
            for w in c:
                self.postings[w].append(i)

    def top(self, query: str, k: int = K) -> list[int]:
        n = len(self.tfs)
        scores: dict[int, float] = defaultdict(float)
        for w in {w for w in jieba.lcut(query) if w.strip()}:
            df = self.df.get(w, 0)
            if not df:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            for i in self.postings[w]:
                tf = self.tfs[i][w]
                scores[i] += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * self.lens[i] / self.avg))
        return sorted(scores, key=lambda i: (-scores[i], i))[:k]


def corpus_files(extra: list[Path]) -> list[Path]:
    files = [SHARED / "corpus" / "yongchuan_fuban_2021_49.txt", *sorted((SHARED / "corpus" / "zhejiang").glob("*.txt"))]
    for d in extra:
        files.extend(sorted(d.glob("*.txt")))
    return files


def open_store(data: Path, files: list[Path]):
    data.mkdir(parents=True, exist_ok=True)
    graph, index = SqliteGraphStore(data), SqliteSearchIndex(data)
    known = {d.doc_id for d in graph.iter_documents()}
    todo = [f for f in files if f.name not in known]
    if todo:
        print(f"ingesting {len(todo)} documents into {data} …", file=sys.stderr)
        Ingestor(graph, index, max_bytes=20 * 1024 * 1024).ingest_paths(todo)
    reindex(graph, index)
    if load_vectors(data) is None:
        train_vectors(graph, data)
    return graph, index


def rank_of(items: list[str], gold: str) -> int | None:
    return next((i for i, x in enumerate(items[:K], 1) if x == gold), None)


def figures(rows: list[dict]) -> dict[str, float]:
    n = len(rows) or 1
    return {
        "doc MRR@10": sum(1 / r["doc"] for r in rows if r["doc"]) / n,
        "doc nDCG@10": sum(1 / math.log2(r["doc"] + 1) for r in rows if r["doc"]) / n,
        "passage hit@10": sum(1 for r in rows if r["passage"]) / n,
        "passage MRR@10": sum(1 / r["passage"] for r in rows if r["passage"]) / n,
    }


def product_rows(svc: SearchService, qs: list[dict], verbose: bool = False) -> list[dict]:
    rows = []
    for q in qs:
        docs = svc.documents(q["query"], limit=K)
        d = rank_of([x.doc_id for x in docs], q["doc"])
        best = [h for x in docs for h in x.passages]  # the hits, as `search` lists them
        p = next((i for i, h in enumerate(best[:K], 1) if h.doc_id == q["doc"] and overlaps(h.text, q["answer"])), None)
        anyp = next((i for i, x in enumerate(docs[:K], 1) if x.doc_id == q["doc"]
                     and any(overlaps(h.text, q["answer"]) for h in x.passages)), None)
        rows.append({"id": q["id"], "kind": q.get("kind", "?"), "doc": d, "passage": p, "any": anyp})
        if verbose and (d != 1 or not p):
            got = best[0].text[:60] if best else "-"
            print(f"  {q['id']} doc@{d} passage@{p} {q['query']} | top: {docs[0].doc_id if docs else '-'} {got}",
                  file=sys.stderr)
    return rows


def baseline_rows(files: list[Path], qs: list[dict]) -> tuple[list[dict], list[dict]]:
    texts = {f.name: f.read_text(encoding="utf-8") for f in files}
    docs = NaiveBM25(list(texts.items()))
    lines = [(name, line) for name, t in texts.items() for line in t.splitlines() if line.strip()]
    per_line = NaiveBM25(lines)
    doc_rows, line_rows = [], []
    for q in qs:
        top = [docs.keys[i] for i in docs.top(q["query"])]
        doc_rows.append({"kind": q.get("kind"), "doc": rank_of(top, q["doc"]), "passage": None})
        hits = per_line.top(q["query"])
        p = next((r for r, i in enumerate(hits, 1) if lines[i][0] == q["doc"] and overlaps(lines[i][1], q["answer"])), None)
        line_rows.append({"kind": q.get("kind"), "doc": rank_of([lines[i][0] for i in hits], q["doc"]), "passage": p})
    return doc_rows, line_rows


def table(named: dict[str, list[dict]]) -> None:
    cols = ["doc MRR@10", "doc nDCG@10", "passage hit@10", "passage MRR@10"]
    print(f"{'':34}" + "".join(f"{c:>16}" for c in cols))
    for name, rows in named.items():
        f = figures(rows)
        print(f"{name:34}" + "".join(f"{f[c]:16.3f}" for c in cols))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=ROOT / "bench" / "dev" / "search_questions.jsonl")
    ap.add_argument("--data", type=Path, default=Path("/tmp/policykg-search-eval"))
    ap.add_argument("--texts", type=Path, action="append", default=[], help="another folder of .txt to ingest")
    ap.add_argument("--ablate", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    qs = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    files = corpus_files(args.texts)
    graph, index = open_store(args.data, files)
    svc = SearchService(index, load_vectors(args.data))
    rows = product_rows(svc, qs, args.verbose)
    bdoc, bline = baseline_rows(files, qs)
    print(f"{len(qs)} queries over {len(files)} documents\n")
    named = {"policykg": rows, "naive BM25, whole documents": bdoc, "naive BM25, lines": bline}
    table(named)
    n = len(rows)
    print(f"\npolicykg, answer among any passage a top-10 document shows: {sum(1 for r in rows if r['any']) / n:.3f}")
    kinds = sorted({r["kind"] for r in rows})
    print("\nby kind (policykg | naive whole-document BM25):")
    for kind in kinds:
        sub = [r for r in rows if r["kind"] == kind]
        bsub = [r for r in bdoc if r["kind"] == kind]
        f, b = figures(sub), figures(bsub)
        print(f"  {kind:10} n={len(sub):3}  doc MRR {f['doc MRR@10']:.3f} | {b['doc MRR@10']:.3f}   "
              f"passage hit@10 {f['passage hit@10']:.3f}  passage MRR {f['passage MRR@10']:.3f}")
    if args.ablate:
        print("\nablation (each signal off in turn):")
        ablations = {name: rows}
        for signal in service_module.SIGNALS:
            with service_module.without(signal):
                ablations[f"without {signal}"] = product_rows(svc, qs)
        for signal in service_module.EXTRA_SIGNALS:
            service_module.ON.add(signal)
            ablations[f"with {signal} ranks fused"] = product_rows(svc, qs)
            service_module.ON.discard(signal)
        table(ablations)
    graph.close()
    index.close()


name = "policykg"

if __name__ == "__main__":
    main()
