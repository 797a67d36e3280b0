"""Uploaded images (JPEG, PNG, TIFF, WebP) decoded safely into grayscale pages for OCR.

An image file says how big it is in its header, long before its pixels are decompressed; a
20,000 x 20,000 PNG is tens of kilobytes on disk and 400 million pixels in memory. So every frame's
dimensions are checked from the header (Pillow opens lazily) before anything is decoded, and a
frame over ``max_image_pixels`` is refused in milliseconds. Every way a file can be broken
becomes a :class:`PermanentError` with a stable code, because retrying the same bytes never
helps.

Only TIFF frames are pages. The extra frames of an animated PNG or WebP are animation, and those
of an MPO (what many phones write for a "JPEG") are previews or depth maps, so those formats are
read as one page.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError, features

from models.errors import PermanentError

if TYPE_CHECKING:
    from workers.readers.ocr import OcrOptions

FORMATS = ("JPEG", "PNG", "TIFF", "WEBP")  # Pillow opens MPO through its JPEG plugin
_MULTI_PAGE_FORMATS = frozenset({"TIFF"})

# Phones and screenshot tools write 72 or 96 dpi whatever the picture shows; a stated
# resolution under this (in both directions) is a placeholder, not a measurement, and the page
# is treated as stating none.
_PLACEHOLDER_DPI = 100.0
_MAX_PLAUSIBLE_DPI = 2400.0

MAX_PAGE_IMAGE_SIDE = 16383  # pixels; libwebp cannot encode a larger picture
_WEBP = features.check("webp")

# What Pillow raises for malformed input: its own SyntaxError/OSError ("image file is
# truncated", "broken data stream") and whatever a plugin's parser trips over. The list stays
# explicit so a MemoryError or a job timeout is never reported as a damaged file.
_MALFORMED_INPUT = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    KeyError,
    IndexError,
    TypeError,
    struct.error,
    zlib.error,
)


@dataclass(frozen=True)
class Raster:
    """One page as grayscale pixels (uint8, 0 = black) and how many of them make an inch."""

    pixels: np.ndarray
    dpi: float


def count_image_pages(data: bytes, options: OcrOptions) -> int:
    """The page count, after checking every frame's size from its header; nothing is decoded."""
    with _opened(data) as image:
        return _checked_frame_count(image, options.max_image_pixels)


def read_image_frames(data: bytes, max_pages: int, options: OcrOptions) -> Iterator[Raster]:
    """The pages of an image file, upright as its EXIF orientation says, decoded one at a time.

    Every frame's header is checked (count and size) before the first one is decoded, so a
    file that will be refused is refused before any OCR time is spent on it. Decoding lazily
    keeps one page of pixels in memory per OCR worker rather than a whole fax in advance.
    """
    with _opened(data) as image:
        count = _checked_frame_count(image, options.max_image_pixels)
        if count > max_pages:
            raise PermanentError(
                "too_many_pages", f"The image has {count} pages; the limit is {max_pages}."
            )
        for index in range(count):
            yield _decoded_frame(image, index, options)


def encode_page_image(image: Image.Image) -> tuple[bytes, str]:
    """A page picture for the inbox viewer: WebP, PNG when this Pillow has no WebP or the page
    is too big for it. At 150 dpi a clean scan is 41 KB as WebP and 53 KB as PNG, a phone
    photo 88 KB and 1.2 MB: PNG spends its bytes on the noise."""
    buffer = io.BytesIO()
    if _WEBP and max(image.size) <= MAX_PAGE_IMAGE_SIDE:
        # method=0: 37 ms for an A4 page at 150 dpi where the default (4) takes 97 ms, for
        # about a quarter more bytes (43 KB instead of 33 KB for a typical invoice).
        image.save(buffer, "WEBP", quality=75, method=0)
        return buffer.getvalue(), "image/webp"
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue(), "image/png"


@contextmanager
def _opened(data: bytes) -> Iterator[Image.Image]:
    """The image opened lazily (header only), with malformed input turned into our errors."""
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as error:
        raise _bomb(error) from error
    except UnidentifiedImageError as error:
        raise _unreadable("not a JPEG, PNG, TIFF or WebP image") from error
    except _MALFORMED_INPUT as error:
        raise _unreadable(repr(error)) from error
    try:
        yield image
    except Image.DecompressionBombError as error:
        raise _bomb(error) from error
    except _MALFORMED_INPUT as error:
        raise _unreadable(repr(error)) from error
    finally:
        image.close()


