"""Readers turn stored bytes into pages of positioned words, one reader per media type.

The ingest API (and inbound email) accept exactly the media types that have a reader here, so
adding a reader is what makes a new format welcome.
"""

from collections.abc import Callable
from dataclasses import dataclass

from workers.readers.formats import (
    ReadOptions,
    count_image_document,
    count_pdf_document,
    count_xml_document,
    read_image_document,
    read_pdf_document,
    read_xml_document,
)
from workers.readers.result import ReadResult

__all__ = [
    "READERS",
    "ReadOptions",
    "Reader",
    "can_read",
    "reader_for",
    "supported_media_types",
]


@dataclass(frozen=True)
class Reader:
    count_pages: Callable[[bytes, ReadOptions], int]
    read: Callable[[bytes, ReadOptions], ReadResult]


_IMAGE = Reader(count_pages=count_image_document, read=read_image_document)

READERS: dict[str, Reader] = {
    "application/pdf": Reader(count_pages=count_pdf_document, read=read_pdf_document),
    "application/xml": Reader(count_pages=count_xml_document, read=read_xml_document),
    "image/jpeg": _IMAGE,
    "image/png": _IMAGE,
    "image/tiff": _IMAGE,
    "image/webp": _IMAGE,
}


def reader_for(media_type: str) -> Reader | None:
    return READERS.get(media_type)


def can_read(media_type: str) -> bool:
    """Whether Bilag takes ``media_type``: uploads and mail attachments alike ask this."""
    return media_type in READERS


def supported_media_types() -> list[str]:
    return sorted(READERS)
