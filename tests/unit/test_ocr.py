"""Behaviour of the OCR readers on scans of a rendered invoice whose every field is known.

Scans are made at 200 dpi, which reads every field as well as 300 dpi does here at two thirds
of the time. The languages are the default ``nor+eng``, with which tesseract sometimes reads the
one-letter word "Å" (of "Å betale") as "A" on a skewed page; header extraction accepts both.
"""

import io
from itertools import pairwise

import numpy as np
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from ml.extraction.extractor import extract_invoice
from models.errors import PermanentError
from models.tokens import PageTokens, TokenSource
from tests.builders import a_pdf_without_text, an_invoice, an_invoice_pdf
from tests.scans import a_mixed_pdf, an_image_only_pdf, an_invoice_scan, jpeg_bytes, tiff_bytes
from workers.readers.ocr import OcrOptions, read_image
from workers.readers.pdf import read_pdf
from workers.readers.pdf_text import read_pdf_pages
from workers.sample_scans import noisy, phone_photo, png_bytes, skewed, turned_clockwise

DPI = 200
OPTIONS = OcrOptions(dpi=DPI, concurrency=2, page_timeout_seconds=60)
A4_POINTS = (595, 842)
HEADER_FIELDS = ("invoice_number", "invoice_date", "due_date", "total_amount")


def _truth(**overrides) -> dict[str, str]:
    spec = an_invoice(**overrides)
    return {
        "invoice_number": spec.invoice_number,
        "invoice_date": spec.invoice_date.isoformat(),
        "due_date": spec.due_date.isoformat(),
        "total_amount": str(spec.total),
        "supplier_org_number": spec.supplier_org_number,
    }


def _fields(pages: list[PageTokens]) -> dict[str, str]:
    found = extract_invoice(pages).fields
    return {name: found[name].value for name in _truth() if name in found}


@pytest.fixture(scope="module")
def scan() -> np.ndarray:
    return an_invoice_scan(dpi=DPI)


@pytest.fixture(scope="module")
def upright(scan):
    """The clean scan read once, shared by the tests that only look at the result."""
    return read_image(png_bytes(scan, dpi=DPI), max_pages=1, options=OPTIONS)


# --- images -------------------------------------------------------------------------------------


def test_an_upright_scan_reads_to_the_invoice_s_header_fields(upright):
    # given a clean scan of an invoice, read once
    (page,) = upright
    # then the header fields are those printed on it, and nothing was turned or deskewed
    assert _fields([page.tokens]) == _truth()
    assert (page.rotation, page.skew) == (0, 0.0)


def test_ocr_tokens_are_in_points_from_the_top_left_with_confidences(upright):
    tokens = upright[0].tokens
    # the page is A4 in points, whatever resolution it was scanned at
    assert (tokens.number, tokens.source) == (1, TokenSource.OCR)
    assert (round(tokens.width), round(tokens.height)) == A4_POINTS
    assert {token.source for token in tokens.tokens} == {TokenSource.OCR}
    assert all(0.0 <= token.confidence <= 1.0 for token in tokens.tokens)
    assert sum(token.confidence for token in tokens.tokens) / len(tokens.tokens) > 0.8
    # the supplier's name is printed at 50 pt from the left, 60 pt from the top (baseline)
    first = tokens.tokens[0]
    assert first.text == "Fjordlys"
    assert first.box.x0 == pytest.approx(50, abs=2)
    assert 44 < first.box.top < first.box.bottom < 64


def test_ocr_words_come_in_reading_order(upright):
    texts = [token.text for token in upright[0].tokens.tokens]
    assert texts[:3] == ["Fjordlys", "Elektro", "AS"]
    # within a line, each word is right of the one before it
    same_line = [
        (before, after)
        for before, after in pairwise(upright[0].tokens.tokens)
        if abs(before.box.middle - after.box.middle) < 2
    ]
    assert same_line
    assert all(after.box.x0 > before.box.x0 for before, after in same_line)


def test_a_viewer_image_of_the_page_is_made_at_the_viewer_resolution(upright):
    page = upright[0]
    assert page.image_media_type == "image/webp"
    viewer = Image.open(io.BytesIO(page.image))
    # 150 dpi: an A4 page is about 1240 x 1754 pixels
    assert viewer.size == (pytest.approx(1240, abs=3), pytest.approx(1754, abs=3))


@pytest.mark.parametrize("turned", [90, 180, 270])
def test_a_page_scanned_turned_is_read_upright_and_says_how_it_was_turned(scan, turned):
    # given the scan fed in sideways or upside down
    data = png_bytes(turned_clockwise(scan, turned), dpi=DPI)
    # when it is read
    (page,) = read_image(data, max_pages=1, options=OPTIONS)
    # then it reads as the upright scan does, after the clockwise turn that undoes it
    assert _fields([page.tokens]) == _truth()
    assert page.rotation == (360 - turned) % 360
    assert (round(page.tokens.width), round(page.tokens.height)) == A4_POINTS
    viewer = Image.open(io.BytesIO(page.image))
    assert viewer.height > viewer.width


