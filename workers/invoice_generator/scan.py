"""A generated invoice as paper that went through an office scanner.

Every page is rasterised, then given its own defects drawn from one seeded stream: a tilt
within ±3°, blur and sensor noise of varying strength, and sometimes paper that is grey and
unevenly lit. One page is returned as a PNG, several as one multi-page TIFF, the two forms
scanners actually produce.
"""

import io

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from workers.invoice_generator.generated import GeneratedInvoice
from workers.sample_scans import Gray, noisy, png_bytes, skewed


def scan_of(invoice: GeneratedInvoice, seed: int, dpi: int = 200) -> tuple[str, bytes]:
    """(media type, bytes) of ``invoice`` printed and scanned at ``dpi``; deterministic for
    ``seed``."""
    rng = np.random.default_rng(seed)
    pages = [_scanned(page, rng) for page in _rendered_pages(invoice.pdf, dpi)]
    if len(pages) == 1:
        return "image/png", png_bytes(pages[0], dpi)
    buffer = io.BytesIO()
    first, *rest = (Image.fromarray(page) for page in pages)
    first.save(
        buffer,
        "TIFF",
        save_all=True,
        append_images=rest,
        compression="tiff_deflate",
        dpi=(dpi, dpi),
    )
    return "image/tiff", buffer.getvalue()


def _rendered_pages(pdf: bytes, dpi: int) -> list[Gray]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            np.array(page.render(scale=dpi / 72, grayscale=True).to_numpy()) for page in document
        ]
    finally:
        document.close()


def _scanned(page: Gray, rng: np.random.Generator) -> Gray:
    if rng.random() < 0.4:
        page = _uneven_paper(page, rng)
    page = skewed(page, float(rng.uniform(-3.0, 3.0)))
    sigma = float(rng.uniform(2.0, 16.0))
    blur = int(rng.choice((1, 1, 3, 3, 5)))
    return noisy(page, sigma=sigma, blur=blur, seed=int(rng.integers(2**31)))


def _uneven_paper(page: Gray, rng: np.random.Generator) -> Gray:
    """Grey, recycled-looking paper lit more brightly on one side than the other."""
    height, width = page.shape
    base = float(rng.uniform(0.82, 0.95))
    spread = float(rng.uniform(0.02, 0.08))
    angle = float(rng.uniform(0, 2 * np.pi))
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    gradient = (np.cos(angle) * columns / width + np.sin(angle) * rows / height).astype(np.float32)
    light = base + spread * (gradient - gradient.mean())
    return np.clip(page.astype(np.float32) * light, 0, 255).astype(np.uint8)
