"""Words and their positions from the text layer of a PDF.

pypdfium2 (C, fast) answers "how many pages, and can it be opened at all" before pdfplumber
(pure Python, slower) spends time on the words, so an oversized or locked upload fails in
milliseconds. Every way a PDF can be broken becomes a :class:`PermanentError` with a stable code,
because retrying the same bytes never helps.
"""

import io
import struct
import zlib
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFException
from pdfminer.psexceptions import PSException
from pdfplumber.utils.exceptions import PdfminerException
from rq.timeouts import JobTimeoutException

from models.errors import PermanentError
from models.tokens import Box, PageTokens, Token, TokenSource

_PDFIUM_LOCKED = {pdfium_raw.FPDF_ERR_PASSWORD, pdfium_raw.FPDF_ERR_SECURITY}


def count_pdf_pages(data: bytes) -> int:
    """The page count, raising ``unreadable_pdf`` or ``encrypted_pdf`` if it cannot be opened."""
    document = open_pdf(data)
    try:
        return len(document)
    finally:
        document.close()


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """The document opened with pdfium (the caller closes it), or the reason it cannot be."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) in _PDFIUM_LOCKED:
            raise _encrypted() from error
        raise _unreadable(str(error)) from error


def read_pdf_pages(data: bytes, max_pages: int) -> list[PageTokens]:
    """One :class:`PageTokens` per page, words in reading order, boxes in points from top-left.

    A page without a text layer is a page without tokens; the PDF reader OCRs those."""
    page_count = count_pdf_pages(data)
    if page_count > max_pages:
        raise PermanentError(
            "too_many_pages", f"The PDF has {page_count} pages; the limit is {max_pages}."
        )
    return [
        PageTokens(
            number=number,
            width=width,
            height=height,
            source=TokenSource.TEXT,
            tokens=[_token(word, number) for word in words],
        )
        for number, (width, height, words) in enumerate(_extract_words(data), start=1)
    ]


_MALFORMED_INPUT = (
    PDFException,
    PSException,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AssertionError,
    AttributeError,
    RecursionError,
    struct.error,
    zlib.error,
)


# Raised into the reader from outside (RQ's time limit, the allocator), never by the file.
_INTERRUPTIONS = (JobTimeoutException, MemoryError)


def _extract_words(data: bytes) -> list[tuple[float, float, list[dict[str, Any]]]]:
    """Each page's size and pdfplumber words; the only code that lets pdfminer touch the bytes.

    pdfminer reports malformed input through a zoo of exception types (its own PSEOF and
    PDFSyntaxError, but also KeyError, TypeError, AssertionError, ... from deep in the parser),
    so those mean the file is unreadable. The list stays explicit: a job timeout, a memory
    error or a lost connection raised while reading is not the file's fault and must not be
    reported as a damaged PDF.
    """
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            result = []
            for page in pdf.pages:
                words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
                result.append((float(page.width), float(page.height), words))
                page.close()
            return result
    except (PdfminerException, *_MALFORMED_INPUT) as error:
        interruption = _interruption_inside(error)
        if interruption is not None:
            raise interruption from error
        cause = error.args[0] if isinstance(error, PdfminerException) and error.args else error
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise _encrypted() from error
        raise _unreadable(repr(cause)) from error


def _interruption_inside(error: BaseException) -> BaseException | None:
    """An exception that is not about the file, hidden in one that looks as if it were.

    pdfplumber wraps whatever pdfminer raises in PdfminerException, and pdfminer sometimes
    raises its own error while handling another; a job timeout that fires mid-parse can come
    out dressed as either. Follow the wrapping and the exception chain to find it.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _INTERRUPTIONS) or not isinstance(current, Exception):
            return current
        wrapped = (
            current.args[0] if isinstance(current, PdfminerException) and current.args else None
        )
        current = (
            (wrapped if isinstance(wrapped, BaseException) else None)
            or current.__cause__
            or current.__context__
        )
    return None


def _token(word: dict[str, Any], page: int) -> Token:
    return Token(
        text=word["text"],
        box=Box(float(word["x0"]), float(word["top"]), float(word["x1"]), float(word["bottom"])),
        page=page,
    )


def _encrypted() -> PermanentError:
    return PermanentError(
        "encrypted_pdf", "The PDF is password-protected; send an unprotected copy."
    )


def _unreadable(detail: str) -> PermanentError:
    return PermanentError("unreadable_pdf", f"The PDF is damaged or not a PDF ({detail}).")
