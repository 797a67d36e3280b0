"""Configuration, read once from the environment (prefix ``BILAG_``) and a ``.env`` file.

Built through a cached factory rather than at import time, so tests and the CLI can point a
process at another database or storage root before anything connects.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BILAG_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'data' / 'bilag.db'}",
        description="SQLAlchemy URL; PostgreSQL in production, a SQLite file for the demo.",
    )
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        validation_alias=AliasChoices("BILAG_REDIS_URL", "REDIS_URL"),
        description="Redis that carries the RQ pipeline queues.",
    )
    storage_root: Path = Field(
        default=PROJECT_ROOT / "data" / "blobs",
        description="Root folder of the content-addressed store of original files.",
    )
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    max_pdf_pages: int = Field(default=200, gt=0)
    queue_name: str = "bilag"
    job_retries: int = Field(default=3, ge=0)
    job_retry_intervals: list[int] = Field(default=[2, 10, 60])
    read_timeout_seconds: int = Field(default=180, gt=0)
    stage_timeout_seconds: int = Field(default=60, gt=0)
    public_base_url: str = "http://127.0.0.1:8000"


@lru_cache
def get_settings() -> Settings:
    return Settings()
