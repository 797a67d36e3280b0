from itertools import pairwise

import pytest

from models.errors import PermanentError
from models.tokens import TokenSource
from tests.builders import (
    a_copy_protected_pdf,
    a_pdf_with_pages,
    a_pdf_without_text,
    a_truncated_pdf,
    an_encrypted_pdf,
    an_invoice_pdf,
)
from workers.readers.pdf_text import count_pdf_pages, read_pdf_pages


def _texts(data: bytes) -> list[str]:
    return [token.text for page in read_pdf_pages(data, 10) for token in page.tokens]


def test_a_text_pdf_becomes_one_page_of_positioned_words():
    # given a one-page invoice with a text layer
    data = an_invoice_pdf()
    # when it is read
    pages = read_pdf_pages(data, max_pages=10)
    # then there is one A4 page of text tokens, numbered from 1
    assert len(pages) == 1
    page = pages[0]
    assert (page.number, page.source) == (1, TokenSource.TEXT)
    assert (round(page.width), round(page.height)) == (595, 842)
    assert {token.page for token in page.tokens} == {1}
    assert {token.source for token in page.tokens} == {TokenSource.TEXT}
    assert all(token.confidence == 1.0 for token in page.tokens)
    assert "Fakturanr:" in [token.text for token in page.tokens]


def test_boxes_are_in_points_from_the_top_left_corner():
    # given an invoice whose supplier name is printed 60 pt from the top, left margin 50 pt
    pages = read_pdf_pages(an_invoice_pdf(supplier_name="Fjordlys Elektro AS"), max_pages=10)
    # when the first word is located
    first = pages[0].tokens[0]
    # then its box is near the top-left corner, not the bottom-left
    assert first.text == "Fjordlys"
    assert first.box.x0 == pytest.approx(50, abs=0.5)
    assert 40 < first.box.top < first.box.bottom < 70
    assert first.box.x1 > first.box.x0


def test_words_come_in_reading_order():
    # given an invoice with a two-column header block
    pages = read_pdf_pages(an_invoice_pdf(), max_pages=10)
    tokens = pages[0].tokens
    # when consecutive words are compared
    pairs = list(pairwise(tokens))
    # then each is either right of the previous one on its line, or on a lower line
    for before, after in pairs:
        same_line = abs(before.box.middle - after.box.middle) < 2
        assert (same_line and after.box.x0 > before.box.x0) or after.box.top > before.box.top
    texts = [token.text for token in tokens]
    assert texts.index("Faktureres") < texts.index("Fakturanr:") < texts.index("Byggmester")


def test_every_page_is_read_and_numbered():
    # given a three-page PDF
    data = a_pdf_with_pages(3)
    # when it is read and counted
    pages = read_pdf_pages(data, max_pages=3)
    # then each page gives its own tokens
    assert [page.number for page in pages] == [1, 2, 3]
    assert [page.tokens[1].text for page in pages] == ["1", "2", "3"]
    assert count_pdf_pages(data) == 3


def test_more_pages_than_allowed_is_refused_before_reading():
    # given a PDF with more pages than the limit
    data = a_pdf_with_pages(4)
    # when it is read
    with pytest.raises(PermanentError) as caught:
        read_pdf_pages(data, max_pages=3)
    # then it fails with a code the API can show
    assert caught.value.code == "too_many_pages"
    assert "4 pages" in caught.value.message


@pytest.mark.parametrize(
    "data", [a_truncated_pdf(), b"%PDF-1.4\n%garbage", b"not a pdf at all", b""]
)
def test_damaged_or_non_pdf_bytes_are_unreadable(data):
    # given a truncated PDF, a header with nothing behind it, or no PDF at all
    # when it is read or counted
    # then both fail permanently as unreadable
    with pytest.raises(PermanentError) as read:
        read_pdf_pages(data, max_pages=10)
    with pytest.raises(PermanentError) as counted:
        count_pdf_pages(data)
    assert read.value.code == counted.value.code == "unreadable_pdf"


def test_password_protected_pdf_is_reported_as_encrypted():
    # given a PDF that needs a password to open
    data = an_encrypted_pdf()
    # when it is read or counted
    with pytest.raises(PermanentError) as read:
        read_pdf_pages(data, max_pages=10)
    with pytest.raises(PermanentError) as counted:
        count_pdf_pages(data)
    # then the clerk is told why, not just that it failed
    assert read.value.code == counted.value.code == "encrypted_pdf"


def test_pdf_protected_only_against_copying_is_read():
    # given a PDF with an owner password but none needed to open it
    data = a_copy_protected_pdf()
    # when it is read
    pages = read_pdf_pages(data, max_pages=10)
    # then its words come out as from any other PDF
    assert [token.text for token in pages[0].tokens] == ["Fakturanr:", "10042"]


def test_a_pdf_page_without_words_is_a_page_without_tokens():
    # given a PDF whose only content is a drawn rectangle, like a scan
    data = a_pdf_without_text()
    # when its text layer is read
    pages = read_pdf_pages(data, max_pages=10)
    # then the page is there, empty, for the PDF reader to OCR
    assert [(page.number, page.tokens) for page in pages] == [(1, [])]


def test_non_breaking_spaces_separate_words_like_spaces():
    # given an invoice printing thousands with no-break spaces
    data = an_invoice_pdf(thousands_separator="\u00a0")
    # when it is read
    texts = _texts(data)
    # then the groups of the total are separate tokens, as with ordinary spaces
    total_at = texts.index("NOK")
    assert texts[total_at : total_at + 3] == ["NOK", "12", "500,00"]


def test_a_time_limit_hit_while_pdfminer_parses_is_not_called_a_damaged_pdf():
    """pdfplumber wraps what pdfminer raises; a job timeout must come out as itself."""
    from pdfplumber.utils.exceptions import PdfminerException
    from rq.timeouts import JobTimeoutException

    from workers.readers.pdf_text import _interruption_inside

    timeout = JobTimeoutException("Task exceeded maximum timeout value (1 seconds)")
    wrapped = PdfminerException(timeout)
    try:
        try:
            raise timeout
        except JobTimeoutException:
            raise KeyError("/Root") from None
    except KeyError as raised_while_handling:
        chained = raised_while_handling
    chained.__context__ = timeout

    assert _interruption_inside(wrapped) is timeout
    assert _interruption_inside(chained) is timeout
    assert _interruption_inside(PdfminerException(KeyError("/Root"))) is None
