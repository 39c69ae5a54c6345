"""The HTTP API, served for real by uvicorn on a free local port and called with httpx.

Fixtures: `settings` (fresh data dir, key "test-key"), `app`, `base_url` (the live server),
`client`, and `ingested` (the Yongchuan and three Zhejiang policies uploaded once per module).
"""

from __future__ import annotations

import io
import json
import random
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import docx
import httpx
import pytest
import rdflib
import uvicorn
from fastapi import FastAPI

from policykg.api.main import create_app
from policykg.api.privacy import mask_name
from policykg.app.backends import open_graph, open_index
from policykg.app.export import node_iri
from policykg.core.model import DocumentGraph, Provenance, SearchUnit
from policykg.core.settings import Settings
from policykg.core.tokens import search_tokens
from policykg.graph.store import GraphStore
from policykg.ingest.reader import read_bytes

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
YONGCHUAN = CORPUS / "yongchuan_fuban_2021_49.txt"
ZHEJIANG = [CORPUS / "zhejiang" / name for name in ("0410.txt", "0411.txt", "0412.txt")]
KEY = "test-key"
AUTH = {"X-API-Key": KEY}
PROBLEM = "application/problem+json"

YONGCHUAN_DOC = "PolicyDocument:永川府办发〔2021〕49号"
JIAXING_DOC = "PolicyDocument:嘉科综〔2018〕47号"  # 0410.txt, 嘉兴市科技保险补贴实施办法
CLAUSE_WITH_SLASHES = "PolicyClause:永川府办发〔2021〕49号#三/（二）/2"


# ---------------------------------------------------------------------------- live server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread; yields the base URL once it answers."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(url + "/openapi.json", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _settings(data_dir: Path, **overrides) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, graph="sqlite", search="sqlite", **overrides)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _settings(tmp_path_factory.mktemp("api-data"), api_key=KEY)


@pytest.fixture(scope="module")
def app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    def boom() -> None:  # a route that fails the way a bug would
        raise RuntimeError("secret internals /etc/policykg")

    app.add_api_route("/_test/boom", boom)
    return app


@pytest.fixture(scope="module")
def base_url(app: FastAPI) -> Iterator[str]:
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c


def upload(client: httpx.Client, path_or_name: Path | str, data: bytes | None = None, **kw) -> httpx.Response:
    name = path_or_name.name if isinstance(path_or_name, Path) else path_or_name
    if data is None:
        data = Path(path_or_name).read_bytes()
    return client.post("/documents", files={"file": (name, data, "application/octet-stream")}, **kw)


@pytest.fixture(scope="module")
def ingested(client: httpx.Client) -> dict[str, httpx.Response]:
    """The first upload of each corpus file, by file name."""
    return {p.name: upload(client, p, headers=AUTH) for p in [YONGCHUAN, *ZHEJIANG]}


def assert_problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    return body


def entity_path(node_id: str) -> str:
    return "/entities/" + quote(node_id, safe="")


# ---------------------------------------------------------------------------- uploads
def test_upload_creates_then_reupload_is_unchanged(client, ingested):
    for name, r in ingested.items():
        assert r.status_code == 201, (name, r.text)
        assert r.json()["outcome"] == "created"
        assert r.json()["doc_id"] == name
    first = ingested[YONGCHUAN.name].json()
    assert first["nodes"] > 50 and first["edges"] > 50

    again = upload(client, YONGCHUAN, headers=AUTH)
    assert again.status_code == 200
    assert again.json() == {**first, "outcome": "unchanged"}


def test_health_counts_what_was_ingested(client, ingested):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["counts"]["documents"] >= 4
    assert body["counts"]["nodes"] >= ingested[YONGCHUAN.name].json()["nodes"]
    assert body["counts"]["nodes:PolicyDocument"] >= 4


def test_upload_without_key_is_401(client):
    body = assert_problem(upload(client, YONGCHUAN), 401)
    assert "X-API-Key" in body["detail"]
    wrong = upload(client, YONGCHUAN, headers={"X-API-Key": "not-the-key"})
    assert_problem(wrong, 401)
    assert "WWW-Authenticate" in wrong.headers


def test_uploads_are_disabled_without_a_configured_key(tmp_path):
    app = create_app(_settings(tmp_path, api_key=None))
    with live_server(app) as url, httpx.Client(base_url=url) as c:
        body = assert_problem(upload(c, YONGCHUAN, headers=AUTH), 403)
        assert "POLICYKG_API_KEY" in body["detail"]
        assert body["type"].endswith("/uploads-disabled")
        assert c.get("/health").json()["counts"]["documents"] == 0  # nothing was written


@pytest.mark.parametrize(
    ("name", "data", "problem_type"),
    [
        ("empty.txt", b"", "invalid-input"),
        ("blank.txt", b" \n\n  ", "invalid-input"),
        ("noise.txt", random.Random(0).randbytes(8192), "invalid-input"),
        ("weather.txt", "今天天气很好，我们去公园散步。".encode(), "not-a-policy"),
    ],
)
def test_bad_uploads_are_422_problems(client, name, data, problem_type):
    body = assert_problem(upload(client, name, data, headers=AUTH), 422)
    assert body["type"].endswith("/" + problem_type)
    assert body["instance"] == "/documents"


