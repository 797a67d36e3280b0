"""Does a scan read to the same header fields however it went through the scanner?

A rendered sample invoice whose every field is known is scanned upright, turned 90/180/270
degrees, tilted either way, made noisy and photographed on a desk; each variant goes through
Bilag's whole image read (clean-up, orientation, deskew, tesseract) and header extraction, and
the fields are compared with the truth. The figures are counts, not a pass/fail.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ml.extraction.extractor import extract_invoice
from workers.readers.ocr import OcrOptions, read_image
from workers.sample_scans import (
    Gray,
    noisy,
    phone_photo,
    png_bytes,
    rendered_page,
    skewed,
    turned_clockwise,
)
from workers.samples import SampleInvoice, a_sample_invoice, render_sample_invoice_pdf

FIELDS = ("invoice_number", "invoice_date", "due_date", "total_amount", "supplier_org_number")

VARIANTS: dict[str, Callable[[Gray], Gray]] = {
    "upright": lambda page: page,
    "turned 90": lambda page: turned_clockwise(page, 90),
    "turned 180": lambda page: turned_clockwise(page, 180),
    "turned 270": lambda page: turned_clockwise(page, 270),
    "skewed +5": lambda page: skewed(page, 5.0),
    "skewed -5": lambda page: skewed(page, -5.0),
    "noisy": noisy,
    "phone photo": phone_photo,
}


def _truth(spec: SampleInvoice) -> dict[str, str]:
    return {
        "invoice_number": spec.invoice_number,
        "invoice_date": spec.invoice_date.isoformat(),
        "due_date": spec.due_date.isoformat(),
        "total_amount": f"{spec.total:.2f}",
        "supplier_org_number": spec.supplier_org_number,
    }


def evaluate_scans(dpi: int = 300, options: OcrOptions | None = None) -> dict[str, Any]:
    """Per variant: fields read right, the turn and skew the reader reported, seconds."""
    options = options or OcrOptions(concurrency=1)
    spec = a_sample_invoice()
    truth = _truth(spec)
    page = rendered_page(render_sample_invoice_pdf(spec), dpi)
    variants = []
    for name, make in VARIANTS.items():
        scan = png_bytes(make(page), dpi)
        started = time.perf_counter()
        (read,) = read_image(scan, 1, options)
        seconds = time.perf_counter() - started
        found = extract_invoice([read.tokens], default_currency="NOK").fields
        got = {field: found[field].value if field in found else None for field in FIELDS}
        variants.append(
            {
                "variant": name,
                "fields_right": sum(got[field] == truth[field] for field in FIELDS),
                "wrong": {f: got[f] for f in FIELDS if got[f] != truth[f]},
                "rotation": read.rotation,
                "skew": read.skew,
                "seconds": round(seconds, 2),
            }
        )
    return {
        "dpi": dpi,
        "languages": options.languages,
        "fields": list(FIELDS),
        "variants": variants,
        "fields_right": sum(v["fields_right"] for v in variants),
        "fields_total": len(FIELDS) * len(variants),
    }
