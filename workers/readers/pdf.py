"""PDF pages to positioned words: the text layer where a page has one, OCR where it is a scan.

Many PDFs are mixed: an invoice generated as text, with a scanned delivery note or a signed
page behind it. So the choice is made per page. A page is read from its text layer when that
layer carries words; it is OCR'd when it has none, when its words are unmapped glyphs
(pdfplumber's ``(cid:12)``, a font without a Unicode map), or when it is essentially one big
picture with a few words on it, like a scan with a "Received" stamp added by a mail room.

Every page, text or scanned, also gets a viewer image at ``page_image_dpi`` (text pages only
when ``text_page_images`` asks; otherwise :func:`render_page_image` makes it when someone
looks). pdfium renders
(it is fast, and not thread-safe, so all rendering stays on the calling thread); OCR of the
scanned pages runs concurrently. Render scales are capped so no bitmap exceeds the pixel
limits, whatever size a page's media box claims.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from PIL import Image

from models.errors import PermanentError
from models.tokens import PageTokens
from workers.readers.images import MAX_PAGE_IMAGE_SIDE, Raster, encode_page_image
from workers.readers.ocr import OcrOptions, read_concurrently, read_raster
from workers.readers.pdf_text import open_pdf, read_pdf_pages
from workers.readers.result import PageRead

_GARBLED = "(cid:"  # pdfplumber's rendering of a glyph it cannot map to text
_PICTURE_COVERAGE = 0.5  # a page whose images cover this much of it ...
_FEW_WORDS = 10  # ... and which has fewer words than this is a scan with a stamp on it


def read_pdf(data: bytes, max_pages: int, options: OcrOptions) -> list[PageRead]:
    """One :class:`PageRead` per page; raises ``unreadable_pdf``, ``encrypted_pdf`` or
    ``too_many_pages`` as the text reader does."""
    text_pages = read_pdf_pages(data, max_pages)
    document = open_pdf(data)
    try:
        return read_concurrently(_page_tasks(document, text_pages, options), options.concurrency)
    finally:
        document.close()


def _page_tasks(
    document: pdfium.PdfDocument, text_pages: list[PageTokens], options: OcrOptions
) -> Iterator[Callable[[], PageRead]]:
    """For each page, render what it needs here and hand the slow part to a worker."""
    for index, text in enumerate(text_pages):
        page = document[index]
        try:
            if _needs_ocr(text, page):
                yield partial(read_raster, _render_for_ocr(page, options), text.number, options)
            elif options.text_page_images:
                yield partial(_text_page, text, _render_for_viewer(page, options))
            else:
                yield partial(PageRead, tokens=text)
        finally:
            page.close()


def render_page_image(data: bytes, number: int, options: OcrOptions) -> tuple[bytes, str]:
    """The viewer image of page ``number`` (from 1) and its media type, made on demand."""
    document = open_pdf(data)
    try:
        if not 1 <= number <= len(document):
            raise PermanentError("no_such_page", f"The PDF has no page {number}.")
        page = document[number - 1]
        try:
            return encode_page_image(_render_for_viewer(page, options))
        finally:
            page.close()
    finally:
        document.close()


def _text_page(text: PageTokens, viewer: Image.Image) -> PageRead:
    image, media_type = encode_page_image(viewer)
    return PageRead(tokens=text, image=image, image_media_type=media_type)


def _needs_ocr(text: PageTokens, page: pdfium.PdfPage) -> bool:
    words = [token for token in text.tokens if _GARBLED not in token.text]
    if len(words) * 2 <= len(text.tokens) or not words:
        return True
    return len(words) < _FEW_WORDS and _picture_coverage(page) >= _PICTURE_COVERAGE


def _picture_coverage(page: pdfium.PdfPage) -> float:
    """The fraction of the page covered by image objects (overlaps counted twice, which only
    matters for pages that are pictures anyway)."""
    width, height = page.get_size()
    if width <= 0 or height <= 0:
        return 0.0
    covered = 0.0
    for picture in page.get_objects(filter=(pdfium_raw.FPDF_PAGEOBJ_IMAGE,)):
        left, bottom, right, top = picture.get_bounds()
        covered += max(0.0, min(right, width) - max(left, 0.0)) * max(
            0.0, min(top, height) - max(bottom, 0.0)
        )
    return covered / (width * height)


def _render_for_ocr(page: pdfium.PdfPage, options: OcrOptions) -> Raster:
    max_pixels = min(options.max_image_pixels, options.max_ocr_pixels)
    bitmap = _render(page, options.dpi, max_pixels, grayscale=True)
    width_points = page.get_size()[0]
    dpi = bitmap.width * 72.0 / width_points if width_points > 0 else float(options.dpi)
    # A grayscale render is already 8-bit gray; copying it straight out of the bitmap takes
    # ~1 ms for an A4 page at 300 dpi, going through Pillow (to_pil, asarray) ~15 ms.
    return Raster(np.array(bitmap.to_numpy()), dpi)


def _render_for_viewer(page: pdfium.PdfPage, options: OcrOptions) -> Image.Image:
    bitmap = _render(page, options.page_image_dpi, options.max_image_pixels, grayscale=False)
    return bitmap.to_pil()


def _render(page: pdfium.PdfPage, dpi: float, max_pixels: int, grayscale: bool) -> pdfium.PdfBitmap:
    """The page at ``dpi``, or less if that would exceed ``max_pixels`` or the largest picture
    WebP can hold: a media box claiming to be 5 m wide must not become a gigapixel bitmap."""
    width, height = page.get_size()
    scale = min(
        dpi / 72.0,
        (max_pixels / max(width * height, 1.0)) ** 0.5,
        MAX_PAGE_IMAGE_SIDE / max(width, height, 1.0),
    )
    try:
        return page.render(scale=scale, grayscale=grayscale)
    except pdfium.PdfiumError as error:
        raise PermanentError(
            "unreadable_pdf", f"The PDF is damaged or not a PDF ({error})."
        ) from error
