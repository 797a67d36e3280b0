"""Sample invoices rendered as real text-layer PDFs, for demo data and tests.

The demo inbox and the test suite need invoices whose every field is known in advance; rendering
them with reportlab (rather than shipping fixture files) keeps the expected values next to the
spec and lets a test vary one thing at a time: a date format, a layout, a wrong org number.
Totals are computed from the lines the way an invoicing system does, in Decimal, rounded to øre.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, NamedTuple

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

Layout = Literal["right", "below"]
Language = Literal["no", "en"]

_ORE = Decimal("0.01")
_WIDTH, _HEIGHT = A4
_LEFT, _RIGHT = 50.0, _WIDTH - 50.0
_ROW = 14.0

_LABELS: dict[Language, dict[str, str]] = {
    "no": {
        "title": "FAKTURA",
        "org": "Org.nr.",
        "bill_to": "Faktureres til:",
        "buyer_org": "Org.nr kunde:",
        "number": "Fakturanr:",
        "date": "Fakturadato:",
        "due": "Forfallsdato:",
        "description": "Beskrivelse",
        "quantity": "Antall",
        "price": "Enhetspris",
        "vat_rate": "MVA %",
        "amount": "Beløp",
        "net": "Sum eks. mva",
        "vat": "MVA",
        "due_amount": "Å betale",
    },
    "en": {
        "title": "INVOICE",
        "org": "VAT no. NO",
        "bill_to": "Bill to:",
        "buyer_org": "Customer org. no.:",
        "number": "Invoice no.:",
        "date": "Invoice date:",
        "due": "Due date:",
        "description": "Description",
        "quantity": "Qty",
        "price": "Unit price",
        "vat_rate": "VAT %",
        "amount": "Amount",
        "net": "Subtotal excl. VAT",
        "vat": "VAT",
        "due_amount": "Amount due",
    },
}


class SampleLine(NamedTuple):
    """One invoice line; ``vat_rate`` is a percentage as printed, e.g. ``Decimal("25")``."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal

    @property
    def amount(self) -> Decimal:
        return _to_ore(self.quantity * self.unit_price)


