"""Synthetic Norwegian invoices with known truth, for tests, the demo and extraction evaluation.

Each invoice is a text-layer PDF in one of several layout families (see ``layouts.py``) with a
randomly drawn style and content, plus the canonical truth of every field the page prints;
``scan_of`` turns one into the image a scanner would produce.
"""

from workers.invoice_generator.generate import (
    generate_invoice,
    generated_invoices,
    write_generated_set,
)
from workers.invoice_generator.generated import GeneratedInvoice
from workers.invoice_generator.layouts import LAYOUTS
from workers.invoice_generator.scan import scan_of

__all__ = [
    "LAYOUTS",
    "GeneratedInvoice",
    "generate_invoice",
    "generated_invoices",
    "scan_of",
    "write_generated_set",
]
