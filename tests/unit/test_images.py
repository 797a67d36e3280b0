import io
import time

import numpy as np
import pytest
from PIL import Image

from models.errors import PermanentError
from tests.scans import (
    a_png_bomb,
    jpeg_bytes,
    jpeg_with_exif_orientation,
    tiff_bytes,
    truncated,
    webp_bytes,
)
from workers.readers.images import count_image_pages, read_image_frames
from workers.readers.ocr import OcrOptions
from workers.sample_scans import png_bytes

OPTIONS = OcrOptions(dpi=300, max_image_pixels=60_000_000)


def _a_portrait_page(width: int = 200, height: int = 300) -> np.ndarray:
    """White paper with a black bar across the top, so up and down can be told apart."""
    page = np.full((height, width), 255, np.uint8)
    page[10:30, 20 : width - 20] = 0
    return page


def _frames(data: bytes, max_pages: int = 10, options: OcrOptions = OPTIONS):
    return list(read_image_frames(data, max_pages, options))


def _encoded(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def test_a_decompression_bomb_is_refused_from_its_header_in_milliseconds():
    # given a PNG of 20,000 x 20,000 pixels that is only tens of kilobytes on disk
    bomb = a_png_bomb(20_000, 20_000)
    assert len(bomb) < 100_000
    # when it is counted and read
    started = time.perf_counter()
    with pytest.raises(PermanentError) as counted:
        count_image_pages(bomb, OPTIONS)
    with pytest.raises(PermanentError) as read:
        _frames(bomb)
    elapsed = time.perf_counter() - started
    # then both refuse it as too large, without spending time decoding 400 megapixels
    assert counted.value.code == read.value.code == "image_too_large"
    assert elapsed < 0.5


def test_a_frame_above_the_configured_pixel_limit_is_refused_with_its_size():
    # given a scan of 2,000 x 3,000 pixels and a limit of 5 megapixels per page
    data = png_bytes(_a_portrait_page(2_000, 3_000))
    options = OcrOptions(max_image_pixels=5_000_000)
    # when it is read
    with pytest.raises(PermanentError) as caught:
        _frames(data, options=options)
    # then the message says how big it is and what the limit is
    assert caught.value.code == "image_too_large"
    assert "2000 x 3000" in caught.value.message
    assert "5 megapixels" in caught.value.message


def test_a_large_second_page_in_a_tiff_is_refused_before_the_first_is_decoded():
    # given a TIFF whose second page is over the limit
    data = tiff_bytes([_a_portrait_page(), _a_portrait_page(3_000, 3_000)])
    frames = read_image_frames(data, 10, OcrOptions(max_image_pixels=1_000_000))
    # when the first page is asked for
    with pytest.raises(PermanentError) as caught:
        next(frames)
    # then the whole file is refused at once, not after OCR of page one
    assert caught.value.code == "image_too_large"
    assert "Page 2" in caught.value.message


def test_a_truncated_jpeg_is_unreadable():
    # given the first half of a JPEG, as an interrupted upload leaves it
    data = truncated(jpeg_bytes(_a_portrait_page(400, 600)))
    # when it is read
    with pytest.raises(PermanentError) as caught:
        _frames(data)
    # then it fails permanently as unreadable
    assert caught.value.code == "unreadable_image"


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"GIF89a" + b"\x00" * 40],
    ids=["empty", "text", "png-signature-only", "gif"],
)
def test_bytes_that_are_not_an_accepted_image_are_unreadable(data):
    with pytest.raises(PermanentError) as counted:
        count_image_pages(data, OPTIONS)
    with pytest.raises(PermanentError) as read:
        _frames(data)
    assert counted.value.code == read.value.code == "unreadable_image"


def test_each_tiff_frame_is_a_page():
    # given a three-page TIFF
    data = tiff_bytes([_a_portrait_page(), _a_portrait_page(), _a_portrait_page()])
    # when it is counted and read
    # then there are three pages of gray pixels
    assert count_image_pages(data, OPTIONS) == 3
    frames = _frames(data)
    assert len(frames) == 3
    assert all(frame.pixels.shape == (300, 200) for frame in frames)
    assert all(frame.pixels.dtype == np.uint8 for frame in frames)


def test_more_tiff_frames_than_allowed_is_refused():
    data = tiff_bytes([_a_portrait_page()] * 3)
    with pytest.raises(PermanentError) as caught:
        _frames(data, max_pages=2)
    assert caught.value.code == "too_many_pages"
    assert "3 pages" in caught.value.message


