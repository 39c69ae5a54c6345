"""Personal data: what anonymous callers see of people on every read route, and what a caller
with the key sees."""

from __future__ import annotations

import json

import httpx
import pytest

from policykg.api.privacy import mask_name
from policykg.app.backends import open_graph, open_index
from policykg.core.model import DocumentGraph, Provenance, SearchUnit
from policykg.core.settings import Settings
from policykg.core.tokens import search_tokens
from policykg.graph.store import GraphStore
from tests.api.utils import AUTH, entity_path

TALENT = "Talent:yc-2021-0007"
TALENT_NAME = "欧阳明远"
EMPLOYER = "Organization:永川区智能制造研究院"


@pytest.fixture(scope="module")
def talent(settings: Settings, client: httpx.Client, ingested) -> str:
    """A Talent node, an employer with a contact phone, and a search unit for the person,
    written straight into the stores the server uses."""
    sentence = f"{TALENT_NAME}，电话13800000000，现任永川区智能制造研究院首席专家。"
    prov = Provenance("talent-fixture", "talent.txt", 0, len(TALENT_NAME), sentence)
    doc = DocumentGraph("talent-fixture", "v1", "talent.txt")
    doc.add_node(TALENT, "Talent", TALENT_NAME, prov=prov, aliases=["欧阳博士"], primary=True,
                 phone="13800000000", email="oy@example.cn", id_number="500118199001010000", role="首席专家")
    doc.add_node(EMPLOYER, "Organization", "永川区智能制造研究院", contact="023-49800000", level="区级")
    doc.add_edge(TALENT, "WORKS_AT", EMPLOYER, prov=prov, phone="13800000000")
    graph: GraphStore = open_graph(settings)
    index = open_index(settings)
    try:
        graph.write_document(doc)
        text = f"{TALENT_NAME} 永川区智能制造研究院 首席专家"
        index.write_document("talent-fixture", "v1", [
            SearchUnit(TALENT, "Talent", "talent-fixture", TALENT_NAME, text, search_tokens(text))])
    finally:
        graph.close()
        index.close()
    return TALENT


def test_mask_name():
    assert mask_name("张三丰") == "张**"
    assert mask_name("欧阳明远") == "欧阳**"
    assert mask_name("王五") == "王**"
    assert mask_name("Jane Doe") == "J**"


def test_talent_is_masked_for_anonymous_callers(client, talent):
    masked = mask_name(TALENT_NAME)
    anonymous = [
        client.get(entity_path(talent)),
        client.get("/entities", params={"type": "Talent"}),
        client.get(entity_path(talent) + "/neighbours"),
        client.get("/search", params={"q": TALENT_NAME}),
        client.get("/export", params={"format": "jsonl"}),
        client.get("/export", params={"format": "ttl"}),
    ]
    for r in anonymous:
        assert r.status_code == 200, r.text
        body = r.json() if r.url.path == "/search" else None
        # a search echoes the caller's own query; everything it found is checked
        shown = json.dumps({k: v for k, v in body.items() if k != "query"}, ensure_ascii=False) if body else r.text
        for secret in (TALENT_NAME, "欧阳博士", "13800000000", "oy@example.cn", "500118199001010000",
                       "首席专家", "023-49800000"):
            assert secret not in shown, (r.url, secret)
    node = anonymous[0].json()
    assert node["name"] == masked == "欧阳**"
    assert node["label"] == "Talent"
    assert node["properties"] == {} and node["aliases"] == [] and node["provenance"] == []
    hits = anonymous[3].json()["entities"]
    assert [h["node_id"] for h in hits] == [talent]
    assert hits[0]["text"] == hits[0]["title"] == masked
    sub = anonymous[2].json()
    employer = next(n for n in sub["nodes"] if n["id"] == EMPLOYER)
    assert employer["properties"] == {"level": "区级"}  # the contact is dropped, the rest stays
    assert sub["edges"][0]["properties"] == {}


def test_talent_is_whole_for_callers_with_the_key(client, talent):
    node = client.get(entity_path(talent), headers=AUTH).json()
    assert node["name"] == TALENT_NAME
    assert node["properties"]["phone"] == "13800000000"
    assert node["provenance"][0]["sentence"].startswith(TALENT_NAME)
    hit = client.get("/search", params={"q": TALENT_NAME}, headers=AUTH).json()["entities"][0]
    assert TALENT_NAME in hit["text"] and "<mark>" in hit["snippet"]
    employer = client.get(entity_path(EMPLOYER), headers=AUTH).json()
    assert employer["properties"]["contact"] == "023-49800000"
