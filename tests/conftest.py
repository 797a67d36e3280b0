"""Shared test configuration: every test process gets its own blob store under tmp."""

import os

import pytest

from models.settings import get_settings


@pytest.fixture(autouse=True, scope="session")
def _isolated_storage(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["BILAG_STORAGE_ROOT"] = str(tmp_path_factory.mktemp("blobs"))
    get_settings.cache_clear()
