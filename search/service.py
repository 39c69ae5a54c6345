"""Query understanding on top of any `SearchIndex`: jieba tokens, ontology synonyms, snippets."""

from __future__ import annotations

import html
from functools import lru_cache
from contextlib import contextmanager
import math
import re
from collections import Counter
from dataclasses import dataclass, replace

from policykg.core.errors import InvalidInput
from policykg.core.model import DOCUMENT_TEXT, PASSAGE, PASSAGE_MARK, SearchHit, SearchQuery, TermStats
from policykg.core.ontology import PKG, load_ontology
from policykg.core.tokens import query_tokens
from policykg.search.index import SearchIndex
from policykg.search.vectors import TermVectors

MAX_LIMIT = 100
MAX_QUERY_CHARS = 200  # a question, not a document: longer texts are refused, not cut silently
SNIPPET_CHARS = 120


def parse_query(text: str, *, labels: tuple[str, ...] = (), limit: int = 10, offset: int = 0) -> SearchQuery:
    """Tokenise a query with the ingest dictionary and expand each word with its synonyms
    from the ontology (高企 → 高新技术企业, 国家高新技术企业 …).

    Raises:
        InvalidInput: empty query, unknown label, or limit/offset out of range.
    """
    text = (text or "").strip()
    if not text:
        raise InvalidInput("the query is empty", hint="give a word or phrase, e.g. 高新技术企业")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"the query is {len(text)} characters long; at most {MAX_QUERY_CHARS} are read",
                           hint="ask one question, or search for its key words (e.g. 研发投入补助)")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise InvalidInput("offset must not be negative")
    ontology = load_ontology()
    unknown = [lb for lb in labels if lb not in ontology.node_labels]
    if unknown:
        raise InvalidInput(f"unknown type {', '.join(unknown)}",
                           hint="one of: " + ", ".join(sorted(ontology.node_labels)))
    synonyms = ontology.synonyms
    groups: list[tuple[str, ...]] = []
    words = query_tokens(text)
    asked = set(ontology.words(PKG.QueryWords))
    content = [w for w in words if w not in asked] if "query_words" not in _OFF else words
    if words and not content:
        raise InvalidInput("the query holds only question or function words (" + " ".join(words) + ")",
                           hint="say what it is about, e.g. 研发投入补助 or 高新技术企业奖励")
    places = place_words()
    where: list[str] = []
    for tok in content:
        group = tuple(dict.fromkeys(s.lower() for s in synonyms.get(tok, (tok,))))
        if tok not in group:
            group = (tok, *group)
        if tok in places:
            group = tuple(dict.fromkeys((tok, *places[tok])))
            where.append(group[0])
        if group not in groups:
            groups.append(group)
    if not groups:
        raise InvalidInput("the query has no searchable words", hint="punctuation alone finds nothing")
    asks = tuple(kind for kind, word_list in ASKS.items() if any(w in text for w in ontology.words(word_list)))
    return SearchQuery(text, tuple(groups), tuple(labels), limit, offset, places=tuple(where), asks=asks)


# What a question asks for (its boilerplate says it: 能拿多少 asks for an amount), and what a
# passage that answers it states.
ASKS = {"amount": PKG.AmountQuestionWords, "time": PKG.TimeQuestionWords}
STATES = {
    "amount": re.compile(r"\d[\d.,，]*\s*(?:万|亿|千)?(?:元|美元)|\d+(?:\.\d+)?\s*[%％]|[一二三四五六七八九十百千万两]+(?:万|亿)?元|\d+\s*倍"),
    "time": re.compile(r"\d+\s*(?:个)?(?:月|日|天|年|工作日)|[月年]底|日前|当日|当天|即[时到]|之日起|期限|截止|有效期"),
}
ANSWER_BOOST = 0.3  # a passage that states what the question asks for scores this much more


@lru_cache(maxsize=1)
def place_words() -> dict[str, tuple[str, ...]]:
    """Place names a query may use (东阳, 东阳市) → the forms the texts write them in."""
    out: dict[str, set[str]] = {}
    for c in load_ontology().concepts(PKG.PlaceScheme):
        for label in c.labels:
            forms = {label.lower()}
            short = re.sub(r"(?:省|市|县|区)$", "", label)
            if len(short) >= 2 and short != label:
                forms.add(short.lower())
            for f in forms:
                out.setdefault(f, set()).update(forms)
    return {k: tuple(sorted(v, key=lambda w: (-len(w), w))) for k, v in out.items()}


def snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """The window of `text` with the most query terms, HTML-escaped, terms in <mark>."""
    lower = text.lower()
    positions = sorted((m.start(), m.end()) for t in sorted(set(terms), key=len, reverse=True)
                       for m in re.finditer(re.escape(t), lower))
    if not positions:
        return html.escape(text[:width])
    best_start, best_count = 0, -1
    for s, _ in positions:
        a = max(0, s - width // 4)
        count = len({lower[p:q] for p, q in positions if a <= p and q <= a + width})
        if count > best_count:
            best_start, best_count = a, count
    a, b = best_start, min(len(text), best_start + width)
    out, pos = [], a
    for s, e in positions:
        if s < pos or e > b:
            continue
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:b]))
    return ("…" if a > 0 else "") + "".join(out) + ("…" if b < len(text) else "")


@dataclass(frozen=True)
class DocumentResult:
    """One document of a search, with the passages that answer best (best first) and why it
    ranks where it does."""

    doc_id: str
    title: str
    score: float
    passages: tuple[SearchHit, ...]
    why: tuple[str, ...] = ()


L_DOC, L_CLAUSE = DOCUMENT_TEXT, "PolicyClause"
# The ranking's signals; `bench/search_eval.py --ablate` switches each off in turn.
SIGNALS = ("document", "query_words", "asks", "vectors")
# Ranking documents by their best clause and by their best passage too, fused by rank, lowered
# the dev set's figures (bench/README.md); `ON` switches them on to measure them again.
EXTRA_SIGNALS = ("clause", "passage")
ON: set[str] = set()
# Within a document, a passage's score grows by this much times its vector's cosine with the
# query's (term vectors learned from the corpus). Widening the query with the terms nearest to
# its words was tried too and lowered every figure of the dev set (bench/README.md).
VECTOR_BOOST = 2.0
_OFF: set[str] = set()


@contextmanager
def without(signal: str):
    """Rank without one signal (for the ablation table)."""
    _OFF.add(signal)
    try:
        yield
    finally:
        _OFF.discard(signal)

