"""Scanned pages to positioned words: OpenCV clean-up, then tesseract.

Tesseract reads clean, upright, level text well and everything else a real scan brings badly,
so each page goes through a few cheap steps first, each applied only when a measurement says
the page needs it (times for a 300 dpi A4 page on the 2-core reference machine, where
tesseract itself takes about 0.65 s):

1. *Fit*: a frame far bigger than OCR needs (a 48-megapixel photo) is scaled down.
2. *Flatten* (~30 ms for a 12 MP photo; only when the background is uneven): the background
   is estimated on a ~75 dpi copy by a grey-level closing that erases text, and the page is
   divided by it. That removes a phone's shadow, whose dark half global Otsu (what tesseract
   binarises with) would otherwise turn solid black and lose. The desk round the paper (far
   darker than the paper, and reaching the edge of the picture) is whitened.
3. *Denoise* (~3 ms; only when noisy): a 3x3 median. Not cosmetic: on a page with noise of
   sigma 40 tesseract took 155 s instead of 0.7 s, chasing specks, and read nothing.
4. *Measure* (~5 ms): on a binarised ~75 dpi copy, projection profiles at candidate angles
   find the direction of the text lines, which gives both the skew (to within 0.1 degree on
   test scans) and whether the page lies sideways. A tilt of more than a quarter of a degree
   is removed (~30 ms).
5. *Read*: tesseract, with the page turned as the measurement says. If the read looks wrong
   (low confidence, or tesseract reading vertical words), the page is turned 180 degrees and
   read again and the better read kept; only if both look wrong is tesseract's orientation
   detection (OSD) asked for a third opinion.

Why not OSD on every page: it costs about 0.5 s at 150 dpi, three quarters of a read, and at
100 dpi and below it guessed wrong on test scans. The profile test tells upright from sideways
for free, and on test scans (clean, noisy, blurred, photographed, 100 dpi fax) upright reads
scored 0.85-0.95 mean confidence and upside-down ones 0.34-0.45, so one extra read settles 0
versus 180 (or 90 versus 270) beyond doubt, and is spent only on pages that need it.

Binarisation is left to tesseract's own Otsu, run on the flattened page: an adaptive threshold
of ours made the noisy scans read worse and gained nothing on clean or flattened ones.

Tesseract runs as a subprocess with ``OMP_THREAD_LIMIT=1`` (OpenMP makes it about three times
slower on a 2-core machine), reading an uncompressed TIFF from a temporary directory and
writing TSV to stdout. The CLI is called directly rather than through pytesseract so every
process gets exactly that environment and a deadline without touching ``os.environ``, and so
the page's viewer image can be encoded while tesseract runs. Pages of one document are read
concurrently by a small thread pool, one tesseract process per thread.

Coordinates: tesseract reports pixels of the upright page; tokens are in PDF points (1/72 in)
from the top-left, using the image's stated resolution, or ``OcrOptions.dpi`` (300) when it
states none, which makes a phone photo's page as big as the paper it would be at 300 dpi.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np
from PIL import Image

from models.errors import PermanentError
from models.tokens import Box, PageTokens, Token, TokenSource
from workers.readers.images import Raster, encode_page_image, read_image_frames
from workers.readers.result import PageRead


@dataclass(frozen=True)
class OcrOptions:
    """How scans are read. ``max_ocr_pixels`` is where a bigger frame is scaled down before
    OCR: an A4 page at 300 dpi (8.7 MP) and a 12 MP phone photo pass untouched, a 600 dpi A4
    scan (35 MP) is read at about 360 dpi, plenty for tesseract and a third of the pixels.
    ``tesseract_cmd`` is the executable, found on ``PATH`` unless a path is given.
    ``text_page_images`` renders viewer images of text-layer pages too; the pipeline leaves
    them to :func:`~workers.readers.pdf.render_page_image` on first view, since most invoices
    go through untouched and are never looked at (a scanned page's image costs nothing extra,
    it is the cleaned page OCR saw)."""

    languages: str = "nor+eng"
    dpi: int = 300
    concurrency: int = os.cpu_count() or 1
    max_image_pixels: int = 60_000_000
    page_image_dpi: int = 150
    page_timeout_seconds: float = 120
    max_ocr_pixels: int = 12_500_000
    tesseract_cmd: str = "tesseract"
    text_page_images: bool = True


def read_image(data: bytes, max_pages: int, options: OcrOptions) -> list[PageRead]:
    """One :class:`PageRead` per page of an image file (a TIFF may hold several)."""
    frames = read_image_frames(data, max_pages, options)
    tasks = (
        partial(read_raster, raster, number, options)
        for number, raster in enumerate(frames, start=1)
    )
    return read_concurrently(tasks, options.concurrency)


def read_raster(raster: Raster, number: int, options: OcrOptions) -> PageRead:
    """Page ``number`` read from its pixels: cleaned, turned upright, deskewed, recognised."""
    deadline = time.monotonic() + options.page_timeout_seconds
    pixels, dpi = _fitted(raster, options.max_ocr_pixels)
    pixels, small = _cleaned(pixels, dpi)
    layout = _measure_layout(small)
    level = _deskewed(pixels, layout.skew)
    read = _read_upright(level, dpi, layout.sideways, options, deadline)
    height, width = read.image.shape
    scale = 72.0 / dpi
    page = PageTokens(
        number=number,
        width=width * scale,
        height=height * scale,
        source=TokenSource.OCR,
        tokens=[word.token(number, scale) for word in read.words],
    )
    return PageRead(
        tokens=page,
        image=read.viewer_image,
        image_media_type=read.viewer_media_type,
        rotation=read.rotation,
        skew=layout.skew if level is not pixels else 0.0,
    )


def read_concurrently(tasks: Iterable[Callable[[], PageRead]], concurrency: int) -> list[PageRead]:
    """Run page tasks on ``concurrency`` threads, results in task order.

    ``tasks`` is consumed on the calling thread and only as workers free up, so whatever
    produces a task (decoding a TIFF frame, rendering a PDF page with pdfium, which is not
    thread-safe) runs here, and at most ``concurrency + 1`` pages of pixels exist at once.
    """
    if concurrency <= 1:
        return [task() for task in tasks]
    results: list[PageRead] = []
    pending: deque[Future[PageRead]] = deque()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ocr") as pool:
        try:
            for task in tasks:
                if len(pending) >= concurrency:
                    results.append(pending.popleft().result())
                pending.append(pool.submit(task))
            while pending:
                results.append(pending.popleft().result())
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return results


# --- clean-up -----------------------------------------------------------------------------------

_ANALYSIS_DPI = 75.0  # text lines are still distinct, and a page is only ~0.5 megapixels
_CLOSING = 9  # px at 75 dpi (3 mm): wider than any text stroke, so a closing leaves background
_UNEVEN = 0.85  # background darker than this fraction of the paper's brightness is "shadowed"
_UNEVEN_AREA = 0.10  # ... over this much of the page: a large logo is not a shadow
_DESK = 0.3  # background darker than this fraction of the paper is not paper
_NOISY = 12.0  # median |Laplacian| (about 3 x the noise sigma) above which a page is denoised


def _fitted(raster: Raster, max_pixels: int) -> tuple[np.ndarray, float]:
    """The pixels scaled down to at most ``max_pixels``, with the resolution that leaves."""
    height, width = raster.pixels.shape
    if width * height <= max_pixels:
        return raster.pixels, raster.dpi
    scale = (max_pixels / (width * height)) ** 0.5
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    return cv2.resize(raster.pixels, size, interpolation=cv2.INTER_AREA), raster.dpi * scale


def _cleaned(pixels: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """The page flattened and denoised where measurements call for it, and a ~75 dpi copy of
    it for measuring layout."""
    small = _shrunk(pixels, dpi / _ANALYSIS_DPI)
    background = _background(small)
    paper = max(float(np.percentile(background, 95)), 1.0)
    if np.count_nonzero(background < _UNEVEN * paper) > _UNEVEN_AREA * background.size:
        desk = _desk(background, paper)
        pixels = _flattened(pixels, background, desk)
        small = _flattened(small, background, desk)
    if _noise_level(pixels) > _NOISY:
        pixels = cv2.medianBlur(pixels, 3)
    return pixels, small


def _shrunk(pixels: np.ndarray, factor: float) -> np.ndarray:
    """``pixels`` made ``factor`` times smaller (never larger). A factor within 2 % of a whole
    number is rounded to it: OpenCV's area averaging by exactly 2 or 4 takes 0.2-1.5 ms on
    an A4 page at 300 dpi, by 4.00002 (what 299.9994 dpi gives) 10 ms."""
    if factor <= 1.0:
        return pixels
    if abs(factor - round(factor)) < 0.02 * factor:
        factor = float(round(factor))
    scale = 1.0 / factor
    return cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _background(small: np.ndarray) -> np.ndarray:
    """What the page would look like without its ink: a closing erases dark strokes narrower
    than the kernel, a median smooths what is left."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_CLOSING, _CLOSING))
    return cv2.medianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel), 5)


