"""Decide a file's type from its bytes (libmagic), never from its name or declared type."""

import mimetypes

import magic

_EXECUTABLE_TYPES = {
    "application/x-dosexec",
    "application/x-executable",
    "application/x-sharedlib",
    "application/x-pie-executable",
    "application/x-mach-binary",
    "application/x-elf",
    "application/vnd.microsoft.portable-executable",
}
_XML_TYPES = {"text/xml", "application/xml"}


def sniff_media_type(head: bytes) -> str:
    """The media type libmagic sees in the first bytes of a file (XML is always application/xml).

    libmagic calls XML without an ``<?xml`` declaration plain text; ERPs often send UBL that way,
    so text that starts with an element is taken as XML (the XML reader decides if it is one).
    """
    media_type = magic.from_buffer(head, mime=True) or "application/octet-stream"
    if media_type in _XML_TYPES or (media_type == "text/plain" and _starts_with_element(head)):
        return "application/xml"
    return media_type


def _starts_with_element(head: bytes) -> bool:
    """Starts like markup: an element, a comment or a DOCTYPE (which the XML reader refuses)."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith((b"<!--", b"<!DOCTYPE", b"<!doctype")):
        return True
    return text.startswith(b"<") and text[1:2].isalpha()


def is_executable(media_type: str) -> bool:
    return media_type in _EXECUTABLE_TYPES


def claimed_media_type(filename: str | None, declared: str | None) -> str | None:
    """What the sender says the file is: its declared Content-Type, else what its name implies."""
    if declared:
        base = declared.split(";", 1)[0].strip().lower()
        if base and base not in {"application/octet-stream", "multipart/form-data"}:
            return "application/xml" if base in _XML_TYPES else base
    if filename:
        guessed, _ = mimetypes.guess_type(filename)
        if guessed:
            return "application/xml" if guessed in _XML_TYPES else guessed
    return None