# Documents proposed by the backend's own BM25 for ours to rank: each backend weighs words by its
# own statistics (SQLite by the document texts', Lucene by the whole index's), so the cut must be
# wide enough that both hold the same top documents (20 was not, on the corpus of the tests).
DOC_CANDIDATES = 50
CLAUSE_CANDIDATES = 200
PASSAGE_CANDIDATES = 300
# Passages fetched per document shown: enough that a document's best ones are among them on
# every backend (each backend's own BM25 picks the candidates; ours ranks them).
PASSAGES_SEARCHED = 100
RARE = 0.05  # a word fewer than this share of the units hold
RERANKED = 10  # a document's best passages by BM25 that the term vectors rank again
PASSAGES_PER_DOC = 3
RRF_K = 20  # rank fusion: a signal's n-th best adds weight / (RRF_K + n)
WEIGHTS = {"全文": 1.0, "条款": 0.1, "段落": 0.1}
class SearchService:
    """Search with synonyms and snippets over whichever index the settings picked.

    Without a type filter a search answers with documents: each document is ranked by fusing
    the ranks of its whole text and of its best clause (reciprocal rank fusion), and comes with
    the sentences of its clauses that answer best. With a type filter it finds nodes of those
    types (clauses, agencies, qualifications …), best unit first.
    """

    def __init__(self, index: SearchIndex, vectors: TermVectors | None = None) -> None:
        self.index = index
        self.vectors = vectors

    def search(self, text: str, *, labels: tuple[str, ...] = (), limit: int = 10, offset: int = 0) -> list[SearchHit]:
        """Hits best first: without labels the passages of each document (best first), in the
        documents' order (`documents` groups them); with labels the nodes of those types."""
        if not labels:
            return [p for d in self.documents(text, limit=limit, offset=offset) for p in d.passages]
        return self.nodes(text, labels=labels, limit=limit, offset=offset)

    def nodes(self, text: str, *, labels: tuple[str, ...] = (), limit: int = 10, offset: int = 0,
              rare_first: bool = False) -> list[SearchHit]:
        """Nodes of these labels best first. With `rare_first`, candidates are the nodes that
        hold a word few of these nodes hold, when the query has one (an entity is named by its
        own words: 科技局 picks agencies, 企业 picks nothing in particular)."""
        query = parse_query(text, labels=labels, limit=limit, offset=offset)
        terms = query_terms(query)
        # The backend proposes candidates by its own BM25; the final score is computed here
        # from the same exact statistics on every backend, so SQLite and Elasticsearch rank
        # alike (Lucene alone would round long unit lengths).
        wide = replace(query, limit=max(CANDIDATES, 3 * (offset + limit)), offset=0)
        if rare_first:
            rare = rare_groups(terms, self.index.term_stats(terms, labels=labels))
            if rare:
                wide = replace(wide, groups=rare, weights=())
        candidates = [h for h in self.index.search(wide) if h.label not in (DOCUMENT_TEXT, PASSAGE)]
        if not candidates:
            return []
        stats = self.index.term_stats(terms)
        scored = sorted(((bm25(h.tokens, terms, stats), h) for h in candidates), key=best_first)
        return [replace(h, score=round(s, 6), snippet=snippet(h.text, terms))
                for s, h in scored[offset: offset + limit]]

    def _query_vector(self, query: SearchQuery):
        if self.vectors is None or "vectors" in _OFF:
            return None
        words = [g[0] for g in query.groups if g[0] not in query.places]
        v = self.vectors.embed(words)
        return v if v.any() else None

    def _near(self, qvec, tokens: str) -> float:
        """1 + `VECTOR_BOOST` × the cosine of a passage's vector with the query's (0 without vectors)."""
        if qvec is None:
            return 1.0
        return 1.0 + VECTOR_BOOST * max(0.0, float(self.vectors.embed(tokens.split()) @ qvec))

    def entities(self, text: str, *, limit: int = 5) -> list[SearchHit]:
        """The nodes a query names that are neither documents nor clauses (agencies, firms,
        qualifications, people …), best first."""
        labels = tuple(sorted(set(load_ontology().node_labels) - {"PolicyDocument", L_CLAUSE}))
        return self.nodes(text, labels=labels, limit=limit, rare_first=True)

    def _scored(self, query: SearchQuery, label: str, limit: int, doc_ids: tuple[str, ...] = (),
                rare_first: bool = True, stats: TermStats | None = None) -> list[tuple[float, SearchHit]]:
        """Units of one label by our BM25, best first. The backend proposes the candidates by
        its own BM25; within given documents, they are those that hold a word of the query
        that few units hold (when there is one), so that the candidates do not depend on
        where a backend's ranking cuts a long list of units that only say 创新 or 企业."""
        terms = query_terms(query)
        if stats is None:
            stats = self.index.term_stats(terms, labels=(label,))
        fetch = query
        if doc_ids and rare_first:
            rare = rare_groups(terms, stats)
            if rare:
                fetch = replace(query, groups=rare, weights=())
        hits = self.index.search(replace(fetch, labels=(label,), limit=limit, offset=0, doc_ids=doc_ids))
        if not hits:
            return []
        groups = weighted_groups(query, label)
        return sorted(((bm25_groups(h.tokens, groups, stats), h) for h in hits), key=best_first)

    def documents(self, text: str, *, limit: int = 10, offset: int = 0) -> list[DocumentResult]:
        """Documents best first, each with its best passages.

        Three rankings are fused by reciprocal rank: of whole documents, of clauses and of
        passages (a document ranks by its best clause and its best passage). The passages a
        document shows are its best-scoring sentences."""
        query = parse_query(text, limit=limit, offset=offset)
        terms = query_terms(query)
        want = offset + limit
        rankings: dict[str, list[tuple[float, SearchHit]]] = {}
        if "document" not in _OFF:
            rankings["全文"] = self._scored(query, L_DOC, max(DOC_CANDIDATES, 2 * want))
        if "clause" in ON:
            rankings["条款"] = self._scored(query, L_CLAUSE, max(CLAUSE_CANDIDATES, 4 * want))
        if "passage" in ON:
            rankings["段落"] = self._scored(query, PASSAGE, max(PASSAGE_CANDIDATES, 6 * want))
        fused: dict[str, float] = {}
        why: dict[str, list[str]] = {}
        titles: dict[str, str] = {}
        for signal, scored in rankings.items():
            rank = 0
            for _, h in scored:
                if (h.doc_id, signal) in why:
                    continue
                rank += 1
                why[(h.doc_id, signal)] = []
                fused[h.doc_id] = fused.get(h.doc_id, 0.0) + WEIGHTS[signal] / (RRF_K + rank)
                why.setdefault(h.doc_id, []).append(f"{signal} #{rank}")
                if signal == "全文" or h.doc_id not in titles:
                    titles[h.doc_id] = h.title if signal == "全文" else h.title
        order = sorted(fused, key=lambda d: (-fused[d], d))[offset: offset + limit]
        if not order:
            return []
        # The passages of the documents shown, found among theirs alone: the best sentence of
        # a document is seldom among the best of the whole corpus.
        by_doc: dict[str, list[tuple[float, SearchHit]]] = {}
        for sc, h in self._scored(query, PASSAGE, PASSAGES_SEARCHED * len(order), doc_ids=tuple(order)):
            by_doc.setdefault(h.doc_id, []).append((sc, h))
        few = tuple(d for d in order if len(by_doc.get(d, ())) < PASSAGES_PER_DOC)
        # Documents where the rare words are in fewer passages than a document shows: their
        # best passages by the whole query, one document at a time, so that a document with many
        # matches does not crowd out the others at a cut that differs between backends.
        passage_stats = self.index.term_stats(terms, labels=(PASSAGE,)) if few else None
        for doc_id in few:
            for sc, h in self._scored(query, PASSAGE, PASSAGES_SEARCHED, doc_ids=(doc_id,), rare_first=False,
                                      stats=passage_stats):
                if all(h.node_id != x.node_id for _, x in by_doc.get(h.doc_id, ())):
                    by_doc.setdefault(h.doc_id, []).append((sc, h))
        heads = {h.doc_id: (sc, h) for sc, h in rankings.get("全文", [])}
        qvec = self._query_vector(query)
        out = []
        for doc_id in order:
            ranked = sorted(((sc * answers(query, h.text), h) for sc, h in by_doc.get(doc_id, [])),
                            key=best_first)[:RERANKED]
            ranked = sorted(((sc * self._near(qvec, h.tokens), h) for sc, h in ranked),
                            key=best_first)
            passages = [replace(h, node_id=h.node_id.split(PASSAGE_MARK)[0], label=L_CLAUSE, score=round(sc, 6),
                                snippet=snippet(h.text, terms), tokens="")
                        for sc, h in ranked[:PASSAGES_PER_DOC]]
            if not passages and doc_id in heads:
                sc, h = heads[doc_id]
                passages = [replace(h, label="PolicyDocument", score=round(sc, 6), tokens="",
                                    snippet=snippet(h.text, terms))]
            title = heads[doc_id][1].title if doc_id in heads else titles.get(doc_id, doc_id)
            out.append(DocumentResult(doc_id, title, round(fused[doc_id], 6), tuple(passages), tuple(why[doc_id])))
        return out


