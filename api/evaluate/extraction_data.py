"""The invoices field extraction is measured on: pages as Bilag reads them, truth as recorded.

Three sources, each turned into :class:`EvalCase` records (pages plus canonical truth):

* ``zugferd``: the ZUGFeRD/Factur-X corpus. Pages are the *visible* PDF only, read as the
  pipeline reads a plain PDF (text layer, OCR for a page without one); the embedded XML is
  never shown to the extractor. Header truth is ``zugferd/ground_truth.csv``, line truth the
  embedded XML the corpus extracted beside it.
* ``fr_invoices``: rendered French invoices (240 staged, six of the nine templates), OCR'd
  from their JPEGs.
  Header truth is ``manifest.csv``, line truth the per-invoice XML. Fields a template does not
  print are left out of its truth (see :data:`_FR_NOT_PRINTED`), since no reader could find them.
* ``generated`` / ``generated_scans``: the synthetic Norwegian invoices of
  ``workers.invoice_generator``, from their text layer or from OCR of a simulated scan.

Truth leaves out what a source does not record (never ``None``), so a scorer can tell "the
extractor missed it" from "nobody knows". Reading is the slow part (tesseract takes 1-2 s a
page), so every read goes through :class:`TokenCache`, and each loader first reads everything
not yet cached in parallel (:func:`warm_cache`); a second run does no OCR at all.

Each loader is split into a ``*_sources`` function (names, layouts, truth: fast, no reading)
and a ``*_cases`` function that adds pages, so truth can be checked without OCR.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from models.canonical_fields import canonical_truth
from models.errors import PermanentError
from models.settings import get_settings
from models.tokens import PageTokens
from workers.readers import ReadOptions, reader_for
from workers.readers.einvoice import parse_einvoice
from workers.readers.pdf import read_pdf
from workers.readers.pdf_text import read_pdf_pages

PDF = "application/pdf"
JPEG = "image/jpeg"

_CACHE_FORMAT = 5
"""Bump when what a cached read means changes (a reader fix, a new token field): old entries
then miss and are read again instead of being trusted."""
_POOL_FROM = 4
"""Fewer uncached files than this are read in-process: starting workers costs more than it saves."""


@dataclass(frozen=True)
class EvalCase:
    """One invoice to extract: its pages and the canonical truth the extraction is scored on."""

    name: str  # stable id, "<dataset>/<path or generator name>"
    dataset: str  # "zugferd" | "fr_invoices" | "generated" | "generated_scans"
    layout: str  # template group, for leave-one-layout-out and layout teaching
    pages: list[PageTokens]
    truth: dict[str, Any]  # canonical_truth() form; what the source does not record is absent
    path: Path | None  # source file, for teaching and diagnostics


@dataclass(frozen=True)
class CaseSource:
    """A case before its pages are read: everything but the slow part.

    ``data`` holds the bytes of a document that exists only in memory (a generated invoice);
    otherwise they are read from ``path`` when needed, so listing 240 sources costs nothing.
    """

    name: str
    dataset: str
    layout: str
    media_type: str
    truth: dict[str, Any]
    path: Path | None = None
    data: bytes | None = None
    text_only_pdf: bool = False

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.path is None:
            raise ValueError(f"case {self.name} has neither bytes nor a file")
        return self.path.read_bytes()

    def case(self, cache: TokenCache) -> EvalCase:
        pages = cache.pages(self.read_bytes(), self.media_type, text_only_pdf=self.text_only_pdf)
        return EvalCase(self.name, self.dataset, self.layout, pages, self.truth, self.path)


# --- reading, cached ------------------------------------------------------------------------

PageReader = Callable[[bytes, str, ReadOptions, bool], list[PageTokens]]
"""``(data, media_type, options, text_only_pdf) -> pages``; injectable so tests need no OCR."""


def read_pages(
    data: bytes, media_type: str, options: ReadOptions, text_only_pdf: bool
) -> list[PageTokens]:
    """The pages a document shows, never what an attached e-invoice says.

    A PDF goes through :func:`read_pdf`, the plain-PDF path of the PDF reader (text layer, OCR
    for scanned pages), not :func:`read_pdf_document`, which also parses embedded Factur-X: an
    evaluation that let the extractor see that XML would measure the XML. ``text_only_pdf``
    reads the text layer alone (no pdfium, no OCR), enough for generated PDFs.
    """
    if media_type == PDF:
        if text_only_pdf:
            return read_pdf_pages(data, options.max_pages)
        return [page.tokens for page in read_pdf(data, options.max_pages, options.ocr)]
    reader = reader_for(media_type)
    if reader is None or not media_type.startswith("image/"):
        raise ValueError(f"{media_type} is not a page format (PDF or image)")
    return [page.tokens for page in reader.read(data, options).pages]


class TokenCache:
    """Reader output per (file sha256, media type, reader settings) as JSON files.

    Pages are handed back as they round-trip through JSON (boxes to 0.01 pt, confidences to
    three decimals) even on the read that fills the cache, so a first and a second evaluation
    run see identical tokens and score identically.
    """

    def __init__(
        self,
        directory: Path,
        *,
        options: ReadOptions | None = None,
        reader: PageReader = read_pages,
    ) -> None:
        self.directory = directory
        self.reader = reader
        self._options = options

    @property
    def options(self) -> ReadOptions:
        """Built on first use, so listing cases never loads settings."""
        if self._options is None:
            self._options = ReadOptions.from_settings(get_settings())
        return self._options

    def key(self, data: bytes, media_type: str, *, text_only_pdf: bool = False) -> str:
        """Changes with anything that changes the tokens: the bytes, how they are taken, the
        OCR languages and resolution, and :data:`_CACHE_FORMAT` (not with concurrency)."""
        ocr = self.options.ocr
        parts = (
            hashlib.sha256(data).hexdigest(),
            media_type,
            ocr.languages,
            str(ocr.dpi),
            str(ocr.max_ocr_pixels),
            "text-only" if text_only_pdf else "pages",
            f"v{_CACHE_FORMAT}",
        )
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def cached(self, key: str) -> list[PageTokens] | None:
        """The cached pages, or None for a miss; an unreadable or stale entry is a miss, to be
        read again, not an error."""
        try:
            stored = json.loads(self._path(key).read_text(encoding="utf-8"))
            if stored.get("format") != _CACHE_FORMAT:
                return None
            return [PageTokens.from_json(page) for page in stored["pages"]]
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def store(self, key: str, pages: Sequence[dict[str, Any]]) -> None:
        """Written to a temporary file and renamed, so a killed run never leaves half a file
        that a later run would have to distrust."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"format": _CACHE_FORMAT, "pages": list(pages)}, ensure_ascii=False)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".part", delete=False
        ) as handle:
            try:
                handle.write(body)
            except BaseException:
                handle.close()
                os.unlink(handle.name)
                raise
        os.replace(handle.name, path)

    def pages(
        self, data: bytes, media_type: str, *, text_only_pdf: bool = False
    ) -> list[PageTokens]:
        key = self.key(data, media_type, text_only_pdf=text_only_pdf)
        pages = self.cached(key)
        if pages is None:
            read = self.reader(data, media_type, self.options, text_only_pdf)
            self.store(key, [page.to_json() for page in read])
            pages = self.cached(key)
            if pages is None:
                raise OSError(f"the token cache in {self.directory} cannot be written")
        return pages

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"