@dataclass(frozen=True)
class SampleInvoice:
    """Everything printed on a sample invoice; the amounts follow from ``lines``.

    ``layout`` puts header values to the right of their labels or underneath them, the two ways
    real invoices do it. The number and date formats are parameters so one spec can be printed
    the way a Norwegian, Swedish or English invoicing system would.
    """

    supplier_name: str
    supplier_org_number: str
    buyer_name: str
    buyer_org_number: str | None
    invoice_number: str
    invoice_date: date
    due_date: date
    currency: str
    lines: tuple[SampleLine, ...]
    layout: Layout = "right"
    language: Language = "no"
    date_format: str = "%d.%m.%Y"
    thousands_separator: str = " "
    decimal_separator: str = ","

    @property
    def net_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def net_by_rate(self) -> dict[Decimal, Decimal]:
        """The net sum of the lines at each VAT rate, highest rate first."""
        nets: dict[Decimal, Decimal] = {}
        for line in self.lines:
            nets[line.vat_rate] = nets.get(line.vat_rate, Decimal("0.00")) + line.amount
        return dict(sorted(nets.items(), reverse=True))

    @property
    def vat_by_rate(self) -> dict[Decimal, Decimal]:
        """VAT per rate, computed on each rate's net sum as Norwegian invoices print it."""
        return {rate: _to_ore(net * rate / 100) for rate, net in self.net_by_rate.items()}

    @property
    def vat_total(self) -> Decimal:
        return sum(self.vat_by_rate.values(), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self.net_total + self.vat_total


def a_sample_invoice() -> SampleInvoice:
    """The reference invoice (NOK 12 500,00, two lines at 25 %) that tests, evals and
    benchmarks vary one field at a time."""
    return SampleInvoice(
        supplier_name="Fjordlys Elektro AS",
        supplier_org_number="923609016",
        buyer_name="Byggmester Hansen AS",
        buyer_org_number="974760673",
        invoice_number="10042",
        invoice_date=date(2026, 11, 3),
        due_date=date(2026, 11, 17),
        currency="NOK",
        lines=(
            SampleLine("Elektrikertimer", Decimal("8"), Decimal("1000.00"), Decimal("25")),
            SampleLine("Kabel og materiell", Decimal("1"), Decimal("2000.00"), Decimal("25")),
        ),
    )


def render_sample_invoice_pdf(spec: SampleInvoice) -> bytes:
    """A one-page A4 invoice PDF with a text layer; keep ``lines`` under about twenty-five."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    page = _Page(canvas, spec)
    page.header()
    page.buyer_and_meta()
    page.totals(page.table())
    page.footer()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class _Page:
    """Drawing helpers in top-down coordinates, the way one reads an invoice."""

    def __init__(self, canvas: Canvas, spec: SampleInvoice) -> None:
        self.canvas = canvas
        self.spec = spec
        self.label = _LABELS[spec.language]

    def text(self, x: float, y: float, text: str, bold: bool = False, size: float = 10) -> None:
        self.canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        self.canvas.drawString(x, _HEIGHT - y, text)

    def text_right(self, x: float, y: float, text: str, bold: bool = False) -> None:
        self.canvas.setFont("Helvetica-Bold" if bold else "Helvetica", 10)
        self.canvas.drawRightString(x, _HEIGHT - y, text)

    def money(self, amount: Decimal) -> str:
        sign = "-" if amount < 0 else ""
        whole, fraction = f"{abs(amount):.2f}".split(".")
        grouped = f"{int(whole):,}".replace(",", self.spec.thousands_separator)
        return f"{sign}{grouped}{self.spec.decimal_separator}{fraction}"

    def number(self, value: Decimal) -> str:
        return f"{value.normalize():f}".replace(".", self.spec.decimal_separator)

    def header(self) -> None:
        spec = self.spec
        self.text(_LEFT, 60, spec.supplier_name, bold=True, size=16)
        self.text(_LEFT, 76, "Storgata 10, 0155 Oslo")
        self.text(_LEFT, 90, f"{self.label['org']} {_grouped_org(spec.supplier_org_number)} MVA")
        self.text(420, 60, self.label["title"], bold=True, size=18)

    def buyer_and_meta(self) -> None:
        spec = self.spec
        buyer = [self.label["bill_to"], spec.buyer_name, "Kundeveien 5, 5003 Bergen"]
        if spec.buyer_org_number:
            buyer.append(f"{self.label['buyer_org']} {_grouped_org(spec.buyer_org_number)}")
        for row, text in enumerate(buyer):
            self.text(_LEFT, 150 + row * _ROW, text)
        meta = [
            (self.label["number"], spec.invoice_number),
            (self.label["date"], spec.invoice_date.strftime(spec.date_format)),
            (self.label["due"], spec.due_date.strftime(spec.date_format)),
        ]
        if spec.layout == "right":
            for row, (label, value) in enumerate(meta):
                self.text(330, 150 + row * _ROW, label, bold=True)
                self.text(440, 150 + row * _ROW, value)
        else:
            for column, (label, value) in enumerate(meta):
                self.text(_LEFT + column * 130, 230, label.rstrip(":"), bold=True)
                self.text(_LEFT + column * 130, 230 + _ROW, value)

    def table(self) -> float:
        """Draws the line items and returns where the next block may start."""
        columns: list[tuple[float, Callable[[float, float, str], None], str]] = [
            (_LEFT, self.text, self.label["description"]),
            (330, self.text_right, self.label["quantity"]),
            (420, self.text_right, self.label["price"]),
            (470, self.text_right, self.label["vat_rate"]),
            (_RIGHT, self.text_right, self.label["amount"]),
        ]
        y = 290.0
        for x, draw, heading in columns:
            draw(x, y, heading)
        for line in self.spec.lines:
            y += _ROW
            cells = [
                line.description,
                self.number(line.quantity),
                self.money(line.unit_price),
                self.number(line.vat_rate),
                self.money(line.amount),
            ]
            for (x, draw, _), cell in zip(columns, cells, strict=True):
                draw(x, y, cell)
        return y + 2 * _ROW

    def totals(self, y: float) -> None:
        spec = self.spec
        rows = [(self.label["net"], self.money(spec.net_total), False)]
        rows += [
            (f"{self.label['vat']} {self.number(rate)} %", self.money(vat), False)
            for rate, vat in spec.vat_by_rate.items()
        ]
        rows.append((self.label["due_amount"], f"{spec.currency} {self.money(spec.total)}", True))
        if spec.layout == "right":
            for row, (label, value, bold) in enumerate(rows):
                self.text(330, y + row * _ROW, label, bold=bold)
                self.text_right(_RIGHT, y + row * _ROW, value, bold=bold)
        else:
            first = _RIGHT - 95 * len(rows)
            for column, (label, value, bold) in enumerate(rows):
                self.text(first + column * 95, y, label, bold=bold)
                self.text(first + column * 95, y + _ROW, value, bold=bold)

    def footer(self) -> None:
        self.text(_LEFT, _HEIGHT - 40, f"{self.spec.supplier_name} · Foretaksregisteret", size=8)


def _grouped_org(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 9 else number


def _to_ore(amount: Decimal) -> Decimal:
    return amount.quantize(_ORE, rounding=ROUND_HALF_UP)
