"""Content-addressed store of original files.

Blobs are named by their SHA-256, so storing the same bytes twice is free and a blob can be
checked against its name at any time. Writes go to a temporary file in the target folder, are
fsynced, then renamed into place: a crash never leaves a half-written blob under a real name.
"""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol


class BlobStore(Protocol):
    def put_file(self, source: Path, sha256: str) -> None: ...

    def read(self, sha256: str) -> bytes: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def staging_dir(self) -> Path: ...


class BlobMissingError(FileNotFoundError):
    """The blob a row points at is not in the store: storage was lost or misconfigured."""


class FileBlobStore:
    """Blobs on a local (or mounted) filesystem under ``root/ab/cd/abcd…``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def staging_dir(self) -> Path:
        """Where uploads are spooled: on the same filesystem, so moving them in is a rename."""
        path = self.root / "staging"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put_file(self, source: Path, sha256: str) -> None:
        """Move a fully written, already hashed file into the store (consumes ``source``)."""
        target = self.path_for(sha256)
        if target.is_file():
            source.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(source, target)
        _fsync_dir(target.parent)

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as handle:
            return handle.read()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path_for(sha256).open("rb")
        except FileNotFoundError as exc:
            raise BlobMissingError(f"blob {sha256} is not in the store at {self.root}") from exc


def write_to_staging(store: BlobStore, data: bytes) -> Path:
    """Bytes already in memory as a staging file, ready for :meth:`BlobStore.put_file`."""
    fd, name = tempfile.mkstemp(dir=store.staging_dir(), suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return Path(name)


def store_bytes(store: BlobStore, data: bytes) -> str:
    """Put bytes made by Bilag itself (page images, attachments) in the store; their SHA-256."""
    sha256 = hashlib.sha256(data).hexdigest()
    if not store.exists(sha256):
        store.put_file(write_to_staging(store, data), sha256)
    return sha256


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def get_blob_store() -> FileBlobStore:
    from models.settings import get_settings

    return FileBlobStore(get_settings().storage_root)
