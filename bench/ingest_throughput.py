"""Ingest throughput against a plain jieba baseline measured in the same process.

Run: ``.venv/bin/python bench/ingest_throughput.py [CORPUS_DIR ...] [--mb 5]``

The corpus is repeated until the workload holds at least ``--mb`` MB of UTF-8 text; every
repetition is a distinct file for the stores (own name, own sha256, a line 「（第N份副本）」
appended), so the ingest really writes each one. Absolute times on a shared machine mean
little; the ratios against ``list(jieba.cut(text))`` over the same texts are the headline.

Stages, all timed with ``time.perf_counter`` on the same texts:

* jieba baseline: ``list(jieba.cut(text))``, after ``build_pipeline()`` has loaded our user
  dictionary into jieba, so both sides segment with the same dictionary;
* full ingest: ``Ingestor.ingest_raw`` into a fresh SQLite data directory per round;
* extraction only: ``ingest.pipeline.extract_document``, no store writes;
* store writes only: that extracted graph written to another fresh data directory;
* inside extraction, each timed apart: ``parse_structure``, the spaCy pipeline over the
  text chunks the extractor feeds it, and ``search_tokens`` over the search units' texts.

The stages are interleaved document by document (jieba, ingest, extraction, … on document 1,
then on document 2 …), so a burst of load from other processes hits every stage alike
instead of skewing one ratio. Each stage's time is the sum over documents of that
document's best time: of ``--jieba-runs`` back-to-back cuts for jieba, of ``--ingest-runs``
rounds (each into fresh data directories) for the other stages.

Memory: the tracemalloc peak of one extra, untimed ingest run (tracemalloc slows Python
down, so it never overlaps a timed run) and ``ru_maxrss`` after each phase.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import hashlib
import io
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import jieba

from policykg.core.errors import PolicyKGError
from policykg.core.model import DuplicatePolicy
from policykg.core.tokens import search_tokens
from policykg.graph.sqlite_store import SqliteGraphStore
from policykg.ingest.extract import CHUNK_CHARS, _chunks
from policykg.ingest.nlp import build_pipeline
from policykg.ingest.pipeline import Ingestor, extract_document
from policykg.ingest.reader import RawDocument, iter_input_files, read_document
from policykg.ingest.structure import parse_structure
from policykg.search.sqlite_index import SqliteSearchIndex

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
MB = 1_000_000  # throughput is in MB (10^6 bytes) of UTF-8 text
MAX_BYTES = 64 * 2**20
TARGET_INGEST_RATIO = 0.3

JIEBA, INGEST, EXTRACT, WRITES, PARSE, SPACY, TOKENS = (
    "jieba baseline (list(jieba.cut))",
    "full ingest (Ingestor.ingest_raw)",
    "extraction only (extract_document)",
    "store writes only (graph + index)",
    "  extraction: parse_structure",
    "  extraction: spaCy nlp.pipe",
    "  extraction: search_tokens",
)


# ------------------------------------------------------------------------- workload


def load_corpus(paths: Sequence[Path]) -> tuple[list[RawDocument], list[str]]:
    """The corpus documents the pipeline accepts, and a note for each one it refuses.

    Refused documents (not a policy, unreadable) are left out of every stage, so all stages
    see the same texts; the extraction here also warms the pipeline up.
    """
    docs: list[RawDocument] = []
    skipped: list[str] = []
    for path in iter_input_files(paths):
        if path.suffix.lower() != ".txt":
            continue
        try:
            raw = read_document(path, max_bytes=MAX_BYTES)
            extract_document(raw)
        except PolicyKGError as e:
            skipped.append(f"{path.name}: {type(e).__name__}: {e}")
            continue
        docs.append(raw)
    return docs, skipped


def copy_of(raw: RawDocument, n: int) -> RawDocument:
    """Repetition ``n`` of a document as a distinct file: own name, text and sha256."""
    text = f"{raw.text}（第{n}份副本）\n"
    stem, dot, suffix = raw.source.rpartition(".")
    source = f"{stem}~{n}{dot}{suffix}" if dot else f"{raw.source}~{n}"
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return dataclasses.replace(raw, source=source, text=text, sha256=sha)


def build_workload(corpus: list[RawDocument], min_bytes: int) -> list[RawDocument]:
    workload: list[RawDocument] = []
    size, n = 0, 0
    while size < min_bytes:
        n += 1
        for raw in corpus:
            doc = copy_of(raw, n)
            workload.append(doc)
            size += len(doc.text.encode("utf-8"))
    return workload


def paragraph_lines(text: str) -> list[str]:
    """The pieces the extractor sends through spaCy (``Extractor._entities``: the whole text
    in chunks cut at line ends)."""
    return [piece for _, piece in _chunks(parse_structure(text).text, CHUNK_CHARS)]


# ------------------------------------------------------------------------- timing


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


class Stores:
    """A graph store and a search index in a fresh data directory."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir()
        self.graph = SqliteGraphStore(data_dir)
        self.index = SqliteSearchIndex(data_dir)
        self.ingestor = Ingestor(self.graph, self.index, max_bytes=MAX_BYTES)

    def close(self) -> None:
        self.graph.conn.close()
        self.index.conn.close()


