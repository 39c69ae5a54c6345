"""Search units from a document's graph. Ingest and `policykg reindex` both call this, so
an index rebuilt from the graph equals the one ingest wrote."""

from __future__ import annotations

import re

from policykg.core.model import DOCUMENT_TEXT, PASSAGE, PASSAGE_MARK, DocumentGraph, SearchUnit
from policykg.core.ontology import PKG, name
from policykg.core.tokens import search_tokens, sentence_spans, sentence_tokens

L_DOC, L_CLAUSE, HAS_CLAUSE = name(PKG.PolicyDocument), name(PKG.PolicyClause), name(PKG.HAS_CLAUSE)
L_TEXT = DOCUMENT_TEXT
# Read out of a clause's text, which is searchable itself: no units of their own.
DERIVED = frozenset({name(PKG.EligibilityCriterion), name(PKG.Benefit)})


def _own_text(text: str, child_texts: list[str]) -> str:
    """A clause's text before its first sub-clause (the sub-clauses are units of their own)."""
    cut = len(text)
    for child in child_texts:
        k = text.find(child[:30]) if child else -1
        if 0 < k < cut:
            cut = k
    return text[:cut].strip()


# A document's unit holds every word of the document, each at most this many times: BM25's tf
# part hardly grows beyond it, and the unit stays small enough to score again after retrieval.
DOC_TF_CAP = 4


def document_tokens(head: str, bodies: list[str]) -> str:
    """The tokens of a whole-document unit: the head (title, 文号, issuer) twice, since a title
    says what the document is about, then the body's words, each kept at most `DOC_TF_CAP` times."""
    head_tokens = search_tokens(head).split()
    seen: dict[str, int] = {}
    out = head_tokens * 2
    for body in bodies:
        for t in body.split():
            n = seen.get(t, 0)
            if n < DOC_TF_CAP:
                seen[t] = n + 1
                out.append(t)
    return " ".join(out)


_WORDY = re.compile(r"[^\W_]")
MIN_PASSAGE_CHARS = 10
MAX_HEADING = 20


def passages(node_id: str, doc_id: str, title: str, body: str, heading: str) -> list[SearchUnit]:
    """A clause's sentences as units of their own (the answers a search shows), each with the
    words of the clause's heading when it does not hold them (「对企业…给予补助」 is about what
    「（六）推动企业加大研发投入」 says)."""
    spans = sentence_spans(body)
    if len(spans) < 2:
        return [SearchUnit(f"{node_id}{PASSAGE_MARK}1", PASSAGE, doc_id, title, body, search_tokens(body))] if spans else []
    # A heading names what the clause is about; a long one is the clause's first sentence.
    context = search_tokens(heading) if heading and heading != "序言" and len(heading) <= MAX_HEADING else ""
    out = []
    for n, ((a, b), tokens) in enumerate(zip(spans, sentence_tokens(body, spans)), 1):
        text = body[a:b]
        if len(_WORDY.findall(text)) < MIN_PASSAGE_CHARS:
            continue  # 「附件：」, 「其中第一层次：」: nothing a search could answer with
        if context and heading not in text:
            tokens = f"{tokens} {context}"
        out.append(SearchUnit(f"{node_id}{PASSAGE_MARK}{n}", PASSAGE, doc_id, title, text, tokens))
    return out


def units_for(doc: DocumentGraph) -> list[SearchUnit]:
    policy = next((n for n in doc.nodes.values() if n.label == L_DOC and n.id in doc.primary), None)
    title = (policy.properties.get("title") or policy.name) if policy else doc.source
    units: list[SearchUnit] = []
    head = ""
    if policy is not None:
        p = policy.properties
        head = " ".join(str(x) for x in (p.get("title"), p.get("doc_number"), p.get("issuer"), *policy.aliases) if x)
        units.append(SearchUnit(policy.id, L_DOC, doc.doc_id, title, head, search_tokens(head)))
    children: dict[str, list[str]] = {}
    for e in doc.edges.values():
        if e.label == HAS_CLAUSE and e.target in doc.nodes:
            children.setdefault(e.source, []).append(doc.nodes[e.target].properties.get("text", ""))
    for node in sorted(doc.nodes.values(), key=lambda n: n.id):
        if node.label == L_CLAUSE:
            body = _own_text(node.properties.get("text", ""), children.get(node.id, []))
            if body:
                clause_title = f"{title} {node.name}"
                units.append(SearchUnit(node.id, L_CLAUSE, doc.doc_id, clause_title, body, search_tokens(body)))
                units.extend(passages(node.id, doc.doc_id, clause_title, body, node.properties.get("heading", "")))
        elif node.label not in DERIVED and (policy is None or node.id != policy.id):
            body = " ".join([node.name, *node.aliases])
            units.append(SearchUnit(node.id, node.label, doc.doc_id, node.name, body, search_tokens(body)))
    if policy is not None:
        bodies = [u.tokens for u in units if u.label == L_CLAUSE]
        units.append(SearchUnit(policy.id, L_TEXT, doc.doc_id, title, head, document_tokens(head, bodies)))
    return units