def _checked_frame_count(image: Image.Image, max_pixels: int) -> int:
    """The number of pages, each one's size checked from the headers, refusing a frame above
    ``max_pixels``."""
    count = image.n_frames if image.format in _MULTI_PAGE_FORMATS else 1
    for index in range(count):
        if count > 1:
            image.seek(index)
        width, height = image.size
        if width < 1 or height < 1:
            raise _unreadable(f"page {index + 1} is {width} x {height} pixels")
        if width * height > max_pixels:
            raise PermanentError(
                "image_too_large",
                f"Page {index + 1} of the image is {width} x {height} pixels "
                f"({width * height / 1e6:.0f} megapixels); the limit is "
                f"{max_pixels / 1e6:.0f} megapixels per page.",
            )
    return count


def _decoded_frame(image: Image.Image, index: int, options: OcrOptions) -> Raster:
    if image.format in _MULTI_PAGE_FORMATS:
        image.seek(index)
    # Without a stated resolution ``options.dpi`` is assumed, for the full-size picture.
    x_dpi, y_dpi = _stated_dpi(image) or (options.dpi, options.dpi)
    width = image.size[0]
    if image.format in ("JPEG", "MPO"):
        # libjpeg decodes straight to gray, and at 1/2, 1/4 or 1/8 size when the photo is far
        # bigger than OCR needs: faster, and the full-size pixels are never allocated.
        image.draft("L", _draft_size(image.size, options.max_ocr_pixels))
    image.load()
    shrink = image.size[0] / width  # what draft mode did, 1.0 if nothing
    ImageOps.exif_transpose(image, in_place=True)  # no copy when there is nothing to turn
    dpi = (x_dpi * shrink, y_dpi * shrink)
    return _square_pixels(_grayscale(image), dpi, options.max_image_pixels)


def _stated_dpi(image: Image.Image) -> tuple[float, float] | None:
    """The resolution the file states, or None when it states none worth believing."""
    stated = image.info.get("dpi")
    try:
        x, y = _whole_if_nearly(float(stated[0])), _whole_if_nearly(float(stated[1]))
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    # A fax's 204 x 98 is real; 72 x 72, or a resolution far finer in one direction than the
    # other, is not.
    plausible = _PLACEHOLDER_DPI <= max(x, y) <= _MAX_PLAUSIBLE_DPI and max(x, y) <= 4 * min(x, y)
    return (x, y) if plausible else None


def _whole_if_nearly(dpi: float) -> float:
    """300 for PNG's 299.9994: PNG stores pixels per metre, and scaling by exactly a half or a
    quarter is several times faster in OpenCV than by nearly so."""
    return float(round(dpi)) if abs(dpi - round(dpi)) < 0.01 else dpi


def _draft_size(size: tuple[int, int], max_pixels: int) -> tuple[int, int]:
    """The smallest size JPEG draft mode may decode to. Draft mode shrinks by 2, 4 or 8 and
    only while the result stays at least this big, so asking for half of ``max_pixels`` gets
    a 48 MP photo decoded at 12 MP and leaves a 20 MP one whole (to be scaled to
    ``max_pixels`` exactly, later)."""
    width, height = size
    if width * height <= max_pixels:
        return size
    shrink = (width * height / (max_pixels / 2)) ** 0.5
    return max(1, int(width / shrink)), max(1, int(height / shrink))


def _grayscale(image: Image.Image) -> np.ndarray:
    """8-bit gray with transparency laid on white paper, and 16-bit scans scaled, not clipped."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), rgba)
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") else max(float(values.max()), 1.0)
        return np.clip(values * (255.0 / top), 0, 255).astype(np.uint8)
    return np.asarray(image if image.mode == "L" else image.convert("L"))


def _square_pixels(pixels: np.ndarray, dpi: tuple[float, float], max_pixels: int) -> Raster:
    """A raster whose pixels are as tall as they are wide: a fine-mode fax (204 x 196 dpi) is
    close enough, a normal-mode one (204 x 98) is stretched to full height, since tesseract
    reads squashed letters badly."""
    x, y = dpi
    if abs(x - y) <= 0.05 * max(x, y):
        return Raster(pixels, (x + y) / 2)
    height, width = pixels.shape
    target = max(x, y)
    if width * height * (target / x) * (target / y) > max_pixels:
        target = min(x, y)  # squeeze the long axis instead of growing past the pixel limit
    size = (max(1, round(width * target / x)), max(1, round(height * target / y)))
    return Raster(cv2.resize(pixels, size, interpolation=cv2.INTER_LINEAR), target)


def _bomb(error: Image.DecompressionBombError) -> PermanentError:
    """Pillow refuses, from the header alone, an image far past any limit Bilag would set."""
    return PermanentError(
        "image_too_large",
        "The image's header declares far more pixels than any scan or photo has, the mark of "
        f"a decompression bomb; it was not decoded ({error})",
    )


def _unreadable(detail: str) -> PermanentError:
    return PermanentError("unreadable_image", f"The image is damaged or not an image ({detail}).")
