"""Model files: written atomically, stamped, and rebuilt rather than trusted when stale.

A pickled scikit-learn model is only safe to load with the version that wrote it, so each
file starts with a small header (format version, scikit-learn version) read before the
model; a mismatch or a damaged file answers None and the caller retrains.
"""

import os
import pickle
from pathlib import Path

import sklearn

from ml.coding.coding_model import CodingModel

FORMAT_VERSION = 1


def _header() -> dict[str, object]:
    return {"format": FORMAT_VERSION, "sklearn": sklearn.__version__, "kind": "coding"}


def save_coding_model(model: CodingModel, path: Path) -> None:
    """Write to a temporary file then rename, so a reader never sees half a model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with partial.open("wb") as handle:
        pickle.dump(_header(), handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def load_coding_model(path: Path) -> CodingModel | None:
    """The model, or None when the file is missing, damaged or from another version."""
    try:
        with path.open("rb") as handle:
            if pickle.load(handle) != _header():
                return None
            model = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        return None
    return model if isinstance(model, CodingModel) else None
