"""Do our e-invoice parsers read the same key fields as the corpora's own field tables?

Two reference tables sit in the shared data folder, both written by a small stdlib script
(``_tools/einvoice_fields.py``, not shipped) that reads a fixed XPath per field:

* ``einvoice/examples/manifest.csv``: 208 UBL and CII invoices and credit notes (Peppol, EHF,
  EN 16931, XRechnung), each parsed from its XML file;
* ``zugferd/ground_truth.csv``: the invoice XML attached to each Factur-X/ZUGFeRD PDF, which we
  find with :func:`embedded_invoice_xml` as the pipeline does, then parse.

Values are compared after normalisation (dates ISO, amounts as ``Decimal``, whitespace runs
collapsed, empty = ``None``). Where the table's XPath differs from the EN 16931 meaning our
parser implements, the comparison follows the table's documented mapping rather than bending
the parser; every such case is counted as agreeing but listed under ``aligned`` with the reason,
so nothing is hidden. The CLI and the unit tests call these same functions, so the number a
developer sees is the number CI checks.
"""

from __future__ import annotations

import csv
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from models.einvoice import EInvoice
from models.errors import PermanentError
from workers.readers.einvoice import parse_einvoice
from workers.readers.facturx import embedded_invoice_xml

EINVOICE_MANIFEST = Path("einvoice/examples/manifest.csv")
"""Key fields of every full e-invoice example, under the shared data root."""
ZUGFERD_GROUND_TRUTH = Path("zugferd/ground_truth.csv")
"""Key fields of the XML embedded in each ZUGFeRD/Factur-X PDF, under the shared data root."""

MANIFEST_FIELDS = (
    "invoice_number",
    "type_code",
    "issue_date",
    "due_date",
    "currency",
    "supplier_name",
    "supplier_vat",
    "supplier_orgno",
    "buyer_reference",
    "order_reference",
    "net_total",
    "vat_total",
    "gross_total",
    "payable_amount",
    "line_count",
)
ZUGFERD_FIELDS = (
    "invoice_number",
    "currency",
    "net_total",
    "vat_total",
    "gross_total",
    "payable_amount",
)
"""What a PDF's embedded XML must yield (the brief for Factur-X reading)."""

_AMOUNTS = frozenset({"net_total", "vat_total", "gross_total", "payable_amount"})
_DATES = frozenset({"issue_date", "due_date"})
_DATE_102 = re.compile(r"(\d{4})(\d{2})(\d{2})")

_GETTERS: dict[str, Callable[[EInvoice], object]] = {
    "invoice_number": lambda inv: inv.invoice_number,
    "type_code": lambda inv: inv.type_code,
    "issue_date": lambda inv: inv.issue_date,
    "due_date": lambda inv: inv.due_date,
    "currency": lambda inv: inv.currency,
    "supplier_name": lambda inv: inv.supplier.name,
    "supplier_vat": lambda inv: inv.supplier.vat_number,
    "supplier_orgno": lambda inv: inv.supplier.org_number,
    "buyer_reference": lambda inv: inv.buyer_reference,
    "order_reference": lambda inv: inv.order_reference,
    "net_total": lambda inv: inv.net_amount,
    "vat_total": lambda inv: inv.vat_amount,
    "gross_total": lambda inv: inv.total_amount,
    "payable_amount": lambda inv: inv.amount_due,
    "line_count": lambda inv: len(inv.lines),
}


def default_data_root() -> Path:
    """``$BILAG_SHARED_DATA``, else ``shared/data`` beside the repository checkout."""
    configured = os.environ.get("BILAG_SHARED_DATA")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


@dataclass(frozen=True)
class FieldResult:
    field: str
    expected: object
    got: object
    agrees: bool
    aligned_because: str | None = None  # set when agreement follows the table's own mapping


def compare_fields(
    invoice: EInvoice, row: dict[str, str], names: Iterable[str]
) -> list[FieldResult]:
    """Each named field of ``invoice`` against the table ``row``, normalised."""
    return [_compare(invoice, row, name) for name in names]


def evaluate_manifest(data_root: Path) -> dict[str, Any]:
    """Agreement with ``einvoice/examples/manifest.csv``: per field, per file, with details."""
    started = time.perf_counter()
    table = data_root / EINVOICE_MANIFEST
    rows = _read_table(table)
    tally = _Tally(MANIFEST_FIELDS)
    for row in rows:
        file = row["file"]
        try:
            invoice = parse_einvoice((table.parent / file).read_bytes())
        except PermanentError as error:
            tally.error(file, error.code, error.message)
            continue
        tally.add(file, compare_fields(invoice, row, MANIFEST_FIELDS))
    return {"files": len(rows), **tally.summary(), "seconds": _since(started)}