@pytest.mark.parametrize("tilt", [5.0, -5.0])
def test_a_skewed_scan_is_deskewed_and_reads_the_same(scan, tilt):
    # given the scan tilted 5 degrees either way, as laid crooked on a flatbed
    data = png_bytes(skewed(scan, tilt), dpi=DPI)
    # when it is read
    (page,) = read_image(data, max_pages=1, options=OPTIONS)
    # then the tilt was measured and removed, and the header reads as on the upright scan
    assert page.skew == pytest.approx(tilt, abs=0.3)
    assert page.rotation == 0
    assert _fields([page.tokens]) == _truth()


def test_when_both_likely_turns_read_badly_tesseract_s_osd_picks_another(scan, monkeypatch):
    """The profile test says sideways/upright; should it ever be wrong, OSD is the net."""
    from workers.readers import ocr

    # given an upside-down scan that the layout measurement wrongly calls sideways
    monkeypatch.setattr(ocr, "_measure_layout", lambda small: ocr._Layout(True, 0.0))
    data = png_bytes(turned_clockwise(scan, 180), dpi=DPI)
    # when it is read: 90 and 270 are tried and both read as garbage
    (page,) = read_image(data, max_pages=1, options=OPTIONS)
    # then OSD's answer, 180, is read, and that read kept
    assert page.rotation == 180
    assert _fields([page.tokens]) == _truth()


def test_a_phone_photo_with_a_dark_border_and_a_shadow_still_reads(scan):
    # given a JPEG photo of the invoice on a dark desk, the phone's shadow over the total
    data = jpeg_bytes(phone_photo(scan), quality=85)
    # when it is read
    (page,) = read_image(data, max_pages=1, options=OPTIONS)
    # then the invoice number and the total are read
    fields = _fields([page.tokens])
    assert fields["invoice_number"] == "10042"
    assert fields["total_amount"] == "12500.00"


def test_a_very_noisy_scan_is_denoised_rather_than_left_to_stall_tesseract(scan):
    """Without the median filter tesseract chases specks on this page for over 20 s."""
    data = png_bytes(noisy(scan, sigma=40), dpi=DPI)
    options = OcrOptions(dpi=DPI, concurrency=1, page_timeout_seconds=15)
    (page,) = read_image(data, max_pages=1, options=options)
    assert {name: _fields([page.tokens]).get(name) for name in HEADER_FIELDS} == {
        name: _truth()[name] for name in HEADER_FIELDS
    }


def test_each_page_of_a_multi_page_tiff_is_read_and_numbered():
    # given a two-page TIFF of two different invoices
    first = an_invoice_scan(dpi=DPI, invoice_number="10042")
    second = an_invoice_scan(dpi=DPI, invoice_number="10043")
    data = tiff_bytes([first, second], dpi=DPI)
    # when it is read
    pages = read_image(data, max_pages=5, options=OPTIONS)
    # then there are two pages, in order, each with its own words and viewer image
    assert [page.tokens.number for page in pages] == [1, 2]
    assert [_fields([page.tokens])["invoice_number"] for page in pages] == ["10042", "10043"]
    assert all(
        {token.page for token in page.tokens.tokens} == {page.tokens.number} for page in pages
    )
    assert all(page.image and page.image_media_type == "image/webp" for page in pages)


def test_a_tiff_with_more_pages_than_allowed_is_refused():
    blank = np.full((400, 300), 255, np.uint8)
    with pytest.raises(PermanentError) as caught:
        read_image(tiff_bytes([blank, blank, blank]), max_pages=2, options=OPTIONS)
    assert caught.value.code == "too_many_pages"


def test_a_blank_page_is_a_page_without_words():
    blank = np.full((1100, 850), 255, np.uint8)
    (page,) = read_image(png_bytes(blank, dpi=100), max_pages=1, options=OPTIONS)
    assert page.tokens.tokens == []
    assert page.rotation == 0
    assert page.image is not None


def test_without_a_stated_resolution_the_configured_dpi_sets_the_page_size():
    # given a 850 x 1100 pixel image that does not say its resolution
    blank = np.full((1100, 850), 255, np.uint8)
    data = png_bytes(blank)
    # when it is read assuming 100 dpi
    options = OcrOptions(dpi=100, concurrency=1)
    (page,) = read_image(data, max_pages=1, options=options)
    # then the page is 8.5 x 11 inches
    assert (page.tokens.width, page.tokens.height) == (pytest.approx(612), pytest.approx(792))


# --- errors -------------------------------------------------------------------------------------


def test_a_missing_tesseract_is_reported_as_ocr_unavailable(scan):
    options = OcrOptions(tesseract_cmd="/nonexistent/tesseract")
    with pytest.raises(PermanentError) as caught:
        read_image(png_bytes(scan, dpi=DPI), max_pages=1, options=options)
    assert caught.value.code == "ocr_unavailable"


