"""A semantic layer that needs no model hub: term vectors trained on our own corpus, and an
optional pretrained sentence encoder loaded from a local directory.

`TermVectors` trains word2vec skip-gram (gensim) on the jieba tokens the index already uses.
It gives query expansion (`similar`) and dense vectors for texts (`embed`, a SIF-weighted
mean). `SentenceEncoder` wraps sentence-transformers when that package and a model directory
are present. Neither is needed for BM25 search: callers catch `VectorsUnavailable` and search
without them.
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from policykg.core.errors import BackendUnavailable, InvalidInput

VECTORS_FILE = "term_vectors.npz"
_FORMAT = "policykg-term-vectors/1"
# Files that mark a sentence-transformers model directory (any one is enough).
_ST_MARKERS = ("modules.json", "config_sentence_transformers.json")


class VectorsUnavailable(BackendUnavailable):
    """Term vectors or a sentence encoder could not be loaded: the file is missing or
    corrupt, or the package or model is not installed. Search goes on without them."""

    title = "Vectors unavailable"


def _stable_hash(text: str) -> int:
    # gensim seeds some vectors with `hash(word + seed)`; Python's str hash changes per
    # process (PYTHONHASHSEED), so use a hash that does not.
    return zlib.crc32(text.encode("utf-8"))


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms == 0, 1, norms)).astype(np.float32, copy=False)


def top_k(matrix: np.ndarray, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k rows most similar to `query` by cosine, best first.

    Args:
        matrix: (n, dim) array of unit rows (zero rows score 0).
        query: (dim,) vector; it is normalised here, so it need not be a unit vector.
        k: how many to return; fewer when the matrix has fewer rows.

    Returns:
        (row index, cosine) pairs, best first; equal scores in row order. [] when k <= 0,
        the matrix is empty or the query is the zero vector.

    Raises:
        InvalidInput: the query's length is not the matrix's width.
    """
    n = matrix.shape[0] if matrix.ndim == 2 else 0
    if k <= 0 or n == 0:
        return []
    q = np.asarray(query, dtype=np.float32).ravel()
    if q.shape[0] != matrix.shape[1]:
        raise InvalidInput(f"query has {q.shape[0]} dimensions, the matrix {matrix.shape[1]}")
    norm = float(np.linalg.norm(q))
    if norm == 0.0:
        return []
    scores = matrix @ (q / norm)
    if k < n:
        idx = np.argpartition(-scores, k - 1)[:k]
    else:
        idx = np.arange(n)
    # Best first; equal scores in row order, so results do not depend on argpartition.
    idx = idx[np.lexsort((idx, -scores[idx]))]
    return [(int(i), float(scores[i])) for i in idx]


