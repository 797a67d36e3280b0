"""One decision on what a file is and whether Bilag takes it, for uploads and mail alike."""

import pytest

from models.media import (
    FILE_TYPE_MISMATCH,
    UNSUPPORTED_MEDIA_TYPE,
    MediaTypeRejectedError,
    decide_media_type,
)
from tests.builders import an_invoice_pdf

ACCEPTED = ["application/pdf"]
DOCX_LIKE_ZIP = (
    b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + b"\x00" * 16 + b"[Content_Types].xml"
)


def only_pdf(media_type: str) -> bool:
    return media_type == "application/pdf"


def rejection(head: bytes, filename: str | None, declared: str | None) -> MediaTypeRejectedError:
    with pytest.raises(MediaTypeRejectedError) as raised:
        decide_media_type(head, filename, declared, only_pdf, ACCEPTED)
    return raised.value


def test_a_readable_file_is_its_sniffed_type_whatever_it_is_called():
    head = an_invoice_pdf()[:8192]

    assert decide_media_type(head, "scan.bin", "application/octet-stream", only_pdf) == (
        "application/pdf"
    )
    assert decide_media_type(head, None, None, only_pdf) == "application/pdf"


def test_an_executable_is_a_mismatch_even_under_a_readable_name():
    with open("/bin/true", "rb") as handle:
        refused = rejection(handle.read(8192), "faktura.pdf", None)

    assert refused.code == FILE_TYPE_MISMATCH
    assert refused.claimed_type == "application/pdf"
    assert "executable" in refused.message
    assert "Accepted types: application/pdf." in refused.message


def test_bytes_that_contradict_a_readable_claim_are_a_mismatch():
    refused = rejection(
        b"Just some plain text that is not a PDF at all\n" * 20, None, "application/pdf"
    )

    assert (refused.code, refused.detected_type, refused.claimed_type) == (
        FILE_TYPE_MISMATCH,
        "text/plain",
        "application/pdf",
    )
    assert "claims to be application/pdf but its bytes are text/plain" in refused.message


def test_a_type_without_a_reader_is_unsupported_and_the_accepted_types_are_named():
    refused = rejection(DOCX_LIKE_ZIP, "rapport.docx", None)

    assert refused.code == UNSUPPORTED_MEDIA_TYPE
    assert refused.accepted_types == ACCEPTED
    assert refused.message.startswith(f"Bilag cannot read {refused.detected_type} files.")


def test_the_readers_decide_what_is_readable():
    def zip_too(media_type: str) -> bool:
        return media_type in {"application/pdf", refused.detected_type}

    refused = rejection(DOCX_LIKE_ZIP, "rapport.docx", None)

    assert decide_media_type(DOCX_LIKE_ZIP, "rapport.docx", None, zip_too) == (
        refused.detected_type
    )
