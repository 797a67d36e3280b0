"""Builders for test inputs: real PDFs rendered with reportlab, varied one keyword at a time."""

import dataclasses
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen.canvas import Canvas

from workers.samples import (
    SampleInvoice,
    SampleLine,
    a_sample_invoice,
    render_sample_invoice_pdf,
)

SUPPLIER_ORG_NUMBER = a_sample_invoice().supplier_org_number
BUYER_ORG_NUMBER = a_sample_invoice().buyer_org_number

_PAGE_HEIGHT = A4[1]


def an_invoice(**overrides: Any) -> SampleInvoice:
    """A Norwegian invoice for NOK 12 500,00; ``total=`` replaces the lines with ones that sum
    to it, any other keyword replaces that field of :class:`SampleInvoice`."""
    spec = a_sample_invoice()
    total = overrides.pop("total", None)
    if total is not None:
        spec = dataclasses.replace(spec, lines=_lines_totalling(total))
    return dataclasses.replace(spec, **overrides)


def an_invoice_pdf(**overrides: Any) -> bytes:
    return render_sample_invoice_pdf(an_invoice(**overrides))


def _lines_totalling(total: Decimal) -> tuple[SampleLine, ...]:
    """One line whose amount plus 25 % VAT is exactly ``total``, else one without VAT."""
    ore = Decimal("0.01")
    net = (total / Decimal("1.25")).quantize(ore)
    for price in (net - ore, net, net + ore):
        if price + (price / 4).quantize(ore, rounding=ROUND_HALF_UP) == total:
            return (SampleLine("Varer", Decimal("1"), price, Decimal("25")),)
    return (SampleLine("Varer", Decimal("1"), total, Decimal("0")),)


def a_pdf_with_text(*rows: tuple[float, float, str]) -> bytes:
    """A one-page PDF with each ``(x, y from the top, text)`` drawn in 10 pt Helvetica."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setFont("Helvetica", 10)
    for x, y, text in rows:
        canvas.drawString(x, _PAGE_HEIGHT - y, text)
    canvas.save()
    return buffer.getvalue()


def an_unlabelled_layout_pdf(
    number: str, amount: str, customer: str | None = None, y: float = 300
) -> bytes:
    """A supplier that labels nothing the usual way, so Bilag cannot read it zero-shot: the
    invoice number sits right of "Ref", the total under "Grand" further down, and a decoy
    amount is printed first."""
    rows = [(50.0, 60.0, "Kaffebrenneriet Nord AS")]
    if customer is not None:
        rows.append((50.0, 90.0, f"Kunde {customer}"))
    rows += [
        (350.0, 120.0, "Ref"),
        (400.0, 120.0, number),
        (50.0, y - 40, "Frakt"),
        (450.0, y - 40, "99,00"),
        (400.0, y, "Grand"),
        (400.0, y + 14, amount),
    ]
    return a_pdf_with_text(*rows)


def a_pdf_with_pages(count: int, lines_per_page: int = 0) -> bytes:
    """``count`` pages, each headed "Side n av count" and followed by ``lines_per_page`` lines of
    words: a dense document is what makes reading slow."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    for number in range(1, count + 1):
        canvas.drawString(50, 800, f"Side {number} av {count}")
        for line in range(lines_per_page):
            canvas.drawString(50, 780 - line * 12, f"Linje {line} med tekst som tar tid {number}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def a_pdf_without_text() -> bytes:
    """What a scan looks like to a text reader: marks on the page, no words."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.rect(50, 50, 400, 600, fill=1)
    canvas.save()
    return buffer.getvalue()


def a_truncated_pdf() -> bytes:
    data = an_invoice_pdf()
    return data[: len(data) // 2]


def an_encrypted_pdf() -> bytes:
    """A PDF that needs the user password "secret" to open."""
    return _a_pdf_encrypted_with("secret")


def a_copy_protected_pdf() -> bytes:
    """A PDF anyone can open but whose owner forbids copying, as some invoicing systems send."""
    return _a_pdf_encrypted_with(StandardEncryption("", ownerPassword="owner", canCopy=0))


def _a_pdf_encrypted_with(encryption: str | StandardEncryption) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, encrypt=encryption)
    canvas.drawString(50, 800, "Fakturanr: 10042")
    canvas.save()
    return buffer.getvalue()
