"""GET /export."""

from __future__ import annotations

import json

import rdflib

from policykg.app.export import node_iri
from tests.api.utils import JIAXING_DOC, YONGCHUAN_DOC, assert_problem


def test_export_jsonl(client, ingested):
    counts = client.get("/health").json()["counts"]
    with client.stream("GET", "/export", params={"format": "jsonl"}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        items = [json.loads(line) for line in r.iter_lines() if line]
    kinds = [i["kind"] for i in items]
    assert kinds.count("node") == counts["nodes"]
    assert kinds.count("edge") == counts["edges"]
    assert kinds == sorted(kinds, key=lambda k: k != "node")  # nodes first, then edges
    assert any(i.get("id") == YONGCHUAN_DOC for i in items)


def test_export_turtle_parses(client, ingested):
    r = client.get("/export", params={"format": "ttl"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert len(g) > 100
    assert (node_iri(JIAXING_DOC), rdflib.RDFS.label, None) in g


def test_export_unknown_format_is_422(client):
    assert_problem(client.get("/export", params={"format": "xml"}), 422)
