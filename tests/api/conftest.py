"""Fixtures for the API tests, which call the API served for real by uvicorn on a free local
port, with httpx. Each is made once per test module, so every module has its own data dir.

`settings` (fresh data dir, key "test-key"), `app`, `base_url` (the live server), `client`,
and `ingested` (the Yongchuan and three Zhejiang policies uploaded once); `eligibility_client`
is another server (key "eligibility-key") that holds 0410.txt. Helpers are in tests.api.utils.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from policykg.api.main import create_app
from policykg.core.settings import Settings
from tests.api.utils import AUTH, ELIGIBILITY_KEY, KEY, ZHEJIANG, live_server, make_settings, upload
from tests.conftest import YONGCHUAN
from tests.conftest import ZHEJIANG as ZHEJIANG_DIR


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("api-data"), api_key=KEY)


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


@pytest.fixture(scope="module")
def ingested(client: httpx.Client) -> dict[str, httpx.Response]:
    """The first upload of each corpus file, by file name."""
    return {p.name: upload(client, p, headers=AUTH) for p in [YONGCHUAN, *ZHEJIANG]}


@pytest.fixture(scope="module")
def eligibility_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A server of its own for the eligibility routes, holding 0410.txt (嘉科综〔2018〕47号)."""
    app = create_app(make_settings(tmp_path_factory.mktemp("elig"), api_key=ELIGIBILITY_KEY))
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        data = (ZHEJIANG_DIR / "0410.txt").read_bytes()
        r = c.post("/documents", files={"file": ("0410.txt", data)}, headers={"X-API-Key": ELIGIBILITY_KEY})
        assert r.status_code == 201
        yield c