def default_cache_dir() -> Path:
    """``$BILAG_CACHE_DIR``, else ``~/.cache/bilag/tokens``: outside the checkout, so a clean
    clone or ``git clean`` does not throw away an hour of OCR."""
    configured = os.environ.get("BILAG_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "bilag" / "tokens"


def warm_cache(
    items: Sequence[tuple[bytes, str]],
    cache: TokenCache,
    progress: Callable[[int], None] | None = None,
    *,
    text_only_pdf: bool = False,
) -> None:
    """Read every ``(data, media_type)`` not yet cached, in ``os.cpu_count()`` processes when
    there are more than a few.

    Processes, not threads: the PDF text layer is pure-Python pdfplumber, which holds the GIL.
    Each worker reads one page at a time (OCR concurrency 1), so there are as many tesseracts
    as cores rather than cores squared. ``progress`` is called with how many of the distinct
    items are in the cache: once at the start, then after each read.
    """
    todo: dict[str, tuple[bytes, str]] = {}
    seen: set[str] = set()
    for data, media_type in items:
        key = cache.key(data, media_type, text_only_pdf=text_only_pdf)
        if key not in seen and cache.cached(key) is None:
            todo[key] = (data, media_type)
        seen.add(key)
    done = len(seen) - len(todo)
    report = progress or (lambda _done: None)
    report(done)
    workers = os.cpu_count() or 1
    if len(todo) < _POOL_FROM or workers == 1:
        for key, (data, media_type) in todo.items():
            read = _read_as_json(cache.reader, data, media_type, cache.options, text_only_pdf)
            cache.store(key, read)
            done += 1
            report(done)
        return
    options = dataclasses.replace(
        cache.options, ocr=dataclasses.replace(cache.options.ocr, concurrency=1)
    )
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(_read_as_json, cache.reader, data, media_type, options, text_only_pdf): key
            for key, (data, media_type) in todo.items()
        }
        for future in as_completed(futures):
            cache.store(futures[future], future.result())
            done += 1
            report(done)