def test_truncated_docx_is_422(client):
    d = docx.Document()
    d.add_paragraph("永川府办发〔2021〕49号")
    d.add_paragraph("关于印发重庆永川国家双创示范基地建设方案的通知")
    buf = io.BytesIO()
    d.save(buf)
    data = buf.getvalue()
    body = assert_problem(upload(client, "policy.docx", data[: len(data) // 2], headers=AUTH), 422)
    assert "policy.docx" in body["detail"]


def test_upload_that_is_not_multipart_is_422(client):
    r = client.post("/documents", content=YONGCHUAN.read_bytes(), headers={**AUTH, "Content-Type": "text/plain"})
    body = assert_problem(r, 422)
    assert "multipart/form-data" in body["detail"]


@pytest.fixture(scope="module")
def small_server(tmp_path_factory) -> Iterator[str]:
    """A server that accepts files up to 10 KiB (0.01 MB)."""
    app = create_app(_settings(tmp_path_factory.mktemp("small-data"), api_key=KEY, max_file_mb=0.01))
    with live_server(app) as url:
        yield url


@pytest.mark.parametrize("size", [20_000, 300_000])  # under and over the multipart envelope allowance
def test_upload_over_the_cap_is_413(small_server, size):
    with httpx.Client(base_url=small_server, timeout=30) as c:
        body = assert_problem(upload(c, "big.txt", "政策".encode() * (size // 6), headers=AUTH), 413)
        assert "POLICYKG_MAX_FILE_MB" in body["hint"]
        assert c.get("/health").json()["counts"]["documents"] == 0


def test_chunked_upload_over_the_cap_is_413(small_server):
    boundary = "policykg-test-boundary"

    def body() -> Iterator[bytes]:  # no Content-Length: the server has to count
        yield (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
               "Content-Type: text/plain\r\n\r\n").encode()
        for _ in range(40):
            yield "政策".encode() * 2000
        yield f"\r\n--{boundary}--\r\n".encode()

    with httpx.Client(base_url=small_server, timeout=30) as c:
        r = c.post("/documents", content=body(),
                   headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert_problem(r, 413)


# ---------------------------------------------------------------------------- search
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
    page1 = client.get("/search", params={"q": "企业", "limit": 3}).json()["hits"]
    page2 = client.get("/search", params={"q": "企业", "limit": 3, "offset": 3}).json()["hits"]
    assert len(page1) == 3 and page2
    assert not {h["node_id"] for h in page1} & {h["node_id"] for h in page2}


def test_search_with_unknown_type_is_422(client):
    body = assert_problem(client.get("/search", params={"q": "高企", "type": "Spaceship"}), 422)
    assert "type" in body["detail"]
    assert body["errors"][0]["location"] == "query.type.0"


@pytest.mark.parametrize("params", [{}, {"q": "   "}, {"q": "高企", "limit": 0}, {"q": "高企", "limit": 101}])
def test_search_with_bad_parameters_is_422(client, params):
    assert_problem(client.get("/search", params=params), 422)


# ---------------------------------------------------------------------------- entities
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


# ---------------------------------------------------------------------------- export
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


# ---------------------------------------------------------------------------- docs and errors
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


def test_unknown_route_is_404_problem(client):
    body = assert_problem(client.get("/no/such/route"), 404)
    assert body["detail"] == "no route GET /no/such/route"


def test_wrong_method_is_405_problem(client):
    r = client.delete("/health")
    assert_problem(r, 405)
    assert "GET" in r.headers["allow"]


def test_unexpected_error_is_500_problem_without_internals(client):
    r = client.get("/_test/boom")
    body = assert_problem(r, 500)
    assert "secret" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    assert body["title"] == "Internal error"


def test_wrong_key_on_a_read_route_is_401(client):
    assert_problem(client.get("/entities", headers={"X-API-Key": "nope"}), 401)


# ---------------------------------------------------------------------------- personal data
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
        shown = json.dumps(r.json()["hits"], ensure_ascii=False) if r.url.path == "/search" else r.text
        for secret in (TALENT_NAME, "欧阳博士", "13800000000", "oy@example.cn", "500118199001010000",
                       "首席专家", "023-49800000"):
            assert secret not in shown, (r.url, secret)
    node = anonymous[0].json()
    assert node["name"] == masked == "欧阳**"
    assert node["label"] == "Talent"
    assert node["properties"] == {} and node["aliases"] == [] and node["provenance"] == []
    hits = anonymous[3].json()["hits"]
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
    hit = client.get("/search", params={"q": TALENT_NAME}, headers=AUTH).json()["hits"][0]
    assert TALENT_NAME in hit["text"] and "<mark>" in hit["snippet"]
    employer = client.get(entity_path(EMPLOYER), headers=AUTH).json()
    assert employer["properties"]["contact"] == "023-49800000"
