"""What routes depend on: the app's settings and stores, and who the caller is.

Routes take these as `Annotated` parameters (`GraphDep`, `TrustedDep` …); `create_app` puts
the settings and a `Stores` on ``app.state``, which the getters here read.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Annotated, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from policykg.app.backends import open_graph, open_index
from policykg.core.errors import PolicyKGError, Unauthorized
from policykg.core.settings import Settings
from policykg.graph.store import GraphStore
from policykg.search.index import SearchIndex

API_KEY_HEADER = "X-API-Key"


class UploadsDisabled(PolicyKGError):
    """No API key is configured, so no caller can be allowed to write."""

    status = 403
    title = "Uploads disabled"


T = TypeVar("T")


class Stores:
    """The graph store and search index of one app, opened on first use, closed at shutdown."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._graph: GraphStore | None = None
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    def _open(self, attr: str, opener: Callable[[Settings], T]) -> T:
        with self._lock:
            store = getattr(self, attr)
            if store is None:
                store = opener(self.settings)
                setattr(self, attr, store)
            return store

    def graph(self) -> GraphStore:
        return self._graph if self._graph is not None else self._open("_graph", open_graph)

    def index(self) -> SearchIndex:
        return self._index if self._index is not None else self._open("_index", open_index)

    def close(self) -> None:
        with self._lock:
            for store in (self._graph, self._index):
                if store is not None:
                    store.close()
            self._graph = self._index = None


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_graph(request: Request) -> GraphStore:
    return request.app.state.stores.graph()


def get_index(request: Request) -> SearchIndex:
    return request.app.state.stores.index()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
GraphDep = Annotated[GraphStore, Depends(get_graph)]
IndexDep = Annotated[SearchIndex, Depends(get_index)]

api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="Needed to upload; also shows personal data that anonymous callers do not see.",
)
ApiKeyDep = Annotated[str | None, Security(api_key_scheme)]


def _key_matches(settings: Settings, sent: str) -> bool:
    expected = settings.api_key.get_secret_value() if settings.api_key else ""
    return bool(expected) and secrets.compare_digest(sent.encode(), expected.encode())


def caller_is_trusted(settings: SettingsDep, sent: ApiKeyDep) -> bool:
    """False for anonymous callers; True for a valid key.

    Raises:
        Unauthorized: a key was sent and it is wrong.
    """
    if sent is None:
        return False
    if not _key_matches(settings, sent):
        raise Unauthorized(f"the {API_KEY_HEADER} header is not valid",
                           hint="send the key the server was given in POLICYKG_API_KEY, or no key at all")
    return True


def require_api_key(settings: SettingsDep, sent: ApiKeyDep) -> None:
    """Raises UploadsDisabled (403) without a configured key, Unauthorized (401) without the right one."""
    if settings.api_key is None or not settings.api_key.get_secret_value():
        raise UploadsDisabled("uploads are disabled until POLICYKG_API_KEY is set on the server",
                              hint="set POLICYKG_API_KEY and restart, then send it in X-API-Key")
    if sent is None:
        raise Unauthorized(f"uploads need the {API_KEY_HEADER} header", hint=f"send {API_KEY_HEADER}: <key>")
    if not _key_matches(settings, sent):
        raise Unauthorized(f"the {API_KEY_HEADER} header is not valid")


TrustedDep = Annotated[bool, Depends(caller_is_trusted)]


def node_url(node_id: str) -> str:
    """The path of a node's entity route; ids hold ':' '#' '/' '〔', so every one is escaped."""
    return "/entities/" + quote(node_id, safe="")