def _desk(background: np.ndarray, paper: float) -> np.ndarray:
    """Where the photo shows the desk, not paper: regions far darker than the paper that reach
    the edge of the picture (a dark logo in the middle of the page does not)."""
    dark = (background < _DESK * paper).astype(np.uint8)
    count, labels = cv2.connectedComponents(dark, connectivity=4)
    if count <= 1:
        return np.zeros(background.shape, bool)
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    touching = np.unique(edge[edge > 0])
    return np.isin(labels, touching)


def _flattened(image: np.ndarray, background: np.ndarray, desk: np.ndarray) -> np.ndarray:
    """``image`` divided by its background, so paper is white in light and in shadow alike."""
    size = (image.shape[1], image.shape[0])
    full_background = cv2.resize(background, size, interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(image, np.maximum(full_background, 1), scale=255)
    if desk.any():
        full_desk = cv2.resize(desk.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
        flat[full_desk > 0] = 255
    return flat


def _noise_level(pixels: np.ndarray) -> float:
    """Median absolute Laplacian of the middle of the page, about three times the noise's
    standard deviation; text edges are too few to move a median."""
    height, width = pixels.shape
    top, left = max(0, height // 2 - 256), max(0, width // 2 - 256)
    middle = pixels[top : top + 512, left : left + 512]
    return float(np.median(np.abs(cv2.Laplacian(middle, cv2.CV_16S))))


# --- layout: skew and sideways ------------------------------------------------------------------

_MAX_SKEW = 15.0  # degrees either way; beyond this a page is not "skewed", it is turned
_MIN_SKEW = 0.25  # degrees; less than this moves a line by under 3 pt across an A4 page
_SIDEWAYS = 1.3  # vertical profile this much sharper than horizontal: lines run up the page
_MIN_INK_POINTS = 200
_MAX_INK_POINTS = 60_000
_RULE = 25  # px at 75 dpi: ink runs longer than this are table rules, not text


@dataclass(frozen=True)
class _Layout:
    """``skew``: counter-clockwise tilt of the text lines in degrees; ``sideways``: the lines
    run up or down the page, so it was scanned turned 90 or 270 degrees."""

    sideways: bool
    skew: float


def _measure_layout(small: np.ndarray) -> _Layout:
    """Projection profiles of the ink at candidate angles: rows of text make the profile
    peaky when projected along their direction, so the sharpest angle is the text's."""
    xs, ys = _ink_points(small)
    if xs.size < _MIN_INK_POINTS:
        return _Layout(False, 0.0)
    across, across_score = _sharpest(xs, ys, 0.0, _MAX_SKEW, 1.0)
    down, down_score = _sharpest(xs, ys, 90.0, _MAX_SKEW, 1.0)
    sideways = down_score > _SIDEWAYS * across_score
    angle, _ = _sharpest(xs, ys, down if sideways else across, 1.0, 0.1)
    skew = -(angle - (90.0 if sideways else 0.0))
    return _Layout(sideways, round(skew, 2) + 0.0)


def _ink_points(small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of text ink: Otsu-binarised, long horizontal and vertical rules removed
    (a table's lines would otherwise outvote its text), subsampled to bound the work."""
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    for shape in ((_RULE, 1), (1, _RULE)):
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, shape)
        ink = cv2.subtract(ink, cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel))
    ys, xs = np.nonzero(ink)
    step = max(1, xs.size // _MAX_INK_POINTS)
    return xs[::step].astype(np.float32), ys[::step].astype(np.float32)


def _sharpest(
    xs: np.ndarray, ys: np.ndarray, center: float, span: float, step: float
) -> tuple[float, float]:
    """The angle in ``center ± span`` whose projection profile has the most energy."""
    best_angle, best_score = center, -1.0
    for angle in np.arange(center - span, center + span + step / 2, step):
        score = _profile_energy(xs, ys, float(angle))
        if score > best_score:
            best_angle, best_score = float(angle), score
    return best_angle, best_score


def _profile_energy(xs: np.ndarray, ys: np.ndarray, degrees: float) -> float:
    radians = np.deg2rad(degrees)
    positions = ys * np.cos(radians) - xs * np.sin(radians)
    profile = np.bincount((positions - positions.min()).astype(np.int32))
    return float(np.dot(profile, profile))


def _deskewed(pixels: np.ndarray, skew: float) -> np.ndarray:
    """The page turned clockwise by ``skew`` degrees, white where the corners come in; the
    same array when the tilt is too small to matter."""
    if abs(skew) < _MIN_SKEW:
        return pixels
    height, width = pixels.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -skew, 1.0)
    return cv2.warpAffine(
        pixels,
        matrix,
        (width, height),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )


def _turned(pixels: np.ndarray, clockwise: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(pixels, codes[clockwise]) if clockwise in codes else pixels


# --- orientation --------------------------------------------------------------------------------

_MIN_WORDS_TO_JUDGE = 8  # fewer words than this: a blank page, nothing a turn could improve
_GOOD_CONFIDENCE = 0.70  # upright test scans read at 0.85-0.95, upside-down ones at 0.34-0.45
_MAX_TALL_WORDS = 0.5  # tesseract reads sideways lines as tall words
_OSD_DPI = 150.0  # below this OSD guessed wrong on test scans; above, it only gets slower
_OSD_MIN_CONFIDENCE = 2.0  # right answers scored 10-12, wrong ones under 1


@dataclass(frozen=True)
class _Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float  # 0..1

    def token(self, page: int, scale: float) -> Token:
        box = Box(
            self.left * scale,
            self.top * scale,
            (self.left + self.width) * scale,
            (self.top + self.height) * scale,
        )
        return Token(self.text, box, page, self.confidence, TokenSource.OCR)


@dataclass(frozen=True)
class _Read:
    """One tesseract pass over the page turned ``rotation`` degrees clockwise."""

    rotation: int
    image: np.ndarray
    words: list[_Word]
    viewer_image: bytes
    viewer_media_type: str

    @property
    def quality(self) -> float:
        """Mean word confidence weighted by length, so a page of confident one-letter specks
        does not outscore a page of real words."""
        letters = sum(len(word.text) for word in self.words)
        if not letters:
            return 0.0
        return sum(word.confidence * len(word.text) for word in self.words) / letters

    @property
    def looks_right(self) -> bool:
        if len(self.words) < _MIN_WORDS_TO_JUDGE:
            return True
        long_words = [word for word in self.words if len(word.text) >= 4]
        tall = sum(1 for word in long_words if word.height > word.width)
        return self.quality >= _GOOD_CONFIDENCE and tall <= _MAX_TALL_WORDS * len(long_words)


def _read_upright(
    level: np.ndarray, dpi: float, sideways: bool, options: OcrOptions, deadline: float
) -> _Read:
    """The best read of the page over the turns worth trying, cheapest guess first."""
    first = _read_turned(level, 90 if sideways else 0, dpi, options, deadline)
    if first.looks_right:
        return first
    second = _read_turned(level, (first.rotation + 180) % 360, dpi, options, deadline)
    best = max(first, second, key=lambda read: read.quality)
    if best.looks_right:
        return best
    suggested = _osd_rotation(level, dpi, options, deadline)
    if suggested is None or suggested in (first.rotation, second.rotation):
        return best
    third = _read_turned(level, suggested, dpi, options, deadline)
    return max(best, third, key=lambda read: read.quality)


def _read_turned(
    level: np.ndarray, rotation: int, dpi: float, options: OcrOptions, deadline: float
) -> _Read:
    upright = _turned(level, rotation)
    arguments = ["-l", options.languages, "--psm", "3", "tsv"]
    with _Tesseract(upright, dpi, arguments, options, deadline) as tesseract:
        # Encoded while tesseract runs: on a machine with a core to spare, nearly free.
        viewer, media_type = _viewer_image(upright, dpi, options.page_image_dpi)
        words = _parse_tsv(tesseract.output())
    return _Read(rotation, upright, words, viewer, media_type)


def _osd_rotation(
    level: np.ndarray, dpi: float, options: OcrOptions, deadline: float
) -> int | None:
    """Tesseract's clockwise turn to make the page upright, if it is sure of one."""
    small = _shrunk(level, dpi / _OSD_DPI)
    small_dpi = dpi * small.shape[1] / level.shape[1]
    with _Tesseract(small, small_dpi, ["--psm", "0"], options, deadline) as tesseract:
        output = tesseract.output(check=False)
    facts = dict(line.split(": ", 1) for line in output.splitlines() if ": " in line)
    try:
        rotation = int(facts["Rotate"]) % 360
        confidence = float(facts["Orientation confidence"])
    except (KeyError, ValueError):
        return None  # "Too few characters": nothing to decide on
    return rotation if confidence >= _OSD_MIN_CONFIDENCE else None


def _viewer_image(upright: np.ndarray, dpi: float, viewer_dpi: float) -> tuple[bytes, str]:
    return encode_page_image(Image.fromarray(_shrunk(upright, dpi / viewer_dpi)))


def _parse_tsv(tsv: str) -> list[_Word]:
    """Words (level 5 rows) in tesseract's order: block, paragraph, line, word."""
    words = []
    for row in tsv.splitlines()[1:]:
        fields = row.split("\t", 11)
        if len(fields) < 12 or fields[0] != "5":
            continue
        text = fields[11].strip()
        if not text:
            continue
        left, top, width, height = (int(value) for value in fields[6:10])
        confidence = min(max(float(fields[10]) / 100.0, 0.0), 1.0)
        words.append(_Word(text, left, top, width, height, confidence))
    return words


# --- the tesseract process ----------------------------------------------------------------------

_TESSERACT_DPI_RANGE = (70, 2400)  # tesseract rejects resolutions outside this
_UNCOMPRESSED_TIFF = [cv2.IMWRITE_TIFF_COMPRESSION, 1]


class _Tesseract:
    """One tesseract process reading one image, started on entry so the caller can do other
    work while it runs, killed on exit if still running, its temporary image removed."""

    def __init__(
        self,
        image: np.ndarray,
        dpi: float,
        arguments: list[str],
        options: OcrOptions,
        deadline: float,
    ) -> None:
        self.image = image
        self.dpi = min(max(round(dpi), _TESSERACT_DPI_RANGE[0]), _TESSERACT_DPI_RANGE[1])
        self.arguments = arguments
        self.options = options
        self.deadline = deadline
        self.folder: tempfile.TemporaryDirectory[str] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> _Tesseract:
        self.folder = tempfile.TemporaryDirectory(prefix="bilag-ocr-")
        try:
            self.process = self._start(Path(self.folder.name) / "page.tif")
        except BaseException:
            self.folder.cleanup()
            raise
        return self

    def _start(self, path: Path) -> subprocess.Popen[bytes]:
        # Uncompressed TIFF: 10 ms to write and the fastest for tesseract to load. PNG costs
        # 50 ms to write; PGM is as quick to write but leptonica parses it ~60 ms slower.
        if not cv2.imwrite(str(path), self.image, _UNCOMPRESSED_TIFF):
            raise OSError(f"could not write {path}")
        command = [self.options.tesseract_cmd, str(path), "stdout", "--dpi", str(self.dpi)]
        try:
            return subprocess.Popen(
                [*command, *self.arguments],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            )
        except (FileNotFoundError, PermissionError) as error:
            raise PermanentError(
                "ocr_unavailable",
                f"OCR is not available: tesseract could not be started ({error}).",
            ) from error

    def output(self, check: bool = True) -> str:
        """Tesseract's stdout, waiting at most until the page's deadline."""
        assert self.process is not None
        try:
            stdout, stderr = self.process.communicate(timeout=self._remaining())
        except subprocess.TimeoutExpired as error:
            raise self._timed_out() from error
        if check and self.process.returncode != 0:
            raise _tesseract_failure(stderr.decode(errors="replace"))
        return stdout.decode(errors="replace")

    def _remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._timed_out()
        return remaining

    def _timed_out(self) -> PermanentError:
        limit = self.options.page_timeout_seconds
        return PermanentError("ocr_timeout", f"OCR of a page took longer than {limit:g} s.")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
        if self.folder is not None:
            self.folder.cleanup()


def _tesseract_failure(stderr: str) -> PermanentError:
    """A missing language is an installation problem, anything else the page's."""
    detail = " ".join(stderr.split())[-300:]
    if "Failed loading language" in stderr or "Could not initialize tesseract" in stderr:
        return PermanentError("ocr_unavailable", f"OCR is not available: {detail}")
    return PermanentError("ocr_failed", f"Tesseract could not read the page: {detail}")