def rare_groups(terms: list[str], stats: TermStats) -> tuple[tuple[str, ...], ...]:
    """The query's words that fewer than `RARE` of the units hold, each a group of its own."""
    return tuple((t,) for t in terms if 0 < stats.doc_freq.get(t, 0) <= RARE * stats.units)


def best_first(scored: tuple[float, SearchHit]) -> tuple:
    """Sort key: best score first; equal scores by node and document, so that every backend
    orders ties alike (two files of the same 文号 give units of equal ids and equal scores)."""
    score, hit = scored
    return -score, hit.node_id, hit.doc_id


def answers(query: SearchQuery, text: str) -> float:
    """1 + `ANSWER_BOOST` for each thing the query asks for that the passage states."""
    if "asks" in _OFF:
        return 1.0
    return 1.0 + ANSWER_BOOST * sum(1 for kind in query.asks if STATES[kind].search(text))


def query_terms(query: SearchQuery) -> list[str]:
    return list(dict.fromkeys(t for g in query.groups for t in g))


PLACE_WEIGHT_IN_PASSAGES = 0.15


def weighted_groups(query: SearchQuery, label: str = "") -> list[tuple[tuple[str, ...], float]]:
    """The query's groups with their weights (1 for the query's own words). A place the query
    names picks the document (its issuer, its title); inside a document it says little about
    which clause answers, so in clauses and passages it weighs little."""
    weights = query.weights or (1.0,) * len(query.groups)
    out = []
    for g, w in zip(query.groups, weights):
        if label in (L_CLAUSE, PASSAGE) and g[0] in query.places:
            w *= PLACE_WEIGHT_IN_PASSAGES
        out.append((g, w))
    return out


CANDIDATES = 100
K1, B = 1.2, 0.75


def bm25_groups(tokens: str, groups: list[tuple[tuple[str, ...], float]], stats: TermStats) -> float:
    """BM25 where each group of interchangeable terms (a word and its synonyms) counts once, by
    its best term, times the group's weight: a passage that says 补助, 补贴 and 资助 is not three
    times as much about subsidies."""
    words = tokens.split()
    if not words or not stats.units:
        return 0.0
    counts = Counter(words)
    norm = K1 * (1 - B + B * len(words) / (stats.avg_length or 1))
    score = 0.0
    for group, weight in groups:
        best = 0.0
        for t in group:
            tf = counts.get(t, 0)
            if tf:
                df = stats.doc_freq.get(t, 0)
                idf = math.log(1 + (stats.units - df + 0.5) / (df + 0.5))
                best = max(best, idf * tf * (K1 + 1) / (tf + norm))
        score += weight * best
    return score


def bm25(tokens: str, terms: list[str], stats: TermStats) -> float:
    """Okapi BM25 of one unit (Lucene's idf, always positive; k1 = 1.2, b = 0.75)."""
    words = tokens.split()
    if not words or not stats.units:
        return 0.0
    counts = Counter(words)
    norm = K1 * (1 - B + B * len(words) / (stats.avg_length or 1))
    score = 0.0
    for t in terms:
        tf = counts.get(t, 0)
        if tf:
            df = stats.doc_freq.get(t, 0)
            idf = math.log(1 + (stats.units - df + 0.5) / (df + 0.5))
            score += idf * tf * (K1 + 1) / (tf + norm)
    return score