def test_a_missing_language_is_reported_as_ocr_unavailable(scan):
    options = OcrOptions(languages="xyz", concurrency=1)
    with pytest.raises(PermanentError) as caught:
        read_image(png_bytes(scan, dpi=DPI), max_pages=1, options=options)
    assert caught.value.code == "ocr_unavailable"
    assert "xyz" in caught.value.message


def test_a_page_over_its_time_limit_fails_as_ocr_timeout(scan):
    options = OcrOptions(concurrency=1, page_timeout_seconds=0.05)
    with pytest.raises(PermanentError) as caught:
        read_image(png_bytes(scan, dpi=DPI), max_pages=1, options=options)
    assert caught.value.code == "ocr_timeout"


# --- PDFs ---------------------------------------------------------------------------------------


def test_a_mixed_pdf_reads_text_pages_from_the_text_layer_and_scanned_pages_by_ocr():
    # given a PDF whose first page is a text invoice and whose second is a scan of another
    data = a_mixed_pdf(scanned_invoice_number="20077", dpi=DPI)
    # when it is read
    pages = read_pdf(data, max_pages=5, options=OPTIONS)
    # then page 1 comes from the text layer and page 2 from OCR, each read correctly
    assert [page.tokens.source for page in pages] == [TokenSource.TEXT, TokenSource.OCR]
    assert [page.tokens.number for page in pages] == [1, 2]
    assert _fields([pages[0].tokens])["invoice_number"] == "10042"
    assert _fields([pages[1].tokens]) == _truth(invoice_number="20077")
    assert (round(pages[1].tokens.width), round(pages[1].tokens.height)) == A4_POINTS
    # and every page has a viewer image
    assert all(page.image and page.image_media_type == "image/webp" for page in pages)


def test_a_scan_with_a_stamp_of_real_text_on_it_is_still_ocrd(scan):
    # given a scanned page to which a mail room added "Mottatt 12.11.2026" as text
    data = an_image_only_pdf(scan, stamp="Mottatt 12.11.2026")
    # when it is read
    (page,) = read_pdf(data, max_pages=5, options=OPTIONS)
    # then the three words of the stamp did not pass for the page's text: it was OCR'd
    assert page.tokens.source == TokenSource.OCR
    assert _fields([page.tokens]) == _truth()


def test_a_text_pdf_reads_as_the_text_reader_does_plus_a_viewer_image():
    data = an_invoice_pdf()
    (page,) = read_pdf(data, max_pages=5, options=OPTIONS)
    assert page.tokens.tokens == read_pdf_pages(data, max_pages=5)[0].tokens
    assert page.skew is None
    viewer = Image.open(io.BytesIO(page.image))
    assert viewer.size == (pytest.approx(1240, abs=3), pytest.approx(1754, abs=3))


def test_a_pdf_without_a_text_layer_is_ocrd_not_refused():
    # given a PDF with marks on the page but no words, which the text reader refuses
    (page,) = read_pdf(a_pdf_without_text(), max_pages=5, options=OPTIONS)
    assert page.tokens.source == TokenSource.OCR
    assert page.image is not None


def test_a_page_with_an_absurd_media_box_is_rendered_within_the_pixel_limit():
    # given a 200 x 200 inch page (the largest PDF allows) with one line of text
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(14_400, 14_400))
    canvas.setFont("Helvetica", 400)
    canvas.drawString(1000, 7000, "Fakturanr: 10042")
    canvas.save()
    options = OcrOptions(max_image_pixels=4_000_000, concurrency=1)
    # when it is read
    (page,) = read_pdf(buffer.getvalue(), max_pages=1, options=options)
    # then its viewer image was rendered small enough instead of at 150 dpi (900 megapixels)
    width, height = Image.open(io.BytesIO(page.image)).size
    assert width * height <= 4_000_000
    assert [token.text for token in page.tokens.tokens] == ["Fakturanr:", "10042"]


def test_a_scanned_page_with_an_absurd_media_box_is_ocrd_within_the_pixel_limit(scan):
    # given a 200 x 200 inch page that is nothing but a picture of an invoice
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(14_400, 14_400))
    canvas.drawInlineImage(Image.fromarray(scan), 0, 0, width=14_400, height=14_400)
    canvas.save()
    options = OcrOptions(max_image_pixels=4_000_000, concurrency=1)
    # when it is read
    (page,) = read_pdf(buffer.getvalue(), max_pages=1, options=options)
    # then it was OCR'd from a bitmap within the limit, in the page's own points
    assert page.tokens.source == TokenSource.OCR
    assert (round(page.tokens.width), round(page.tokens.height)) == (14_400, 14_400)
    width, height = Image.open(io.BytesIO(page.image)).size
    assert width * height <= 4_000_000


@pytest.mark.parametrize("reader", [read_pdf, read_image])
def test_garbage_bytes_keep_their_reader_s_error_code(reader):
    expected = {read_pdf: "unreadable_pdf", read_image: "unreadable_image"}[reader]
    with pytest.raises(PermanentError) as caught:
        reader(b"neither a PDF nor an image", 5, OPTIONS)
    assert caught.value.code == expected