def evaluate_zugferd(data_root: Path) -> dict[str, Any]:
    """Agreement of each PDF's embedded invoice with ``zugferd/ground_truth.csv``.

    ``files`` counts PDFs, ``rows`` table rows, ``with_xml`` PDFs where an invoice XML was found.

    Also checks that the attachment we pick is byte for byte the file the corpus extracted with
    poppler (field ``embedded_xml``). A PDF carrying two invoice XMLs (ZUGFeRD 1 and 2) has two
    rows; we compare the one we picked and list the other under ``not_compared``.
    """
    started = time.perf_counter()
    table = data_root / ZUGFERD_GROUND_TRUTH
    rows = _read_table(table)
    by_pdf: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_pdf.setdefault(row["pdf"], []).append(row)
    tally = _Tally(("embedded_xml", *ZUGFERD_FIELDS))
    not_compared: list[dict[str, str]] = []
    found_xml = 0
    for pdf, pdf_rows in by_pdf.items():
        embedded = embedded_invoice_xml((table.parent / pdf).read_bytes())
        if embedded is None:
            tally.error(pdf, "no_embedded_xml", "No invoice XML was found in the PDF.")
            continue
        found_xml += 1
        name, xml = embedded
        row = next((r for r in pdf_rows if Path(r["embedded_xml"]).name == name), pdf_rows[0])
        not_compared += [
            {"pdf": pdf, "embedded_xml": r["embedded_xml"], "reason": f"we read {name}"}
            for r in pdf_rows
            if r is not row
        ]
        same_bytes = (table.parent / row["embedded_xml"]).read_bytes() == xml
        attachment = FieldResult("embedded_xml", row["embedded_xml"], name, same_bytes)
        try:
            invoice = parse_einvoice(xml)
        except PermanentError as error:
            tally.error(pdf, error.code, error.message)
            continue
        tally.add(pdf, [attachment, *compare_fields(invoice, row, ZUGFERD_FIELDS)])
    return {
        "files": len(by_pdf),  # PDFs
        "rows": len(rows),
        "with_xml": found_xml,
        **tally.summary(),
        "not_compared": not_compared,
        "seconds": _since(started),
    }


class _Tally:
    """Per-field and per-file counts, and the details worth reading."""

    def __init__(self, names: Iterable[str]) -> None:
        self.fields = {name: {"agree": 0, "total": 0} for name in names}
        self.parsed = 0
        self.fully_agreeing = 0
        self.disagreements: list[dict[str, str | None]] = []
        self.aligned: list[dict[str, str | None]] = []
        self.errors: list[dict[str, str]] = []

    def add(self, file: str, results: list[FieldResult]) -> None:
        self.parsed += 1
        self.fully_agreeing += all(result.agrees for result in results)
        for result in results:
            counts = self.fields[result.field]
            counts["total"] += 1
            counts["agree"] += result.agrees
            detail = {
                "file": file,
                "field": result.field,
                "expected": _show(result.expected),
                "got": _show(result.got),
            }
            if not result.agrees:
                self.disagreements.append(detail)
            elif result.aligned_because:
                self.aligned.append({**detail, "reason": result.aligned_because})

    def error(self, file: str, code: str, message: str) -> None:
        self.errors.append({"file": file, "code": code, "message": message})

    def summary(self) -> dict[str, Any]:
        return {
            "parsed": self.parsed,
            "fully_agreeing": self.fully_agreeing,
            "fields": self.fields,
            "disagreements": self.disagreements,
            "aligned": self.aligned,
            "errors": self.errors,
        }


def _compare(invoice: EInvoice, row: dict[str, str], name: str) -> FieldResult:
    expected = _normal(name, row.get(name))
    got = _normal(name, _GETTERS[name](invoice))
    if expected == got:
        return FieldResult(name, expected, got, True)
    aligned = _aligned(invoice, row, name, expected)
    return FieldResult(name, expected, got, aligned is not None, aligned)


def _aligned(invoice: EInvoice, row: dict[str, str], name: str, expected: object) -> str | None:
    """Why a differing value still agrees with the table's documented mapping, if it does."""
    if (
        name == "supplier_vat"
        and row.get("syntax", "").startswith("UBL")
        and expected is not None
        and expected == _normal(name, invoice.supplier.tax_registration)
    ):
        # SOURCE.md maps supplier VAT to ".../cac:PartyTaxScheme/cbc:CompanyID" and the script
        # took the first one, whatever its TaxScheme. EN 16931 BT-31 is the one under TaxScheme
        # VAT; a scheme such as TAX ("Godkänd för F-skatt", "Foretaksregisteret") or FC is the
        # tax registration BT-32, which is where the table's value sits in our record.
        return "table reads the first PartyTaxScheme; its value is our BT-32 tax registration"
    return None


def _normal(name: str, value: object) -> object:
    """Comparable form: ISO date text, Decimal, int, or whitespace-collapsed text; empty = None."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return value
    text = " ".join(str(value).split())
    if not text:
        return None
    if name in _AMOUNTS:
        try:
            return Decimal(text)
        except InvalidOperation:
            return text
    if name in _DATES and (match := _DATE_102.fullmatch(text)):
        return f"{match[1]}-{match[2]}-{match[3]}"
    if name == "line_count":
        return int(text)
    return text


def _show(value: object) -> str | None:
    return None if value is None else str(value)


def _read_table(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not there; is the shared data staged?")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 2)
