"""GET /search."""

from __future__ import annotations

import pytest

from policykg.app.backends import open_graph, open_index
from policykg.app.maintenance import train_vectors
from policykg.search.service import SearchService
from tests.api.utils import assert_problem


def test_search_expands_synonyms_and_marks_terms(client, ingested):
    r = client.get("/search", params={"q": "高企"})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "高企"
    expanded = [h for h in body["hits"] if "高新技术企业" in h["text"] and "高企" not in h["text"]]
    assert expanded, "高企 should find text that only says 高新技术企业"
    assert all("<mark>" in h["snippet"] for h in expanded)
    assert "<mark>高新技术企业</mark>" in expanded[0]["snippet"]
    hit = expanded[0]
    assert set(hit) >= {"node_id", "label", "doc_id", "title", "score", "snippet", "text", "node_url"}
    linked = client.get(hit["node_url"])  # each hit links to its node
    assert linked.status_code == 200
    assert linked.json()["id"] == hit["node_id"]


def test_search_filters_by_type(client, ingested):
    r = client.get("/search", params=[("q", "高新技术企业"), ("type", "PolicyClause"), ("limit", "5")])
    hits = r.json()["hits"]
    assert 0 < len(hits) <= 5
    assert {h["label"] for h in hits} == {"PolicyClause"}
    both = client.get("/search", params=[("q", "高新技术企业"), ("type", "PolicyClause"), ("type", "Qualification")])
    assert {h["label"] for h in both.json()["hits"]} == {"PolicyClause", "Qualification"}


def test_search_pages_with_offset(client, ingested):
    whole = client.get("/search", params={"q": "企业", "limit": 3}).json()["documents"]
    page1 = client.get("/search", params={"q": "企业", "limit": 2}).json()["documents"]
    page2 = client.get("/search", params={"q": "企业", "limit": 2, "offset": 2}).json()["documents"]
    assert len(whole) == 3 and len(page1) == 2 and page2
    assert [d["doc_id"] for d in page1 + page2][:3] == [d["doc_id"] for d in whole]


def test_search_answers_with_documents_and_their_passages(client, ingested):
    body = client.get("/search", params={"q": "科技保险补贴比例是多少"}).json()
    first = body["documents"][0]
    assert first["doc_id"] == "0410.txt" and first["why"]
    assert body["hits"][:len(first["passages"])] == first["passages"]
    assert all("tokens" not in p for p in first["passages"])  # internal fields stay inside
    assert any("%" in p["text"] or "万元" in p["text"] for p in first["passages"])


def test_search_with_unknown_type_is_422(client):
    body = assert_problem(client.get("/search", params={"q": "高企", "type": "Spaceship"}), 422)
    assert "type" in body["detail"]
    assert body["errors"][0]["location"] == "query.type.0"


@pytest.mark.parametrize("params", [{}, {"q": "   "}, {"q": "高企", "limit": 0}, {"q": "高企", "limit": 101}])
def test_search_with_bad_parameters_is_422(client, params):
    assert_problem(client.get("/search", params=params), 422)


@pytest.mark.parametrize("q, said", [
    ("研发" * 250, "at most 200"),
    ("，。！？、……", "no searchable words"),
    ("请问有什么吗？", "question or function words"),
])
def test_search_bad_queries_say_why(client, q, said):
    body = assert_problem(client.get("/search", params={"q": q}), 422)
    assert said in body["detail"]


def test_search_ranks_passages_with_the_term_vectors_learned_in_the_data_dir(client, ingested, settings):
    """The route loads the vectors `policykg ingest` / `reindex` learned; before that it ranks without."""
    q = "企业加大研发投入能拿到多少补助"
    index = open_index(settings)
    before = client.get("/search", params={"q": q}).json()["documents"]
    assert scores(before) == scores(SearchService(index).documents(q))
    vectors = train_vectors(open_graph(settings), settings.data_dir)
    after = client.get("/search", params={"q": q}).json()["documents"]
    assert scores(after) == scores(SearchService(index, vectors).documents(q))
    assert scores(after) != scores(before)


def scores(documents) -> list[list[tuple[str, float]]]:
    def pair(p):
        return (p["node_id"], p["score"]) if isinstance(p, dict) else (p.node_id, p.score)
    return [[pair(p) for p in (d["passages"] if isinstance(d, dict) else d.passages)] for d in documents]
