"""Generating invoices by seed, and writing a set of them to disk for evaluations and demos.

A seed determines everything: the layout family (seed modulo the number of families, so any
run of consecutive seeds covers the families evenly), the style and the content. Style and
content draw from separate random streams, so forcing another layout reprints the same sale.
"""

import json
from collections.abc import Iterator
from pathlib import Path

from workers.invoice_generator.content import random_content
from workers.invoice_generator.generated import GeneratedInvoice
from workers.invoice_generator.layouts import FAMILIES, LAYOUTS
from workers.invoice_generator.render_pdf import render_invoice_pdf
from workers.invoice_generator.scan import scan_of
from workers.invoice_generator.style import random_style
from workers.invoice_generator.truth import invoice_truth

_SCAN_SUFFIX = {"image/png": ".png", "image/tiff": ".tif"}


def generate_invoice(seed: int, *, layout: str | None = None) -> GeneratedInvoice:
    """Invoice number ``seed``; ``layout`` None lets the seed choose the family."""
    layout = layout or LAYOUTS[seed % len(LAYOUTS)]
    family = FAMILIES.get(layout)
    if family is None:
        raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}")
    style = random_style(family, seed)
    content = random_content(seed, language=family.language, discounts="discount" in style.columns)
    pdf, shown = render_invoice_pdf(content, style, family)
    return GeneratedInvoice(
        name=f"gen-{seed:05d}", layout=layout, pdf=pdf, truth=invoice_truth(content, style, shown)
    )


def generated_invoices(count: int, seed: int = 0) -> Iterator[GeneratedInvoice]:
    """``count`` invoices from seeds ``seed``, ``seed + 1``, ...; layouts cycle evenly."""
    for offset in range(count):
        yield generate_invoice(seed + offset)


def write_generated_set(
    out_dir: Path, count: int, seed: int = 0, scans: bool = False
) -> list[Path]:
    """Writes ``<name>.pdf`` and ``<name>.json`` (the truth plus ``layout``) per invoice, and with
    ``scans`` a ``<name>.png`` (one page) or ``<name>.tif`` (several) scanned with the invoice's
    own seed. Returns every file written, in writing order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for offset, invoice in enumerate(generated_invoices(count, seed)):
        pdf_path = out_dir / f"{invoice.name}.pdf"
        pdf_path.write_bytes(invoice.pdf)
        json_path = out_dir / f"{invoice.name}.json"
        record = {**invoice.truth, "layout": invoice.layout}
        json_path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
        written += [pdf_path, json_path]
        if scans:
            media_type, data = scan_of(invoice, seed + offset)
            scan_path = out_dir / f"{invoice.name}{_SCAN_SUFFIX[media_type]}"
            scan_path.write_bytes(data)
            written.append(scan_path)
    return written
