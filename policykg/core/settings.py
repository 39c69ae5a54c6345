"""Settings, read from the environment (prefix POLICYKG_) or a .env file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYKG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the embedded store keeps its files.")
    graph: Literal["sqlite", "neo4j"] = Field("sqlite", description="Graph backend.")
    search: Literal["sqlite", "elasticsearch"] = Field("sqlite", description="Search backend.")
    api_key: SecretStr | None = Field(None, description="Key that uploads must send in X-API-Key; unset = uploads refused.")
    rules_dir: Path | None = Field(
        None, description="Folder of curated rule files (*.yaml) to use instead of the ones shipped with policykg.")
    max_file_mb: float = Field(20, gt=0, description="Largest document accepted, in MB.")

    neo4j_url: str = Field("bolt://127.0.0.1:7687", description="Bolt URL of the Neo4j server.")
    neo4j_user: str = Field("neo4j", description="Neo4j user.")
    neo4j_password: SecretStr | None = Field(None, description="Neo4j password (required for POLICYKG_GRAPH=neo4j).")
    neo4j_database: str = Field("neo4j", description="Neo4j database name.")
    neo4j_namespace: str | None = Field(
        None, description="Keep this store's graph apart from others in the same database (letters, digits, _).")

    es_url: str = Field("http://127.0.0.1:9200", description="Elasticsearch URL.")
    es_index: str = Field("policykg", description="Alias the search index is read and written through.")
    es_user: str | None = Field(None, description="Elasticsearch user, if security is on.")
    es_password: SecretStr | None = Field(None, description="Elasticsearch password, if security is on.")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


def get_settings() -> Settings:
    """The settings the environment and `.env` give now; read again whenever either changes
    (building them costs milliseconds, and ingest asks for them once per document)."""
    try:
        env_file = os.stat(".env").st_mtime_ns
    except OSError:
        env_file = None
    variables = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("POLICYKG_")))
    return _settings(variables, os.getcwd(), env_file)


@lru_cache(maxsize=8)
def _settings(_variables: tuple, _cwd: str, _env_file: int | None) -> Settings:
    return Settings()
