"""Where the shared sample data lives (../shared/data beside the checkout, or $BILAG_SHARED_DATA).

Tests that use it skip cleanly when it is absent, as on a bare clone elsewhere.
"""

from pathlib import Path

import pytest

from api.evaluate.einvoices import default_data_root


def shared_data_root() -> Path | None:
    root = default_data_root()
    return root if root.is_dir() else None


def shared_path(*parts: str) -> Path:
    """A path under the shared data, or skip the calling test when it is not there."""
    root = shared_data_root()
    path = root.joinpath(*parts) if root else None
    if path is None or not path.exists():
        pytest.skip(f"shared data {'/'.join(parts)} is not available")
    return path
