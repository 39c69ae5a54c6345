"""GET /entities, /entities/{id} and /entities/{id}/neighbours."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policykg.ingest.reader import read_bytes
from tests.api.utils import (
    CLAUSE_WITH_SLASHES,
    JIAXING_DOC,
    YONGCHUAN_DOC,
    ZHEJIANG,
    assert_problem,
    entity_path,
)
from tests.conftest import YONGCHUAN


def normalised_text(path: Path) -> str:
    """The text provenance offsets point into: the reader's output, not the raw file."""
    return read_bytes(path.read_bytes(), path.name).text


def test_entity_by_url_encoded_id_has_provenance(client, ingested):
    r = client.get(entity_path(YONGCHUAN_DOC))
    assert r.status_code == 200, r.text
    node = r.json()
    assert node["id"] == YONGCHUAN_DOC
    assert node["label"] == "PolicyDocument"
    assert node["properties"]["doc_number"] == "永川府办发〔2021〕49号"
    assert "双创示范基地" in node["name"]
    text = normalised_text(YONGCHUAN)
    own = [p for p in node["provenance"] if p["doc_id"] == YONGCHUAN.name]
    assert own, node["provenance"]
    for p in own:
        assert set(p) == {"doc_id", "source", "start", "end", "sentence"}
        assert 0 <= p["start"] < p["end"] <= len(text)
        assert text[p["start"]:p["end"]] in p["sentence"]


def _squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.mark.parametrize(
    ("node_id", "path"),
    [
        pytest.param(JIAXING_DOC, ZHEJIANG[0], id="jiaxing-title-on-one-line"),
        pytest.param(YONGCHUAN_DOC, YONGCHUAN, id="yongchuan-title-over-two-lines"),
    ],
)
def test_document_title_provenance_spans_the_title(client, ingested, node_id, path):
    node = client.get(entity_path(node_id)).json()
    text = normalised_text(path)
    names = {_squeeze(n) for n in [node["name"], *node["aliases"]]}
    own = [p for p in node["provenance"] if p["doc_id"] == path.name]
    assert own
    assert all(_squeeze(text[p["start"]:p["end"]]) in names for p in own)


def test_unknown_entity_is_404_problem(client, ingested):
    body = assert_problem(client.get(entity_path("Agency:不存在的机关")), 404)
    assert "不存在的机关" in body["detail"]
    assert body["type"].endswith("/not-found")


def test_list_entities_by_type(client, ingested):
    r = client.get("/entities", params={"type": "Agency", "limit": 5})
    nodes = r.json()
    assert r.status_code == 200 and len(nodes) == 5
    assert {n["label"] for n in nodes} == {"Agency"}
    assert [n["id"] for n in nodes] == sorted(n["id"] for n in nodes)
    assert all("provenance" not in n for n in nodes)
    nxt = client.get("/entities", params={"type": "Agency", "limit": 5, "offset": 5}).json()
    assert not {n["id"] for n in nodes} & {n["id"] for n in nxt}
    assert_problem(client.get("/entities", params={"type": "Spaceship"}), 422)


def test_neighbours_of_an_id_with_slashes_and_hash(client, ingested):
    one = client.get(entity_path(CLAUSE_WITH_SLASHES) + "/neighbours", params={"depth": 1})
    two = client.get(entity_path(CLAUSE_WITH_SLASHES) + "/neighbours", params={"depth": 2})
    assert one.status_code == 200 and two.status_code == 200, (one.text, two.text)
    ids1 = {n["id"] for n in one.json()["nodes"]}
    ids2 = {n["id"] for n in two.json()["nodes"]}
    assert CLAUSE_WITH_SLASHES in ids1
    assert ids1 < ids2  # depth 2 reaches further
    for sub, ids in ((one.json(), ids1), (two.json(), ids2)):
        assert sub["edges"]
        assert all(e["source"] in ids and e["target"] in ids for e in sub["edges"])
    # at depth 1 every other node is adjacent to the clause
    touching = {e["source"] for e in one.json()["edges"]} | {e["target"] for e in one.json()["edges"]}
    assert ids1 <= touching


@pytest.mark.parametrize("depth", [0, 4])
def test_neighbours_depth_out_of_range_is_422(client, ingested, depth):
    body = assert_problem(client.get(entity_path(YONGCHUAN_DOC) + "/neighbours", params={"depth": depth}), 422)
    assert "depth" in body["detail"]


def test_neighbours_of_unknown_entity_is_404(client, ingested):
    assert_problem(client.get(entity_path("Agency:不存在的机关") + "/neighbours"), 404)