def measure(workload: list[RawDocument], root: Path, jieba_runs: int, ingest_runs: int) -> tuple[dict, dict]:
    """Per stage, the sum over documents of the best time of N rounds; and some counts."""
    best = {stage: [float("inf")] * len(workload) for stage in (JIEBA, INGEST, EXTRACT, WRITES, PARSE, SPACY, TOKENS)}
    counts = {"jieba tokens": 0, "nodes": 0, "search units": 0, "written": 0}
    nlp = build_pipeline()
    for r in range(ingest_runs):
        ingest, writes = Stores(root / f"ingest{r}"), Stores(root / f"writes{r}")
        gc.collect()
        for i, raw in enumerate(workload):
            # jieba's N runs sit right next to this document's ingest, so they see the same load.
            for _ in range(jieba_runs):
                t, tokens = timed(lambda: list(jieba.cut(raw.text)))
                best[JIEBA][i] = min(best[JIEBA][i], t)
            if r == 0:
                counts["jieba tokens"] += len(tokens)
            t, result = timed(lambda: ingest.ingestor.ingest_raw(raw))
            best[INGEST][i] = min(best[INGEST][i], t)
            t, graph = timed(lambda: extract_document(raw))
            best[EXTRACT][i] = min(best[EXTRACT][i], t)
            t, _ = timed(lambda: (writes.graph.write_document(graph, DuplicatePolicy.OVERWRITE),
                                  writes.index.write_document(graph.doc_id, graph.version, graph.units)))
            best[WRITES][i] = min(best[WRITES][i], t)
            t, _ = timed(lambda: parse_structure(raw.text))
            best[PARSE][i] = min(best[PARSE][i], t)
            lines = paragraph_lines(raw.text)
            t, _ = timed(lambda: list(nlp.pipe(lines)))
            best[SPACY][i] = min(best[SPACY][i], t)
            unit_texts = [u.text for u in graph.units]
            t, _ = timed(lambda: [search_tokens(text) for text in unit_texts])
            best[TOKENS][i] = min(best[TOKENS][i], t)
            if r == 0:
                counts["nodes"] += len(graph.nodes)
                counts["search units"] += len(unit_texts)
                counts["written"] += result.outcome in ("created", "replaced")
        ingest.close()
        writes.close()
    return {stage: sum(times) for stage, times in best.items()}, counts


def ingest_all(workload: list[RawDocument], data_dir: Path) -> None:
    stores = Stores(data_dir)
    try:
        for raw in workload:
            stores.ingestor.ingest_raw(raw)
    finally:
        stores.close()


