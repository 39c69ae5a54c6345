"""Query understanding on top of any `SearchIndex`: jieba tokens, ontology synonyms, snippets."""

from __future__ import annotations

import html
import re
from dataclasses import replace

from ingest.tokens import query_tokens
from policykg.errors import InvalidInput
from policykg.model import SearchHit, SearchQuery
from policykg.ontology import load_ontology
from search.index import SearchIndex

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
        terms = [t for g in query.groups for t in g]
        return [replace(h, snippet=snippet(h.text, terms)) for h in self.index.search(query)]