class TermVectors:
    """Word vectors over jieba tokens, with the training frequencies that SIF weights need."""

    def __init__(self, terms: Sequence[str], vectors: np.ndarray, counts: np.ndarray, *,
                 sif_a: float = 1e-3, params: dict | None = None) -> None:
        if len(terms) != vectors.shape[0] or len(terms) != counts.shape[0]:
            raise ValueError("terms, vectors and counts differ in length")
        self.terms = list(terms)
        self.index = {t: i for i, t in enumerate(self.terms)}
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.unit = _unit_rows(self.vectors)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.sif_a = float(sif_a)
        total = max(int(self.counts.sum()), 1)
        # SIF (Arora et al. 2017): frequent words weigh less, a / (a + p(w)).
        self.weights = (self.sif_a / (self.sif_a + self.counts / total)).astype(np.float32)
        self.params = dict(params or {})

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.terms)

    def __contains__(self, term: object) -> bool:
        return term in self.index

    @classmethod
    def train(cls, sentences: Iterable[list[str]], *, dim: int = 100, seed: int = 1, epochs: int | None = None,
              min_count: int = 2, workers: int = 1, window: int = 5, negative: int = 5,
              sample: float = 1e-4, sif_a: float = 1e-3) -> TermVectors:
        """Train skip-gram word2vec on tokenised sentences (e.g. `search_tokens(line).split()`).

        Args:
            epochs: passes over the corpus. None picks about 4 million token updates, between
                5 and 20 passes: 20 for the 1 MB Zhejiang corpus (190,000 tokens), 5 from 800,000
                tokens (about 4 MB of text) on. A small corpus needs more passes for its vectors to
                spread apart.

        With `workers=1` the same sentences and seed give the same vectors in any process.
        More workers train faster but not reproducibly, because threads race on shared weights.
        Measured on one core: about 26 s for 10 MB of text (1.9 million tokens, 5 passes) and
        about 10 s for the 1 MB corpus (20 passes).

        The vectors are centred (their mean is subtracted). Raw skip-gram vectors share a
        common direction, so on this corpus two random terms had a median cosine of 0.37.
        Centred, the median is about 0 and the 99th percentile about 0.58, so `min_sim=0.6`
        means something (Mu & Viswanath 2018, "all-but-the-top").

        Raises:
            InvalidInput: no term occurs `min_count` times.
        """
        # gensim (and the scipy it imports, about 2 s) is needed to train only; loading and
        # serving vectors need numpy alone.
        from gensim.models import Word2Vec

        corpus = [s for s in sentences if s]
        counts: dict[str, int] = {}
        for s in corpus:
            for t in s:
                counts[t] = counts.get(t, 0) + 1
        if not any(c >= min_count for c in counts.values()):
            raise InvalidInput(f"no term occurs {min_count} times: nothing to train on")
        if epochs is None:
            epochs = max(5, min(20, 4_000_000 // max(sum(counts.values()), 1)))
        model = Word2Vec(sentences=corpus, vector_size=dim, window=window, min_count=min_count, sg=1,
                         negative=negative, sample=sample, epochs=epochs, seed=seed, workers=workers,
                         hashfxn=_stable_hash)
        terms = list(model.wv.index_to_key)
        vectors = model.wv.vectors - model.wv.vectors.mean(axis=0)
        params = {"dim": dim, "seed": seed, "epochs": epochs, "min_count": min_count, "window": window,
                  "negative": negative, "sample": sample, "sentences": len(corpus)}
        return cls(terms, vectors, np.array([counts[t] for t in terms], dtype=np.int64),
                   sif_a=sif_a, params=params)

    def similar(self, term: str, k: int = 8, min_sim: float = 0.6) -> list[tuple[str, float]]:
        """Up to k other terms whose cosine with `term` is at least `min_sim`, best first.
        An unknown term gives []."""
        i = self.index.get(term)
        if i is None or k <= 0:
            return []
        hits = top_k(self.unit, self.unit[i], k + 1)
        return [(self.terms[j], s) for j, s in hits if j != i and s >= min_sim][:k]

    def embed(self, tokens: Iterable[str]) -> np.ndarray:
        """A unit float32 vector for a text: the SIF-weighted mean of its known tokens' unit
        vectors. Unknown tokens are skipped; no known token gives the zero vector."""
        ids = [i for i in (self.index.get(t) for t in tokens) if i is not None]
        if not ids:
            return np.zeros(self.dim, dtype=np.float32)
        rows = np.asarray(ids)
        v = self.weights[rows] @ self.unit[rows]
        norm = float(np.linalg.norm(v))
        return (v / norm).astype(np.float32) if norm else np.zeros(self.dim, dtype=np.float32)

    def save(self, directory: Path) -> Path:
        """Write `term_vectors.npz` into the directory (made if missing), atomically: a
        reader sees the old file or the new one, never part of one. Returns the path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / VECTORS_FILE
        meta = json.dumps({"format": _FORMAT, "sif_a": self.sif_a, "params": self.params}, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=".term_vectors-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, vectors=self.vectors, counts=self.counts,
                         terms=np.array(self.terms, dtype=str), meta=np.array(meta))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    @classmethod
    def load(cls, directory: Path) -> TermVectors:
        """Read what `save` wrote.

        Raises:
            VectorsUnavailable: the file is missing, unreadable, corrupt or of another format.
        """
        path = Path(directory) / VECTORS_FILE
        if not path.is_file():
            raise VectorsUnavailable(f"no term vectors at {path}", hint="train them first")
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                vectors, counts, terms = data["vectors"], data["counts"], data["terms"].tolist()
        except Exception as e:  # zip, npy and json errors all mean the same thing here
            raise VectorsUnavailable(f"term vectors at {path} are unreadable: {e}", hint="train them again") from e
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
            raise VectorsUnavailable(f"{path} is not a {_FORMAT} file", hint="train them again")
        if vectors.ndim != 2 or counts.shape != (vectors.shape[0],) or len(terms) != vectors.shape[0]:
            raise VectorsUnavailable(f"term vectors at {path} are inconsistent", hint="train them again")
        return cls(terms, vectors, counts, sif_a=meta.get("sif_a", 1e-3), params=meta.get("params"))


class SentenceEncoder:
    """A pretrained sentence encoder from a local directory (sentence-transformers format).

    sentence-transformers is not a dependency of this project (it pulls in torch); install it
    yourself to use one. Nothing is downloaded: the model must already be on disk."""

    def __init__(self, model, path: Path) -> None:
        self.model = model
        self.path = Path(path)

    @classmethod
    def load(cls, path: Path) -> SentenceEncoder:
        """Load the model in `path` on the CPU.

        Raises:
            VectorsUnavailable: the directory holds no model, sentence-transformers is not
                installed, or the model fails to load.
        """
        path = Path(path)
        if not path.is_dir() or not any((path / m).is_file() for m in _ST_MARKERS):
            raise VectorsUnavailable(f"no sentence-transformers model in {path}",
                                     hint=f"a model directory holds {' or '.join(_ST_MARKERS)}")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise VectorsUnavailable("sentence-transformers is not installed",
                                     hint="pip install sentence-transformers (it pulls in torch)") from e
        try:
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as e:  # whatever the model's own code raises
            raise VectorsUnavailable(f"the sentence encoder in {path} failed to load: {e}") from e
        return cls(model, path)

    @property
    def dim(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit float32 row per text (zero rows stay zero)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = np.asarray(self.model.encode(texts, convert_to_numpy=True, show_progress_bar=False),
                          dtype=np.float32)
        return _unit_rows(rows.reshape(len(texts), -1))
