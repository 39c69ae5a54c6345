"""Ingest: read → structure → spaCy/jieba extraction → graph store and search index."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from policykg.core.errors import BackendUnavailable, PolicyKGError
from policykg.core.model import DocumentGraph, DuplicatePolicy, WriteOutcome
from policykg.graph.store import GraphStore
from policykg.ingest.extract import Extractor
from policykg.ingest.nlp import build_pipeline
from policykg.ingest.reader import RawDocument, iter_input_files, read_bytes, read_document
from policykg.ingest.structure import parse_structure
from policykg.search.index import SearchIndex


@dataclass(frozen=True)
class IngestResult:
    source: str
    doc_id: str | None  # the stored document (the file)
    outcome: str  # created | replaced | unchanged | failed
    policy_id: str | None = None  # the PolicyDocument node it holds
    nodes: int = 0
    edges: int = 0
    error: str | None = None
    status: int | None = None  # HTTP-like status of the error

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def extract_document(raw: RawDocument) -> DocumentGraph:
    """The graph one document contributes; raises NotAPolicy when there is none."""
    return Extractor(build_pipeline()).extract(raw, parse_structure(raw.text))


class Ingestor:
    """Writes documents to a graph store and a search index, each document atomically in
    each store; a document whose graph and index both hold its version is left alone."""

    def __init__(self, graph: GraphStore, index: SearchIndex, *, max_bytes: int) -> None:
        self.graph = graph
        self.index = index
        self.max_bytes = max_bytes

    def ingest_raw(self, raw: RawDocument) -> IngestResult:
        return self.write(extract_document(raw))

    def write(self, doc: DocumentGraph) -> IngestResult:
        """Store an extracted document in the graph, then in the index."""
        stored_graph = self.graph.document_version(doc.doc_id)
        stored_index = self.index.document_version(doc.doc_id)
        if stored_graph == doc.version and stored_index == doc.version:
            outcome = WriteOutcome.UNCHANGED
        else:
            outcome = self.graph.write_document(doc, DuplicatePolicy.OVERWRITE)
            if outcome is WriteOutcome.UNCHANGED:
                outcome = WriteOutcome.REPLACED  # graph was current, the index was not
            if stored_index != doc.version:
                self.index.write_document(doc.doc_id, doc.version, doc.units)
        return IngestResult(doc.source, doc.doc_id, outcome.value, doc.policy_id, len(doc.nodes), len(doc.edges))

    def ingest_bytes(self, data: bytes, filename: str) -> IngestResult:
        return self.ingest_raw(read_bytes(data, filename, max_bytes=self.max_bytes))

    def ingest_paths(
        self,
        paths: Iterable[Path],
        *,
        progress: Callable[[Path, IngestResult], None] | None = None,
        workers: int = 1,
    ) -> list[IngestResult]:
        """Ingest files and folders; a bad file is reported and the others go on.

        With `workers` > 1, reading and extraction run in that many processes while this one
        writes, in file order, so the stores end up exactly as with one worker.

        Raises:
            InvalidInput: a path does not exist or has an unsupported suffix.
            BackendUnavailable: a store stopped answering; the documents written so far are
                complete, the one in flight was rolled back, and a rerun picks up from there.
        """
        files = iter_input_files(paths)
        results = []
        with _extractor_pool(workers if len(files) > 1 else 1) as pool:
            jobs = pool.map(_read_and_extract, files, [self.max_bytes] * len(files))
            for path, (doc, error) in zip(files, jobs):
                if error is not None:
                    result = IngestResult(path.name, None, "failed", error=str(error), status=error.status)
                else:
                    result = self.write(doc)  # BackendUnavailable ends the run: the store is gone
                results.append(result)
                if progress:
                    progress(path, result)
        return results


def _read_and_extract(path: Path, max_bytes: int) -> tuple[DocumentGraph | None, PolicyKGError | None]:
    try:
        return extract_document(read_document(path, max_bytes=max_bytes)), None
    except BackendUnavailable:
        raise
    except PolicyKGError as e:
        return None, e


class _InProcess:
    """The pool interface, run here (one worker)."""

    def map(self, fn, *iterables):
        return map(fn, *iterables)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _extractor_pool(workers: int):
    if workers <= 1:
        return _InProcess()
    build_pipeline()  # forked workers inherit the loaded pipeline and jieba dictionary
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return _Pool(max_workers=workers, mp_context=context, initializer=build_pipeline)


class _Pool(ProcessPoolExecutor):
    def __exit__(self, exc_type, exc, tb):
        # On an error (a store went away) drop the files not yet analysed instead of
        # finishing them all first.
        self.shutdown(wait=exc_type is None, cancel_futures=exc_type is not None)
        return False
