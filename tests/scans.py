"""Builders for scanned invoices: a rendered sample invoice made to look like paper went through a
scanner, a fax or a phone camera, one defect at a time.

Everything starts from a real text-layer invoice rendered by pdfium, so the truth of every field
is known; the defects are applied with OpenCV and are deterministic (fixed random seeds), so a
failing OCR test fails the same way twice.
"""

import io
import struct
import zlib
from typing import Any

import pypdfium2 as pdfium
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from tests.builders import an_invoice_pdf
from workers.sample_scans import Gray, encoded, rendered_page, turned_clockwise


def an_invoice_scan(dpi: int = 300, **overrides: Any) -> Gray:
    """A clean grayscale scan of a sample invoice; keywords as for ``an_invoice``."""
    return rendered_page(an_invoice_pdf(**overrides), dpi).copy()


def jpeg_bytes(image: Gray, quality: int = 90, dpi: int | None = None) -> bytes:
    return encoded(image, "JPEG", quality=quality, dpi=(dpi, dpi) if dpi else None)


def webp_bytes(image: Gray) -> bytes:
    return encoded(image, "WEBP", quality=90)


def jpeg_with_exif_orientation(image: Gray, orientation: int) -> bytes:
    """A JPEG whose pixels are stored turned and whose EXIF tag says how to turn them back, as
    phone cameras write them. ``orientation`` 6 means: rotate 90 degrees clockwise to view."""
    stored = turned_clockwise(image, {1: 0, 3: 180, 6: 270, 8: 90}[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(stored, "JPEG", quality=90, exif=exif)


def tiff_bytes(images: list[Gray], dpi: int | None = None) -> bytes:
    """A multi-page TIFF, one frame per image, as a document scanner or fax server writes it."""
    return encoded(
        images[0],
        "TIFF",
        save_all=True,
        append_images=[Image.fromarray(image) for image in images[1:]],
        compression="tiff_lzw",
        dpi=(dpi, dpi) if dpi else None,
    )


def truncated(data: bytes) -> bytes:
    """The first half of a file, as an interrupted upload leaves it."""
    return data[: len(data) // 2]


def a_png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of ``width`` x ``height`` white-and-black pixels that is only tens of
    kilobytes on disk: the decompression bomb a reader must refuse before decoding.

    Written by hand because encoding it through Pillow would allocate the very pixels the
    test is about not allocating.
    """
    row = b"\x00" + bytes((width + 7) // 8)  # filter "none", then all-black pixels
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row) for _ in range(height)]
    pixels = b"".join(chunks) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def a_mixed_pdf(scanned_invoice_number: str = "20077", dpi: int = 200) -> bytes:
    """Two pages: a text-layer invoice, then a page that is only a picture of another invoice
    (number ``scanned_invoice_number``), as when a clerk scans an attachment into a PDF."""
    scan = an_invoice_scan(dpi=dpi, invoice_number=scanned_invoice_number)
    return _concatenated_pdfs(an_invoice_pdf(), an_image_only_pdf(scan))


def an_image_only_pdf(image: Gray, stamp: str | None = None) -> bytes:
    """A one-page A4 PDF that is ``image`` stretched over the page, with at most a ``stamp``
    of real text on top, as a mail room's "Received" stamp is added to a scan."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.drawImage(ImageReader(Image.fromarray(image)), 0, 0, width=A4[0], height=A4[1])
    if stamp:
        canvas.setFont("Helvetica", 9)
        canvas.drawString(400, A4[1] - 25, stamp)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _concatenated_pdfs(*pdfs: bytes) -> bytes:
    merged = pdfium.PdfDocument.new()
    sources = [pdfium.PdfDocument(pdf) for pdf in pdfs]
    try:
        for source in sources:
            merged.import_pages(source)
        buffer = io.BytesIO()
        merged.save(buffer)
        return buffer.getvalue()
    finally:
        for source in sources:
            source.close()
        merged.close()
