"""How each kind of original is read: which parser, which OCR, and what an e-invoice carries.

A PDF may carry its own invoice as Factur-X/ZUGFeRD XML; an EHF/UBL or CII file may carry a PDF
for people to look at. Either way the structured data wins for the fields and the PDF gives the
pages, so a clerk always sees the invoice as the supplier sent it.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.errors import PermanentError
from models.settings import Settings
from workers.readers.einvoice import parse_einvoice
from workers.readers.facturx import embedded_invoice_xml
from workers.readers.images import count_image_pages
from workers.readers.ocr import OcrOptions, read_image
from workers.readers.pdf import read_pdf
from workers.readers.pdf_text import count_pdf_pages
from workers.readers.result import ReadResult


@dataclass(frozen=True)
class ReadOptions:
    """The limits and OCR settings one read runs under."""

    max_pages: int
    max_xml_bytes: int
    ocr: OcrOptions

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadOptions:
        """The pipeline's options. Text-layer pages get their viewer image on first view, not
        here: rendering and encoding one costs about 40 ms, three times the rest of reading
        the page, and most invoices are never looked at."""
        return cls(
            max_pages=settings.max_pages,
            max_xml_bytes=settings.max_xml_bytes,
            ocr=OcrOptions(
                languages=settings.ocr_languages,
                dpi=settings.ocr_dpi,
                concurrency=settings.ocr_concurrency,
                max_image_pixels=settings.max_image_pixels,
                page_image_dpi=settings.page_image_dpi,
                page_timeout_seconds=settings.ocr_page_timeout_seconds,
                text_page_images=False,
            ),
        )


def count_pdf_document(data: bytes, options: ReadOptions) -> int:
    return count_pdf_pages(data)


def read_pdf_document(data: bytes, options: ReadOptions) -> ReadResult:
    """Pages from the text layer (OCR where a page is scanned), fields from embedded XML if any."""
    result = ReadResult()
    embedded = embedded_invoice_xml(data)
    if embedded is not None:
        name, xml = embedded
        try:
            result.einvoice = parse_einvoice(xml, max_bytes=options.max_xml_bytes)
            result.xml = xml
            result.notes.append(f"Invoice data taken from the embedded {name}.")
            result.notes.extend(result.einvoice.parse_notes)
        except PermanentError as error:
            result.notes.append(f"The embedded {name} was not used: {error.message}")
    result.pages = read_pdf(data, options.max_pages, options.ocr)
    return result


def count_image_document(data: bytes, options: ReadOptions) -> int:
    return count_image_pages(data, options.ocr)


def read_image_document(data: bytes, options: ReadOptions) -> ReadResult:
    return ReadResult(pages=read_image(data, options.max_pages, options.ocr))


def count_xml_document(data: bytes, options: ReadOptions) -> int:
    """Pages of the PDF the e-invoice carries for display (0 without one).

    Parsing here means a hostile or non-invoice XML fails at the first stage, before any work.
    """
    display = parse_einvoice(data, max_bytes=options.max_xml_bytes).display_pdf()
    if display is None or display.data is None:
        return 0
    try:
        return count_pdf_pages(display.data)
    except PermanentError:
        return 0  # a broken attachment does not make the invoice unreadable; read() says why


def read_xml_document(data: bytes, options: ReadOptions) -> ReadResult:
    """The e-invoice's data, and the pages of its embedded PDF when it has a readable one."""
    einvoice = parse_einvoice(data, max_bytes=options.max_xml_bytes)
    result = ReadResult(einvoice=einvoice, xml=data, notes=list(einvoice.parse_notes))
    display = einvoice.display_pdf()
    if display is not None and display.data is not None:
        try:
            result.pages = read_pdf(display.data, options.max_pages, options.ocr)
            result.notes.append(f"Pages shown from the attached {display.filename or 'PDF'}.")
        except PermanentError as error:
            result.notes.append(
                f"The attached {display.filename or 'PDF'} cannot be shown: {error.message}"
            )
    return result
