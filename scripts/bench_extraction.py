"""Extraction benchmark: time per page from page tokens to fields, OCR excluded.

Run it from the repository root (it puts the root on ``sys.path`` itself)::

    .venv/bin/python scripts/bench_extraction.py [--invoices 60] [--runs 3]

It prints figures and asserts nothing. Pages are read once up front (the text layer of
generated invoices of every layout, and the shared ZUGFeRD PDFs when present), so what is timed
is exactly the extract stage's own work: lines, candidates, line items, VAT breakdown, joint
selection and calibration. Best of a few runs, after a warm-up. Target: at most 50 ms a page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.evaluate.einvoices import default_data_root
from ml.extraction.extractor import extract_invoice
from models.tokens import PageTokens
from workers.invoice_generator import generated_invoices
from workers.readers.pdf_text import read_pdf_pages

TARGET_MS_PER_PAGE = 50.0


def _documents(invoices: int) -> dict[str, list[list[PageTokens]]]:
    sets = {"generated": [read_pdf_pages(i.pdf, 50) for i in generated_invoices(invoices, 7)]}
    zugferd = default_data_root() / "zugferd" / "files"
    if zugferd.is_dir():
        pdfs = sorted(zugferd.rglob("*.pdf"))
        sets["zugferd"] = [read_pdf_pages(path.read_bytes(), 50) for path in pdfs]
    return sets


def run_extraction_bench(invoices: int = 60, runs: int = 3) -> dict[str, dict[str, float]]:
    """ms per page (best and median of ``runs``) and pages, per document set."""
    figures: dict[str, dict[str, float]] = {}
    for name, documents in _documents(invoices).items():
        pages = sum(len(d) for d in documents)
        for document in documents[:5]:
            extract_invoice(document)  # warm-up: imports, calibration table
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            for document in documents:
                extract_invoice(document)
            times.append(time.perf_counter() - started)
        figures[name] = {
            "documents": len(documents),
            "pages": pages,
            "best_ms_per_page": round(1000 * min(times) / pages, 1),
            "median_ms_per_page": round(1000 * statistics.median(times) / pages, 1),
        }
    return figures


def format_table(figures: dict[str, dict[str, float]]) -> list[str]:
    lines = []
    for name, row in figures.items():
        verdict = "ok" if row["best_ms_per_page"] <= TARGET_MS_PER_PAGE else "OVER TARGET"
        lines.append(
            f"extraction ({name}): {row['documents']:.0f} docs, {row['pages']:.0f} pages, "
            f"{row['best_ms_per_page']} ms/page best, {row['median_ms_per_page']} median "
            f"(target <= {TARGET_MS_PER_PAGE:.0f}, {verdict})"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for line in format_table(run_extraction_bench(args.invoices, args.runs)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
