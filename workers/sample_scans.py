"""Sample invoices as paper that went through a scanner, a fax or a phone camera.

The demo, the benchmark, `bilag eval scans` and the tests all need scans whose every field is
known: each starts from a rendered sample invoice and adds one defect at a time with OpenCV,
deterministically (fixed random seeds), so a scan that reads badly reads badly the same way
twice.
"""

import io
from functools import cache
from typing import Any

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from workers.samples import SampleInvoice, render_sample_invoice_pdf

Gray = np.ndarray  # a 2-D uint8 array, 0 = black, 255 = white


@cache
def rendered_page(pdf: bytes, dpi: int) -> Gray:
    """Page one of ``pdf`` as a clean grayscale scan; cached by content, so variants that
    differ only in their defect share one render (callers must not modify the array)."""
    document = pdfium.PdfDocument(pdf)
    try:
        return np.array(document[0].render(scale=dpi / 72, grayscale=True).to_numpy())
    finally:
        document.close()


def turned_clockwise(image: Gray, degrees: int) -> Gray:
    """The page as a scanner feeds it in sideways or upside down (90, 180 or 270 degrees)."""
    return np.ascontiguousarray(np.rot90(image, k=-(degrees // 90) % 4))


def skewed(image: Gray, degrees: float) -> Gray:
    """The page tilted counter-clockwise by ``degrees`` (clockwise if negative), paper white
    showing in the corners, as a page laid crooked on a flatbed."""
    height, width = image.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def noisy(image: Gray, sigma: float = 18.0, blur: int = 3, seed: int = 7) -> Gray:
    """A cheap scanner's output: slightly out of focus, with sensor noise."""
    blurred = cv2.GaussianBlur(image, (blur, blur), 0) if blur > 1 else image
    noise = np.random.default_rng(seed).normal(0.0, sigma, image.shape)
    return np.clip(blurred.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def phone_photo(image: Gray, seed: int = 11) -> Gray:
    """The page photographed on a dark desk: a dark border all round, the phone's shadow
    falling across the lower half, paper that is grey rather than white, a slight tilt, blur
    and noise. Perspective is left out on purpose; the reader does not claim to undo it."""
    height, width = image.shape
    margin_x, margin_y = width // 12, height // 14
    desk = np.full((height + 2 * margin_y, width + 2 * margin_x), 40, np.uint8)
    paper = (image.astype(np.float32) * (220 / 255)).astype(np.uint8)  # room light is not white
    desk[margin_y : margin_y + height, margin_x : margin_x + width] = paper
    photo = skewed(desk, 1.5).astype(np.float32)
    rows, columns = np.mgrid[0 : photo.shape[0], 0 : photo.shape[1]].astype(np.float32)
    # A soft-edged shadow whose edge runs diagonally across the page, about 40 % as bright.
    edge = (rows / photo.shape[0]) * 0.8 + (columns / photo.shape[1]) * 0.4 - 0.55
    shadow = 1.0 - 0.6 * np.clip(edge / 0.08 + 0.5, 0, 1)
    blurred = cv2.GaussianBlur(photo * shadow, (5, 5), 0)
    noise = np.random.default_rng(seed).normal(0.0, 5.0, blurred.shape)
    return np.clip(blurred + noise, 0, 255).astype(np.uint8)


def png_bytes(image: Gray, dpi: int | None = None) -> bytes:
    return encoded(image, "PNG", dpi=(dpi, dpi) if dpi else None)


def encoded(image: Gray, image_format: str, **params: Any) -> bytes:
    """The image as a file in ``image_format`` (Pillow's name); ``None`` params are left out."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(
        buffer, image_format, **{k: v for k, v in params.items() if v is not None}
    )
    return buffer.getvalue()


def render_sample_invoice_scan(spec: SampleInvoice, dpi: int = 200, skew: float = 1.5) -> bytes:
    """The invoice as a slightly crooked grayscale PNG scan, the way an office scanner feeds it."""
    page = rendered_page(render_sample_invoice_pdf(spec), dpi)
    return png_bytes(skewed(page, skew) if skew else page, dpi)