def test_a_group_4_fax_tiff_decodes_to_gray_pages():
    # given a two-page bilevel TIFF compressed as fax servers do, at fine resolution
    bilevel = Image.fromarray(_a_portrait_page()).convert("1")
    data = _encoded(
        bilevel,
        "TIFF",
        save_all=True,
        append_images=[bilevel],
        compression="group4",
        dpi=(204, 196),
    )
    # when it is read
    frames = _frames(data)
    # then each page is black ink on white, with a resolution close enough to square to keep
    assert [frame.pixels.shape for frame in frames] == [(300, 200), (300, 200)]
    assert all(frame.pixels[15, 100] == 0 and frame.pixels[100, 100] == 255 for frame in frames)
    assert all(frame.dpi == pytest.approx(200) for frame in frames)


def test_the_extra_frames_of_a_phone_jpeg_are_not_pages():
    # given an MPO, what many phones write as .jpg: the photo plus a preview
    photo, preview = Image.new("L", (300, 200), 255), Image.new("L", (100, 100), 0)
    data = _encoded(photo, "MPO", save_all=True, append_images=[preview])
    # when it is read
    # then it is one page, the photo
    assert count_image_pages(data, OPTIONS) == 1
    assert [frame.pixels.shape for frame in _frames(data)] == [(200, 300)]


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_is_honoured(orientation):
    # given a photo stored turned, with the EXIF tag a phone writes to say so
    page = _a_portrait_page()
    data = jpeg_with_exif_orientation(page, orientation)
    # when it is read
    (frame,) = _frames(data)
    # then it comes out as the page was: portrait, bar at the top
    assert frame.pixels.shape == page.shape
    assert frame.pixels[10:30, 40:160].mean() < 60
    assert frame.pixels[-30:-10, 40:160].mean() > 200


def test_jpeg_png_and_webp_decode_to_the_same_page():
    page = _a_portrait_page()
    for data in (jpeg_bytes(page, quality=95), png_bytes(page), webp_bytes(page)):
        (frame,) = _frames(data)
        assert frame.pixels.shape == page.shape
        assert np.abs(frame.pixels.astype(int) - page).mean() < 4


def test_transparent_pixels_are_paper_not_ink():
    # given a PNG whose background is transparent black, as some tools export
    rgba = np.zeros((300, 200, 4), np.uint8)
    rgba[10:30, 20:180] = (0, 0, 0, 255)  # opaque black bar, everything else transparent
    data = _encoded(Image.fromarray(rgba, "RGBA"), "PNG")
    # when it is read
    (frame,) = _frames(data)
    # then the transparent part is white and the bar black
    assert frame.pixels[100:200].min() == 255
    assert frame.pixels[15, 100] == 0


def test_a_16_bit_scan_is_scaled_to_8_bits_not_clipped():
    # given a 16-bit grayscale scan whose paper is at 60,000 of 65,535
    pixels = np.full((300, 200), 60_000, np.uint16)
    pixels[10:30, 20:180] = 1_000
    data = _encoded(Image.fromarray(pixels), "PNG")
    # when it is read
    (frame,) = _frames(data)
    # then paper is light gray and the bar dark, not both white
    assert 225 <= frame.pixels[200, 100] <= 236
    assert frame.pixels[15, 100] < 10


def test_the_stated_resolution_is_used_and_a_placeholder_is_not():
    page = _a_portrait_page()
    (stated,) = _frames(png_bytes(page, dpi=200))
    (placeholder,) = _frames(jpeg_bytes(page, dpi=72))
    (unstated,) = _frames(png_bytes(page))
    assert stated.dpi == pytest.approx(200, abs=0.5)
    assert placeholder.dpi == unstated.dpi == OPTIONS.dpi


def test_a_photo_far_bigger_than_ocr_needs_is_decoded_smaller():
    # given a 48-megapixel phone photo without a stated resolution
    data = jpeg_bytes(np.full((6000, 8000), 255, np.uint8), quality=50)
    # when it is read with OCR wanting at most 12.5 megapixels
    (frame,) = _frames(data, options=OcrOptions(max_ocr_pixels=12_500_000))
    # then JPEG draft mode decoded it at half size, and the assumed 300 dpi halved with it
    assert frame.pixels.shape == (3000, 4000)
    assert frame.dpi == pytest.approx(150)


def test_a_normal_mode_fax_is_stretched_to_square_pixels():
    # given a fax page at 204 x 98 dpi: 8.27 in wide, 11.69 in tall
    fax = np.full((1146, 1728), 255, np.uint8)
    data = _encoded(Image.fromarray(fax), "TIFF", dpi=(204, 98))
    # when it is read
    (frame,) = _frames(data)
    # then its pixels are square at the finer resolution, so letters keep their shape
    assert frame.dpi == pytest.approx(204)
    assert frame.pixels.shape == (pytest.approx(2386, abs=1), 1728)
