import hashlib

import pytest

from models.ingest import stage_bytes
from models.storage import BlobMissingError, FileBlobStore


def put(store: FileBlobStore, data: bytes) -> str:
    staged = stage_bytes(store, data, filename=None)
    store.put_file(staged.path, staged.sha256)
    return staged.sha256


def test_bytes_are_stored_under_their_sha256_and_read_back(tmp_path):
    store = FileBlobStore(tmp_path)
    data = b"%PDF-1.7 original bytes"

    digest = put(store, data)

    assert digest == hashlib.sha256(data).hexdigest()
    assert store.path_for(digest) == tmp_path / digest[:2] / digest[2:4] / digest
    assert store.read(digest) == data


def test_storing_the_same_bytes_twice_keeps_one_blob(tmp_path):
    store = FileBlobStore(tmp_path)
    first, second = put(store, b"same"), put(store, b"same")
    assert first == second
    blobs = [p for p in tmp_path.rglob("*") if p.is_file() and "staging" not in p.parts]
    assert len(blobs) == 1


def test_a_staged_file_is_moved_in_and_leaves_no_staging_residue(tmp_path):
    store = FileBlobStore(tmp_path)
    staged = store.staging_dir() / "upload.part"
    staged.write_bytes(b"uploaded")
    digest = hashlib.sha256(b"uploaded").hexdigest()

    store.put_file(staged, digest)

    assert store.read(digest) == b"uploaded"
    assert list(store.staging_dir().iterdir()) == []


def test_a_missing_blob_is_a_named_error(tmp_path):
    store = FileBlobStore(tmp_path)
    with pytest.raises(BlobMissingError):
        store.read("0" * 64)


@pytest.mark.parametrize("name", ["../../etc/passwd", "abc", "G" * 64])
def test_only_sha256_digests_name_blobs(tmp_path, name):
    with pytest.raises(ValueError):
        FileBlobStore(tmp_path).path_for(name)
