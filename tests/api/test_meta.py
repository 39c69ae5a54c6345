"""GET /health, and the OpenAPI document and its UI."""

from __future__ import annotations

import json

from tests.api.utils import PROBLEM
from tests.conftest import YONGCHUAN


def test_health_counts_what_was_ingested(client, ingested):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["counts"]["documents"] >= 4
    assert body["counts"]["nodes"] >= ingested[YONGCHUAN.name].json()["nodes"]
    assert body["counts"]["nodes:PolicyDocument"] >= 4


def test_docs_and_openapi(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    spec = client.get("/openapi.json").json()
    assert {"/health", "/documents", "/search", "/entities", "/entities/{node_id}",
            "/entities/{node_id}/neighbours", "/export"} <= set(spec["paths"])
    upload_op = spec["paths"]["/documents"]["post"]
    assert "multipart/form-data" in upload_op["requestBody"]["content"]
    assert PROBLEM in upload_op["responses"]["413"]["content"]
    assert "X-API-Key" in json.dumps(spec["components"]["securitySchemes"])
