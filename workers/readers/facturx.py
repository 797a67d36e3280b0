"""The invoice XML a Factur-X / ZUGFeRD / XRechnung PDF carries as an attachment.

The standards name the file: ``factur-x.xml`` (Factur-X, ZUGFeRD 2.1+), ``zugferd-invoice.xml``
(ZUGFeRD 2.0), ``ZUGFeRD-invoice.xml`` (ZUGFeRD 1.0), ``xrechnung.xml``. A PDF made by both a
ZUGFeRD 1 and a ZUGFeRD 2 tool carries two, so the names are tried in that order (newest
first). Failing those, any attached ``.xml`` whose root is a UBL or CII invoice is taken,
because some producers use their own file name.

An attachment larger than :data:`MAX_ATTACHMENT_BYTES` is skipped before its bytes are copied
out of PDFium. An encrypted or corrupt PDF gives ``None`` here: the PDF reader elsewhere owns
reporting those, and the text layer may still be readable.
"""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from models.errors import PermanentError
from workers.readers.einvoice import detect_einvoice_syntax
from workers.readers.xml_safety import DEFAULT_MAX_XML_BYTES, parse_xml_safely

MAX_ATTACHMENT_BYTES = DEFAULT_MAX_XML_BYTES
INVOICE_FILE_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
"""Standard names, preferred in this order; compared case-insensitively."""


def embedded_invoice_xml(pdf: bytes) -> tuple[str, bytes] | None:
    """``(attachment name, XML bytes)`` of the invoice the PDF carries, or ``None``."""
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError:
        return None
    try:
        attachments = _xml_attachments(document)
    finally:
        document.close()
    by_name = {name.lower(): (name, data) for name, data in attachments}
    for standard_name in INVOICE_FILE_NAMES:
        if standard_name in by_name:
            return by_name[standard_name]
    return next(((name, data) for name, data in attachments if _is_invoice(data)), None)


def _xml_attachments(document: pdfium.PdfDocument) -> list[tuple[str, bytes]]:
    """Every readable ``.xml`` attachment within the size cap, in document order."""
    found = []
    for index in range(document.count_attachments()):
        try:
            attachment = document.get_attachment(index)
            name = attachment.get_name()
            if not name.lower().endswith(".xml"):
                continue
            size = _size(attachment)
            if size == 0 or size > MAX_ATTACHMENT_BYTES:
                continue
            found.append((name, bytes(attachment.get_data())))
        except pdfium.PdfiumError:
            continue  # one unreadable attachment does not hide the others
    return found


def _size(attachment: pdfium.PdfAttachment) -> int:
    """The attachment's length in bytes, asked of PDFium without copying the data."""
    length = ctypes.c_ulong()
    pdfium_raw.FPDFAttachment_GetFile(attachment, None, 0, ctypes.byref(length))
    return length.value


def _is_invoice(data: bytes) -> bool:
    try:
        return detect_einvoice_syntax(parse_xml_safely(data, MAX_ATTACHMENT_BYTES)) is not None
    except PermanentError:
        return False
