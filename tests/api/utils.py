"""Helpers for the API tests: a live uvicorn server, settings for a fresh data dir, uploads,
problem checks, and the corpus files and node ids the tests use."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import uvicorn
from fastapi import FastAPI

from policykg.core.settings import Settings
from tests.conftest import CORPUS

ZHEJIANG = [CORPUS / "zhejiang" / name for name in ("0410.txt", "0411.txt", "0412.txt")]
KEY = "test-key"
AUTH = {"X-API-Key": KEY}
ELIGIBILITY_KEY = "eligibility-key"  # the eligibility server's, see conftest
PROBLEM = "application/problem+json"

YONGCHUAN_DOC = "PolicyDocument:永川府办发〔2021〕49号"
JIAXING_DOC = "PolicyDocument:嘉科综〔2018〕47号"  # 0410.txt, 嘉兴市科技保险补贴实施办法
CLAUSE_WITH_SLASHES = "PolicyClause:永川府办发〔2021〕49号#三/（二）/2"


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
    wait_until_serving(url, thread.is_alive, timeout=15)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_until_serving(url: str, alive: Callable[[], bool], *, timeout: float) -> None:
    """Return once the API at `url` answers; RuntimeError if the server stops or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url + "/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if not alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the API server did not start at {url}")
        time.sleep(0.05)


def make_settings(data_dir: Path, **overrides) -> Settings:
    """Embedded stores in `data_dir`, nothing read from the environment's .env file."""
    return Settings(_env_file=None, data_dir=data_dir, graph="sqlite", search="sqlite", **overrides)


def upload(client: httpx.Client, path_or_name: Path | str, data: bytes | None = None, **kw) -> httpx.Response:
    name = path_or_name.name if isinstance(path_or_name, Path) else path_or_name
    if data is None:
        data = Path(path_or_name).read_bytes()
    return client.post("/documents", files={"file": (name, data, "application/octet-stream")}, **kw)


def assert_problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    return body


def entity_path(node_id: str) -> str:
    return "/entities/" + quote(node_id, safe="")