def _read_as_json(
    reader: PageReader, data: bytes, media_type: str, options: ReadOptions, text_only_pdf: bool
) -> list[dict[str, Any]]:
    """Runs in a worker process; JSON rather than dataclasses crosses back, it is what is stored."""
    return [page.to_json() for page in reader(data, media_type, options, text_only_pdf)]


def cases_from(
    sources: Sequence[CaseSource],
    cache: TokenCache,
    progress: Callable[[int], None] | None = None,
) -> Iterator[EvalCase]:
    """The sources with their pages, after reading every uncached one in parallel."""
    for text_only in (False, True):
        group = [source for source in sources if source.text_only_pdf is text_only]
        if group:
            warm_cache(sources_bytes(group), cache, progress, text_only_pdf=text_only)
    for source in sources:
        yield source.case(cache)


# --- zugferd --------------------------------------------------------------------------------

ZUGFERD_TABLE = Path("zugferd/ground_truth.csv")

_ZUGFERD_HEADER = {
    "invoice_number": "invoice_number",
    "currency": "currency",
    "supplier_name": "supplier_name",
    "supplier_vat_number": "supplier_vat",
    "buyer_name": "buyer_name",
    "buyer_reference": "buyer_reference",
    "po_number": "order_reference",
    "net_amount": "net_total",
    "vat_amount": "vat_total",
    "total_amount": "gross_total",
    "amount_due": "payable_amount",
}
"""Canonical field -> ground_truth.csv column, where the value needs no conversion."""

_ZUGFERD_LAYOUTS: tuple[tuple[str, str], ...] = (
    ("XML-Rechnung/FX/", "FX"),
    ("/Mustangproject/", "Mustangproject"),
    ("/MustangRE-", "Mustangproject"),
    ("/python-factur-x/", "Mustangproject"),
    ("ZUGFeRDv1/correct/Intarsys/", "Intarsys-ZUGFeRD1"),
    ("ZUGFeRDv1/correct/4s4u/", "Intarsys-ZUGFeRD1"),
    ("ZUGFeRDv2/correct/intarsys/", "intarsys-ZUGFeRD2"),
    ("/symtrax/", "symtrax"),
    ("_fully_compliant_complete", "fully_compliant_complete"),
)
"""Path fragment -> layout, first match wins.

A layout is a visual template. That is mostly the producer folder after ``correct/`` or
``fail/``, with these corrections, checked on the pages' text:

* ``python-factur-x`` and ``MustangRE-...ZUGFeRD1and2`` are the Mustang (GnuAccounting) sample
  page with other XML attached;
* ``4s4u`` is the same page as Intarsys's ZUGFeRD 1 "Warenrechnung";
* Intarsys's ZUGFeRD 1 examples are printed invoices, its ZUGFeRD 2 ones the output of an
  XML-to-PDF stylesheet: two layouts;
* the two ``ZUGFeRD_2*_fully_compliant_complete`` files, loose in ``fail/``, share one page.

Other paths fall back to the producer folder, else the file stem. intarsys-ZUGFeRD2, symtrax and
FX render the same FeRD business cases: different layouts, near-identical content."""


