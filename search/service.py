"""Query understanding on top of any `SearchIndex`: jieba tokens, ontology synonyms, snippets."""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from dataclasses import replace

from policykg.core.errors import InvalidInput
from policykg.core.model import SearchHit, SearchQuery, TermStats
from policykg.core.ontology import load_ontology
from policykg.core.tokens import query_tokens
from policykg.search.index import SearchIndex

MAX_LIMIT = 100
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
    if len(text) > 500:
        raise InvalidInput("the query is longer than 500 characters")
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
    for tok in query_tokens(text):
        group = tuple(dict.fromkeys(s.lower() for s in synonyms.get(tok, (tok,))))
        if tok not in group:
            group = (tok, *group)
        if group not in groups:
            groups.append(group)
    if not groups:
        raise InvalidInput("the query has no searchable words", hint="punctuation alone finds nothing")
    return SearchQuery(text, tuple(groups), tuple(labels), limit, offset)


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


class SearchService:
    """Search with synonyms and snippets over whichever index the settings picked."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    def search(self, text: str, *, labels: tuple[str, ...] = (), limit: int = 10, offset: int = 0) -> list[SearchHit]:
        query = parse_query(text, labels=labels, limit=limit, offset=offset)
        terms = list(dict.fromkeys(t for g in query.groups for t in g))
        # The backend proposes candidates by its own BM25; the final score is computed here
        # from the same exact statistics on every backend, so SQLite and Elasticsearch rank
        # alike (Lucene alone would round long unit lengths).
        wide = replace(query, limit=max(CANDIDATES, 3 * (offset + limit)), offset=0)
        candidates = self.index.search(wide)
        if not candidates:
            return []
        stats = self.index.term_stats(terms)
        scored = sorted(((bm25(h.tokens, terms, stats), h) for h in candidates), key=lambda x: (-x[0], x[1].node_id))
        return [replace(h, score=round(s, 6), snippet=snippet(h.text, terms))
                for s, h in scored[offset: offset + limit]]


CANDIDATES = 100
K1, B = 1.2, 0.75


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
