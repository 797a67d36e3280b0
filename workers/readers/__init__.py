"""Readers turn stored bytes into pages of positioned words, one reader per media type.

The ingest API accepts exactly the media types that have a reader here, so adding a reader is
what makes a new format welcome.
"""

from collections.abc import Callable
from dataclasses import dataclass

from models.tokens import PageTokens
from workers.readers.pdf_text import count_pdf_pages, read_pdf_text


@dataclass(frozen=True)
class Reader:
    count_pages: Callable[[bytes], int]
    read: Callable[[bytes, int], list[PageTokens]]


READERS: dict[str, Reader] = {
    "application/pdf": Reader(count_pages=count_pdf_pages, read=read_pdf_text),
}


def reader_for(media_type: str) -> Reader | None:
    return READERS.get(media_type)


def supported_media_types() -> list[str]:
    return sorted(READERS)
