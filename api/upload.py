"""Streaming an upload to the blob store's staging folder, enforcing the size limit as it comes.

Nothing is held in memory and nothing is parsed before the limit is checked: a body over the
limit is cut off at the limit, whether or not it declared a Content-Length. Multipart bodies
are parsed incrementally with python-multipart; the first file part is the document.
"""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from api.problems import Problem
from models.ingest import HEAD_BYTES, StagedFile


class _Sink:
    """Writes the document's bytes to a staging file, hashing and counting them."""

    def __init__(self, staging: Path, limit: int) -> None:
        fd, name = tempfile.mkstemp(dir=staging, suffix=".part")
        self.path = Path(name)
        self.handle: BinaryIO = os.fdopen(fd, "wb")
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = bytearray()
        self.limit = limit

    def write(self, data: bytes | memoryview) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise Problem(
                413,
                "payload_too_large",
                f"The upload is larger than the limit of {self.limit} bytes.",
                max_bytes=self.limit,
            )
        if len(self.head) < HEAD_BYTES:
            self.head += bytes(data[: HEAD_BYTES - len(self.head)])
        self.digest.update(data)
        self.handle.write(data)

    def finish(self, filename: str | None, declared: str | None) -> StagedFile:
        self.handle.close()
        if self.size == 0:
            raise Problem(400, "empty_body", "The uploaded file is empty (0 bytes).")
        return StagedFile(
            self.path, self.digest.hexdigest(), self.size, bytes(self.head), filename, declared
        )

    def discard(self) -> None:
        self.handle.close()
        self.path.unlink(missing_ok=True)


async def stage_upload(request: Request, staging: Path, limit: int) -> StagedFile:
    """Stream the request body (raw bytes or multipart) into a staged file."""
    declared_length = request.headers.get("content-length")
    if declared_length and declared_length.isdigit() and int(declared_length) > limit + 64 * 1024:
        raise Problem(
            413,
            "payload_too_large",
            f"The upload declares {declared_length} bytes; the limit is {limit} bytes.",
            max_bytes=limit,
        )
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("application/x-www-form-urlencoded"):
        raise Problem(
            415,
            "unsupported_media_type",
            "A form-encoded body cannot carry a file; send multipart/form-data with a file "
            "field, or the raw bytes with their own Content-Type.",
        )
    sink = _Sink(staging, limit)
    try:
        if content_type.lower().startswith("multipart/form-data"):
            filename, declared = await _stream_multipart(request, content_type, sink)
        else:
            async for chunk in request.stream():
                sink.write(chunk)
            filename = _filename_from_disposition(request.headers.get("content-disposition"))
            declared = content_type or None
        return sink.finish(filename, declared)
    except BaseException:
        sink.discard()
        raise


class _MultipartFile:
    """python-multipart callbacks that send the first file part to the sink, ignoring the rest."""

    def __init__(self, sink: _Sink) -> None:
        self.sink = sink
        self.found = False
        self.in_file = False
        self.filename: str | None = None
        self.content_type: str | None = None
        self._field = b""
        self._headers: dict[bytes, bytes] = {}

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._headers.clear,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        name = self._field.lower()
        self._headers[name] = self._headers.get(name, b"") + data[start:end]

    def on_header_end(self) -> None:
        self._field = b""

    def on_headers_finished(self) -> None:
        _, disposition = parse_options_header(self._headers.get(b"content-disposition", b""))
        self.in_file = b"filename" in disposition and not self.found
        if self.in_file:
            self.found = True
            self.filename = _safe_filename(disposition[b"filename"].decode("utf-8", "replace"))
            self.content_type = self._headers.get(b"content-type", b"").decode("latin-1") or None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.sink.write(memoryview(data)[start:end])

    def on_part_end(self) -> None:
        self.in_file = False


async def _stream_multipart(
    request: Request, content_type: str, sink: _Sink
) -> tuple[str | None, str | None]:
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise Problem(400, "malformed_multipart", "The multipart Content-Type has no boundary.")
    collector = _MultipartFile(sink)
    parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as exc:
        raise Problem(
            400, "malformed_multipart", f"The multipart body is malformed: {exc}"
        ) from exc
    if not collector.found:
        raise Problem(
            400,
            "malformed_multipart",
            "The multipart body has no file part; "
            "send the document as a form field with a filename.",
        )
    return collector.filename, collector.content_type


def _filename_from_disposition(header: str | None) -> str | None:
    if not header:
        return None
    _, params = parse_options_header(header)
    raw = params.get(b"filename")
    return _safe_filename(raw.decode("utf-8", "replace")) if raw else None


def _safe_filename(name: str) -> str | None:
    """Keep only the last path component; a filename is a label, never a path."""
    cleaned = name.replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    return cleaned[:255] or None