# ------------------------------------------------------------------------- report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="*", type=Path, default=[DEFAULT_CORPUS],
                        help=f"folders or .txt files (default: {DEFAULT_CORPUS})")
    parser.add_argument("--mb", type=float, default=5.0, help="minimum workload in MB of text (default 5)")
    parser.add_argument("--jieba-runs", type=int, default=3, help="best of N for the jieba baseline (default 3)")
    parser.add_argument("--ingest-runs", type=int, default=1,
                        help="best of N for ingest, extraction and its parts (default 1)")
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc ingest run")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile one ingest run and print the top N functions by cumulative time")
    args = parser.parse_args(argv)

    # build_pipeline() installs our user dictionary into jieba's default tokenizer; jieba is
    # only timed after it, so both sides segment with the same dictionary.
    jieba.initialize()
    build_pipeline()
    corpus, skipped = load_corpus(args.corpus)
    if not corpus:
        print("no usable .txt documents in", ", ".join(map(str, args.corpus)), file=sys.stderr)
        return 2
    workload = build_workload(corpus, int(args.mb * MB))
    mb = sum(len(raw.text.encode("utf-8")) for raw in workload) / MB
    print(f"corpus: {len(corpus)} documents, {sum(len(r.text.encode()) for r in corpus) / MB:.2f} MB"
          + (f" ({len(skipped)} refused)" if skipped else ""))
    for note in skipped:
        print("  refused:", note)
    print(f"workload: {len(workload)} documents ({len(workload) // len(corpus)} copies), {mb:.2f} MB, "
          f"{sum(len(raw.text) for raw in workload):,} characters; "
          f"best of {args.jieba_runs} (jieba) / {args.ingest_runs} (ingest side), interleaved per document")

    rss = [("setup", max_rss_mib())]  # ru_maxrss only grows: this shows which phase raised it
    with tempfile.TemporaryDirectory(prefix="policykg-bench-") as tmp:
        root = Path(tmp)
        seconds, counts = measure(workload, root, args.jieba_runs, args.ingest_runs)
        rss.append(("timed stages", max_rss_mib()))
        if counts["written"] != len(workload):
            print(f"warning: ingest wrote {counts['written']} of {len(workload)} documents", file=sys.stderr)

        traced_peak = None
        if not args.no_trace:
            gc.collect()
            tracemalloc.start()
            ingest_all(workload, root / "traced")
            traced_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rss.append(("traced ingest", max_rss_mib()))

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            ingest_all(workload, root / "profiled")
            profiler.disable()
            rss.append(("profiled ingest", max_rss_mib()))

    t_jieba = seconds[JIEBA]
    width = max(map(len, seconds))
    print(f"\n{'stage':<{width}}  {'seconds':>8}  {'MB/s':>7}  {'vs jieba':>8}")
    for stage, t in seconds.items():
        print(f"{stage:<{width}}  {t:8.2f}  {mb / t:7.3f}  {t_jieba / t:7.3f}×")
    rest = seconds[EXTRACT] - seconds[PARSE] - seconds[SPACY] - seconds[TOKENS]
    print(f"{'  extraction: rest (graph building)':<{width}}  {rest:8.2f}")
    print(f"\n{mb:.2f} MB of text: {counts['jieba tokens']:,} jieba tokens, {counts['nodes']:,} nodes, "
          f"{counts['search units']:,} search units")
    ratio = t_jieba / seconds[INGEST]
    verdict = "meets" if ratio >= TARGET_INGEST_RATIO else "BELOW"
    print(f"RATIO ingest/jieba throughput:     {ratio:.3f}×  ({verdict} the {TARGET_INGEST_RATIO}× target)")
    print(f"RATIO extraction/jieba throughput: {t_jieba / seconds[EXTRACT]:.3f}×")
    print(f"ingest time: extraction {seconds[EXTRACT] / seconds[INGEST]:.0%}, "
          f"store writes {seconds[WRITES] / seconds[INGEST]:.0%}; extraction time: spaCy "
          f"{seconds[SPACY] / seconds[EXTRACT]:.0%}, search_tokens {seconds[TOKENS] / seconds[EXTRACT]:.0%}, "
          f"parse_structure {seconds[PARSE] / seconds[EXTRACT]:.0%}")
    traced = f"tracemalloc {traced_peak / 2**20:.1f} MiB during one ingest run; " if traced_peak is not None else ""
    print(f"peak memory: {traced}max RSS (MiB) after " + ", ".join(f"{name} {v:.0f}" for name, v in rss))

    batch_ingest(workload, mb, t_jieba)

    if args.profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
        print("\n" + out.getvalue().strip())
    return 0


def batch_ingest(workload: list[RawDocument], mb: float, t_jieba: float) -> None:
    """`policykg ingest FOLDER` as users run it: files on disk, 1 worker and one per core.
    jieba's time is the per-document best from above, so this ratio is a little harsher."""
    import os

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        for raw in workload:
            (folder / raw.source).write_text(raw.text, encoding="utf-8")
        cores = os.cpu_count() or 1
        print(f"\nbatch ingest of {len(workload)} files ({mb:.2f} MB) with Ingestor.ingest_paths:")
        for workers in sorted({1, cores}):
            data = Path(tmp) / f"data{workers}"
            ingestor = Ingestor(SqliteGraphStore(data), SqliteSearchIndex(data), max_bytes=50 * 2**20)
            t0 = time.perf_counter()
            results = ingestor.ingest_paths([folder], workers=workers)
            t = time.perf_counter() - t0
            failed = sum(r.outcome == "failed" for r in results)
            print(f"  {workers} worker{'s' if workers > 1 else ''}: {t:6.2f} s  {mb / t:6.3f} MB/s  "
                  f"RATIO vs jieba {t_jieba / t:.3f}×" + (f"  ({failed} failed)" if failed else ""))


if __name__ == "__main__":
    sys.exit(main())
