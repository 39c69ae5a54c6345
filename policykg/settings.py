"""Settings, read from the environment (prefix POLICYKG_) or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POLICYKG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the embedded store keeps its files.")
    graph: Literal["sqlite"] = Field("sqlite", description="Graph backend.")
    search: Literal["sqlite"] = Field("sqlite", description="Search backend.")
    api_key: SecretStr | None = Field(None, description="Key that uploads must send in X-API-Key; unset = uploads refused.")
    max_file_mb: float = Field(20, gt=0, description="Largest document accepted, in MB.")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


def get_settings() -> Settings:
    return Settings()