def zugferd_sources(root: Path) -> list[CaseSource]:
    """One source per ground-truth row whose PDF is staged, ``fail/`` rows included (their path
    says so; many still show a readable invoice).

    A PDF with two invoice XMLs (ZUGFeRD 1 and 2) has two rows and so two cases, named
    ``...pdf#<xml file>``.
    """
    table = root / ZUGFERD_TABLE
    rows = [row for row in _read_csv(table) if (table.parent / row["pdf"]).is_file()]
    per_pdf: dict[str, int] = {}
    for row in rows:
        per_pdf[row["pdf"]] = per_pdf.get(row["pdf"], 0) + 1
    sources = []
    for row in rows:
        relative = PurePosixPath(row["pdf"]).relative_to("files")
        name = f"zugferd/{relative}"
        if per_pdf[row["pdf"]] > 1:
            name += f"#{PurePosixPath(row['embedded_xml']).name}"
        sources.append(
            CaseSource(
                name=name,
                dataset="zugferd",
                layout=zugferd_layout(str(relative)),
                media_type=PDF,
                truth=zugferd_truth(row, table.parent / row["embedded_xml"]),
                path=table.parent / row["pdf"],
            )
        )
    return sources


def zugferd_cases(root: Path, cache: TokenCache) -> Iterator[EvalCase]:
    return cases_from(zugferd_sources(root), cache)


def zugferd_layout(relative_pdf: str) -> str:
    """The visual template of a PDF from its path under ``files/``; see ``_ZUGFERD_LAYOUTS``."""
    path = f"/{relative_pdf}"
    for fragment, layout in _ZUGFERD_LAYOUTS:
        if fragment in path:
            return layout
    parts = PurePosixPath(relative_pdf).parts
    for split in ("correct", "fail"):
        if split in parts and parts.index(split) + 2 < len(parts):
            return parts[parts.index(split) + 1]
    return PurePosixPath(relative_pdf).stem


def zugferd_truth(row: dict[str, str], xml_path: Path) -> dict[str, Any]:
    """Header truth from a ground-truth row, lines from the embedded XML beside it.

    Lines are left out when the XML has none (MINIMUM and BASIC WL profiles carry only totals,
    so nobody recorded the lines) or cannot be parsed. A line's ``unit`` is the XML's UN/ECE
    rec 20 code (``C62``, ``HUR``), which a page may print only in words.
    """
    raw: dict[str, Any] = {name: row.get(column) for name, column in _ZUGFERD_HEADER.items()}
    type_code = (row.get("type_code") or "").strip()
    if type_code:
        raw["document_type"] = "credit_note" if type_code == "381" else "invoice"
    raw["invoice_date"] = _date_102(row.get("issue_date"))
    raw["due_date"] = _date_102(row.get("due_date"))
    truth = _present(canonical_truth({k: v for k, v in raw.items() if v and str(v).strip()}))
    lines = _zugferd_lines(xml_path)
    if lines:
        truth["lines"] = canonical_truth({"lines": lines})["lines"]
    return truth


