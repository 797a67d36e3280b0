"""Configuration, read once from the environment (prefix ``BILAG_``) and a ``.env`` file.

Built through a cached factory rather than at import time, so tests and the CLI can point a
process at another database or storage root before anything connects.
"""

import os
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
    models_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "models",
        description="Where trained model artifacts (per company) are written.",
    )
    scorer_retrain_after: int = Field(
        default=1, ge=1, description="Corrected documents that trigger a scorer retrain."
    )
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    max_pages: int = Field(
        default=200, gt=0, description="Pages (PDF pages, TIFF frames) one document may have."
    )
    queue_name: str = "bilag"
    job_retries: int = Field(default=3, ge=0)
    job_retry_intervals: list[int] = Field(default=[2, 10, 60])
    read_timeout_seconds: int = Field(
        default=180, gt=0, description="Time limit of the read stage for a one-page document."
    )
    read_seconds_per_page: int = Field(
        default=8, ge=0, description="Added to the read limit per page beyond the first (OCR)."
    )
    ocr_languages: str = Field(default="nor+eng", description="Tesseract languages, '+'-joined.")
    ocr_dpi: int = Field(default=300, ge=100, le=600, description="Resolution PDFs are OCR'd at.")
    ocr_concurrency: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        gt=0,
        description="Tesseract processes one document's pages are read with at once.",
    )
    ocr_page_timeout_seconds: int = Field(default=120, gt=0)
    max_image_pixels: int = Field(
        default=60_000_000, gt=0, description="Largest image (or rendered page) decoded, pixels."
    )
    page_image_dpi: int = Field(default=150, ge=50, le=300, description="Viewer page images.")
    max_xml_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    validation_artifacts_dir: Path = Field(
        default=PROJECT_ROOT / "data" / "validation",
        description="Folder of the official EN 16931 / Peppol BIS validation XSLTs.",
    )
    stage_timeout_seconds: int = Field(default=60, gt=0)
    public_base_url: str = "http://127.0.0.1:8000"


@lru_cache
def get_settings() -> Settings:
    return Settings()
