"""POST /documents: uploads, who may make them, and the ones that are refused."""

from __future__ import annotations

import io
import random
from collections.abc import Iterator

import docx
import httpx
import pytest

from policykg.api.main import create_app
from tests.api.utils import AUTH, KEY, assert_problem, live_server, make_settings, upload
from tests.conftest import YONGCHUAN


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


def test_upload_without_key_is_401(client):
    body = assert_problem(upload(client, YONGCHUAN), 401)
    assert "X-API-Key" in body["detail"]
    wrong = upload(client, YONGCHUAN, headers={"X-API-Key": "not-the-key"})
    assert_problem(wrong, 401)
    assert "WWW-Authenticate" in wrong.headers


def test_uploads_are_disabled_without_a_configured_key(tmp_path):
    app = create_app(make_settings(tmp_path, api_key=None))
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
    app = create_app(make_settings(tmp_path_factory.mktemp("small-data"), api_key=KEY, max_file_mb=0.01))
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