def _zugferd_lines(xml_path: Path) -> list[dict[str, Any]]:
    """The XML's lines, if they agree with its own line total (BT-106, else the net total).

    A line without an amount is a heading or note (ZUGFeRD 1 EXTENDED has those), not a line.
    Where the rest do not add up, they are not truth: the early Mustang samples (RE-20140703_502,
    RE-20150613_503) put gross amounts in the line totals while the page prints net ones, the
    Konik sample has no line amounts, and ``fail1`` has a deliberately broken line.
    """
    try:
        invoice = parse_einvoice(xml_path.read_bytes())
    except (OSError, PermanentError):
        return []
    lines = [line for line in invoice.lines if line.net_amount is not None]
    expected = invoice.line_total if invoice.line_total is not None else invoice.net_amount
    if expected is None or sum((line.net_amount for line in lines), Decimal(0)) != expected:
        return []
    return [
        {
            "description": _nfc(line.description),
            "item_code": line.item_code,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.unit_price,
            "vat_rate": line.vat_rate,
            "amount": line.net_amount,
        }
        for line in lines
    ]


def _nfc(text: str | None) -> str | None:
    """Composed Unicode: some generators write "u" + combining diaeresis, pages show "ü"."""
    return unicodedata.normalize("NFC", text) if text is not None else None


def _date_102(text: str | None) -> str | None:
    """A CII format-102 date (``YYYYMMDD``) as ISO text, which :func:`canonical_value` reads."""
    text = (text or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{8}", text):
        raise ValueError(f"{text!r} is not a YYYYMMDD date")
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


# --- fr_invoices ----------------------------------------------------------------------------

FR_MANIFEST = Path("fr_invoices/manifest.csv")

_FR_HEADER = {
    "invoice_number": "invoice_number",
    "po_number": "po_number",
    "net_amount": "net_total",
    "vat_amount": "vat_total",
    "total_amount": "gross_total_corrected",  # total_amount_as_labelled is the VAT, upstream bug
}

_FR_NOT_PRINTED: dict[str, frozenset[str]] = {
    "1": frozenset({"item_code"}),
    "2": frozenset({"item_code", "unit"}),
    "3": frozenset({"item_code", "unit"}),
    "4": frozenset({"item_code", "unit", "vat_rate"}),
    "5": frozenset({"po_number", "item_code", "unit", "vat_rate"}),
    "6": frozenset({"item_code", "unit", "vat_rate"}),
}
"""Per template ("model"), the fields and line keys its page does not show, found by looking at
the images and confirmed by the authors' token labels (no PO_NUMBER label on any model-5
invoice, LINE/TAX only on models 1-3, LINE/UOM only on model 1). The XML still holds them,
but truth is what a reader of the page could know. The XML has no item codes at all (model 5
prints some references, which therefore cannot be scored)."""

_FR_TAX_RATE = re.compile(r"(\d+(?:[.,]\d+)?)\s*%")


def fr_invoice_sources(root: Path) -> list[CaseSource]:
    """One source per manifest row whose JPEG is staged; layout ``model_<n>``.

    ``supplier_or_partner`` is not used: on these Odoo customer invoices it is the customer
    (see SOURCE.md), so it is neither our supplier nor reliably our buyer.
    """
    manifest = root / FR_MANIFEST
    base = manifest.parent
    return [
        CaseSource(
            name=f"fr_invoices/{row['image']}",
            dataset="fr_invoices",
            layout=f"model_{row['model']}",
            media_type=JPEG,
            truth=fr_invoice_truth(row, base / row["xml"]),
            path=base / row["image"],
        )
        for row in _read_csv(manifest)
        if (base / row["image"]).is_file()
    ]


def fr_invoice_cases(root: Path, cache: TokenCache) -> Iterator[EvalCase]:
    return cases_from(fr_invoice_sources(root), cache)


def fr_invoice_truth(row: dict[str, str], xml_path: Path) -> dict[str, Any]:
    """Header truth from a manifest row, lines from the invoice's XML.

    Every invoice is in euro (the sign is printed; only some XMLs say so), hence ``EUR``
    throughout.
    """
    hidden = _FR_NOT_PRINTED.get(row["model"], frozenset())
    raw: dict[str, Any] = {
        name: row.get(column) for name, column in _FR_HEADER.items() if name not in hidden
    }
    raw["invoice_date"] = fr_manifest_date(row.get("invoice_date"))
    raw["due_date"] = fr_manifest_date(row.get("due_date"))
    raw["currency"] = "EUR"
    truth = _present(canonical_truth({k: v for k, v in raw.items() if v and str(v).strip()}))
    lines = [
        {key: value for key, value in line.items() if key not in hidden}
        for line in _fr_lines(xml_path)
    ]
    if lines:
        truth["lines"] = canonical_truth({"lines": lines})["lines"]
    return truth


def fr_manifest_date(text: str | None) -> str | None:
    """ISO text from the three forms the templates' XML uses: ``2015-02-02``, ``20150130`` and,
    on model 2, ``01/25/2015``, which is month first (its days run past 12, its months never
    do), although the page prints ``25/01/2015``. Our own day-first parser would misread it."""
    text = (text or "").strip()
    if not text:
        return None
    if match := re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", text):
        year, month, day = match.groups()
    elif match := re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text):
        month, day, year = match.groups()
    else:
        raise ValueError(f"{text!r} is not a date form of the fr_invoices manifest")
    return f"{year}-{month}-{day}"


def _fr_lines(xml_path: Path) -> list[dict[str, Any]]:
    if not xml_path.is_file():
        return []
    root = etree.parse(str(xml_path), etree.XMLParser(resolve_entities=False, no_network=True))
    return [
        {
            "description": _nfc(_text(line, "description")),
            "quantity": _text(line, "quantity"),
            "unit": _text(line, "uom"),
            "unit_price": _text(line, "price"),
            "vat_rate": _tax_rate(_text(line, "tax")),
            "amount": _text(line, "sub_total"),
        }
        for line in root.getroot().iterfind("lines/line")
    ]


def _tax_rate(label: str | None) -> Decimal | None:
    """``TVA 5,5%`` -> 5.5; an empty label (a line without tax, printed blank) -> None."""
    match = _FR_TAX_RATE.search(label or "")
    return Decimal(match[1].replace(",", ".")) if match else None


def _text(element: etree._Element, tag: str) -> str | None:
    found = (element.findtext(tag) or "").strip()
    return found or None


# --- generated ------------------------------------------------------------------------------


def generated_sources(count: int, seed: int, scans: bool) -> list[CaseSource]:
    """The generator's invoices as sources: the PDF's text layer, or with ``scans`` a simulated
    scan of it (seeded by the invoice's index, so a run is reproducible) to be OCR'd."""
    from workers.invoice_generator import generated_invoices, scan_of  # written alongside

    dataset = "generated_scans" if scans else "generated"
    sources = []
    for index, invoice in enumerate(generated_invoices(count, seed)):
        if scans:
            media_type, data = scan_of(invoice, seed=index)
        else:
            media_type, data = PDF, invoice.pdf
        sources.append(
            CaseSource(
                name=f"{dataset}/{invoice.name}",
                dataset=dataset,
                layout=invoice.layout,
                media_type=media_type,
                truth=generated_truth(invoice.truth),
                data=data,
                text_only_pdf=not scans,
            )
        )
    return sources


def generated_cases(count: int, seed: int, cache: TokenCache, scans: bool) -> Iterator[EvalCase]:
    return cases_from(generated_sources(count, seed, scans), cache)


def generated_truth(raw: dict[str, Any]) -> dict[str, Any]:
    """The generator's truth has every key, ``None`` where nothing is printed; those go, and the
    rest is passed through :func:`canonical_truth` to catch a generator that drifts from it."""
    return _present(
        canonical_truth({name: value for name, value in raw.items() if value is not None})
    )


# --- shared ---------------------------------------------------------------------------------


def _present(truth: dict[str, Any]) -> dict[str, Any]:
    """Truth without the empty fields: absent means "not recorded". An empty list of lines
    stays: it records that the invoice has none."""
    return {name: value for name, value in truth.items() if value is not None}


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not there; is the shared data staged?")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def sources_bytes(sources: Iterable[CaseSource]) -> list[tuple[bytes, str]]:
    """``(data, media_type)`` of each source, the form :func:`warm_cache` takes."""
    return [(source.read_bytes(), source.media_type) for source in sources]
