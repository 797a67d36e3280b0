"""Evaluation cases: the token cache, and truth from the shared corpora.

Nothing here OCRs: the cache is driven by a fake reader, and the fr_invoices tests check the
truth side only (``fr_invoice_sources``). The corpus tests skip when the shared data is absent.
"""

import json
import sys
import types
from decimal import Decimal
from pathlib import Path

import pytest

from api.evaluate.extraction_data import (
    JPEG,
    PDF,
    TokenCache,
    fr_invoice_sources,
    fr_manifest_date,
    generated_sources,
    generated_truth,
    read_pages,
    warm_cache,
    zugferd_layout,
    zugferd_sources,
)
from models.canonical_fields import HEADER_FIELDS, canonical_truth
from models.tokens import Box, PageTokens, Token, TokenSource
from tests.shared_data import shared_path
from workers.readers import ReadOptions
from workers.readers.ocr import OcrOptions

OPTIONS = ReadOptions(max_pages=10, max_xml_bytes=1_000_000, ocr=OcrOptions(concurrency=1))


def fake_reader(data, media_type, options, text_only_pdf):
    """One page with one word per byte value, boxes with more decimals than the cache keeps."""
    tokens = [
        Token(f"w{byte}", Box(1.23456, 2.0, 3.0, 4.0), 1, 0.98765, TokenSource.OCR)
        for byte in data[:3]
    ]
    return [PageTokens(1, 595.0, 842.0, TokenSource.OCR, tokens)]


class CountingReader:
    def __init__(self):
        self.calls = []

    def __call__(self, data, media_type, options, text_only_pdf):
        self.calls.append((data, media_type, text_only_pdf))
        return fake_reader(data, media_type, options, text_only_pdf)


def refusing_reader(data, media_type, options, text_only_pdf):
    raise AssertionError("read although cached")


# --- the token cache -----------------------------------------------------------------------------


def test_a_second_read_of_the_same_bytes_comes_from_the_cache(tmp_path):
    # given a cache with a reader that counts its calls
    reader = CountingReader()
    cache = TokenCache(tmp_path, options=OPTIONS, reader=reader)
    # when the same image is asked for twice
    first = cache.pages(b"abc", JPEG)
    second = cache.pages(b"abc", JPEG)
    # then it was read once, and both answers are the same JSON-rounded pages
    assert len(reader.calls) == 1
    assert first == second
    assert first[0].tokens[0].box == Box(1.23, 2.0, 3.0, 4.0)
    assert first[0].tokens[0].confidence == 0.988
    # and a later run (a new cache on the same folder) reads nothing
    assert (
        TokenCache(tmp_path, options=OPTIONS, reader=refusing_reader).pages(b"abc", JPEG) == first
    )
    # and nothing half-written is left behind
    assert not list(tmp_path.rglob("*.part"))


def test_the_key_changes_with_bytes_media_type_text_only_and_ocr_settings(tmp_path):
    reader = CountingReader()
    cache = TokenCache(tmp_path, options=OPTIONS, reader=reader)
    cache.pages(b"abc", PDF)
    cache.pages(b"abd", PDF)
    cache.pages(b"abc", JPEG)
    cache.pages(b"abc", PDF, text_only_pdf=True)
    assert len(reader.calls) == 4
    french = ReadOptions(max_pages=10, max_xml_bytes=1, ocr=OcrOptions(languages="fra+eng"))
    assert cache.key(b"abc", PDF) != TokenCache(tmp_path, options=french).key(b"abc", PDF)
    fewer_threads = ReadOptions(max_pages=10, max_xml_bytes=1, ocr=OcrOptions(concurrency=7))
    assert cache.key(b"abc", PDF) == TokenCache(tmp_path, options=fewer_threads).key(b"abc", PDF)


def test_a_damaged_cache_entry_is_read_again_not_trusted(tmp_path):
    reader = CountingReader()
    cache = TokenCache(tmp_path, options=OPTIONS, reader=reader)
    cache.pages(b"abc", JPEG)
    (entry,) = tmp_path.rglob("*.json")
    entry.write_text('{"format": 1, "pages": [{"number"')
    assert cache.pages(b"abc", JPEG)[0].tokens[0].text == "w97"
    assert len(reader.calls) == 2
    entry.write_text(json.dumps({"format": 0, "pages": []}))
    cache.pages(b"abc", JPEG)
    assert len(reader.calls) == 3


def test_warming_reads_each_uncached_file_once_and_reports_progress(tmp_path):
    # given one file already cached
    reader = CountingReader()
    cache = TokenCache(tmp_path, options=OPTIONS, reader=reader)
    cache.pages(b"one", JPEG)
    progress = []
    # when two more (one of them twice) are warmed
    items = [(b"one", JPEG), (b"two", JPEG), (b"one", JPEG), (b"six", JPEG), (b"two", JPEG)]
    warm_cache(items, cache, progress.append)
    # then only the two new ones were read, on one worker per read, and progress counted up
    assert [call[0] for call in reader.calls] == [b"one", b"two", b"six"]
    assert progress == [1, 2, 3]
    assert TokenCache(tmp_path, options=OPTIONS, reader=refusing_reader).pages(b"six", JPEG)


def test_warming_many_files_reads_them_in_worker_processes(tmp_path):
    cache = TokenCache(tmp_path, options=OPTIONS, reader=fake_reader)
    items = [(bytes([n, n, n]), JPEG) for n in range(6)]
    progress = []
    warm_cache(items, cache, progress.append)
    assert progress == list(range(7))
    later = TokenCache(tmp_path, options=OPTIONS, reader=refusing_reader)
    assert [later.pages(data, JPEG)[0].tokens[0].text for data, _ in items] == [
        f"w{n}" for n in range(6)
    ]


def test_only_pdfs_and_images_have_pages():
    with pytest.raises(ValueError, match="application/xml"):
        read_pages(b"<Invoice/>", "application/xml", OPTIONS, False)


# --- truth helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2015-02-02", "2015-02-02"),
        ("20150130", "2015-01-30"),
        ("01/25/2015", "2015-01-25"),  # model 2 writes month first
        ("03/06/2016", "2016-03-06"),
        ("", None),
    ],
)
def test_fr_manifest_dates(text, iso):
    assert fr_manifest_date(text) == iso


def test_an_fr_date_in_another_form_is_refused():
    with pytest.raises(ValueError):
        fr_manifest_date("2015.01.30")


@pytest.mark.parametrize(
    ("path", "layout"),
    [
        (
            "ZUGFeRDv2/correct/Mustangproject/MustangGnuaccountingBeispielRE-20190610_507.pdf",
            "Mustangproject",
        ),
        ("ZUGFeRDv2/fail/MustangRE-20171118_506_ZUGFeRD1and2.pdf", "Mustangproject"),
        ("ZUGFeRDv2/fail/python-factur-x/python-factur-x.pdf", "Mustangproject"),
        ("ZUGFeRDv1/correct/4s4u/additional-data-sample-1.pdf", "Intarsys-ZUGFeRD1"),
        ("ZUGFeRDv2/correct/intarsys/BASIC/zugferd_2p0_BASIC_Taxifahrt.pdf", "intarsys-ZUGFeRD2"),
        ("XML-Rechnung/FX/EN16931_Elektron.pdf", "FX"),
        ("ZUGFeRDv1/correct/Konik/acme_invoice-42_ZUGFeRD.pdf", "Konik"),
        ("ZUGFeRDv2/correct/NewMaker/x/y.pdf", "NewMaker"),
        ("ZUGFeRDv2/fail/lonely.pdf", "lonely"),
    ],
)
def test_zugferd_layouts(path, layout):
    assert zugferd_layout(path) == layout


def test_generated_truth_drops_what_is_not_printed():
    truth = generated_truth(
        {"invoice_number": "10 017", "kid": None, "total_amount": "1250.0", "lines": None}
    )
    assert truth == {"invoice_number": "10017", "total_amount": "1250.0"}


# --- the corpora ------------------------------------------------------------------------------


def assert_canonical(truth):
    assert truth == canonical_truth(truth)
    assert all(value is not None for value in truth.values())
    assert set(truth) <= {*HEADER_FIELDS, "lines", "vat_breakdown"}


def test_zugferd_cases_are_the_staged_rows_of_the_ground_truth():
    root = shared_path()
    table = shared_path("zugferd", "ground_truth.csv")
    lines = table.read_text(encoding="utf-8").splitlines()[1:]
    staged = [line for line in lines if (table.parent / line.split(",")[0]).is_file()]
    sources = zugferd_sources(root)
    assert len(sources) == len(staged) > 0
    assert len({source.name for source in sources}) == len(sources)
    for source in sources:
        assert_canonical(source.truth)
        assert source.media_type == PDF and source.path.is_file()
        assert source.name.startswith("zugferd/") and not source.text_only_pdf
    by_name = {source.name: source for source in sources}
    mustang = by_name.get(
        "zugferd/ZUGFeRDv1/correct/Mustangproject/MustangGnuaccountingBeispielRE-20170509_505.pdf"
    )
    if mustang is not None:
        assert mustang.layout == "Mustangproject"
        truth = mustang.truth
        assert truth["invoice_number"] == "RE-20170509/505"
        assert (truth["invoice_date"], truth["due_date"]) == ("2017-05-09", "2017-05-30")
        assert truth["document_type"] == "invoice" and truth["currency"] == "EUR"
        assert Decimal(truth["total_amount"]) == Decimal("571.04")
        assert [line["amount"] for line in truth["lines"]] == ["160.00", "316.00", "20.00"]
        assert truth["lines"][0]["description"].startswith("Künstlerische")
        assert "po_number" not in truth  # an empty cell is not recorded, not None


def test_zugferd_lines_that_contradict_their_own_total_are_not_truth():
    root = shared_path()
    gross_lines = (
        "zugferd/ZUGFeRDv1/correct/Mustangproject/MustangGnuaccountingBeispielRE-20150613_503.pdf"
    )
    source = next((s for s in zugferd_sources(root) if s.name == gross_lines), None)
    if source is None:
        pytest.skip("RE-20150613_503 is not staged")
    assert "lines" not in source.truth and source.truth["net_amount"] == "496.00"


def test_fr_invoice_cases_are_the_staged_rows_of_the_manifest():
    root = shared_path()
    manifest = shared_path("fr_invoices", "manifest.csv")
    rows = manifest.read_text(encoding="utf-8").splitlines()[1:]
    sources = fr_invoice_sources(root)
    assert 0 < len(sources) <= len(rows)
    for source in sources:
        assert_canonical(source.truth)
        assert source.media_type == JPEG and source.path.is_file()
        assert source.layout.startswith("model_") and source.truth["currency"] == "EUR"
        assert source.truth.keys() >= {"invoice_number", "invoice_date", "due_date", "lines"}
        net, vat, total = (
            Decimal(source.truth[k]) for k in ("net_amount", "vat_amount", "total_amount")
        )
        assert net + vat == total  # the corrected gross, not the mislabelled VAT
        assert "supplier_name" not in source.truth and "buyer_name" not in source.truth
    by_layout = {}
    for source in sources:
        by_layout.setdefault(source.layout, []).append(source)
    assert all("po_number" not in s.truth for s in by_layout.get("model_5", []))
    assert all("po_number" in s.truth for s in by_layout.get("model_1", []))
    for layout, group in by_layout.items():
        units = {line["unit"] for s in group for line in s.truth["lines"]}
        assert (units != {None}) is (layout == "model_1")


def test_fr_invoice_truth_of_one_known_invoice():
    root = shared_path()
    shared_path("fr_invoices", "invoice_dataset_model_1", "images", "FACTU2015020048.jpg")
    source = next(s for s in fr_invoice_sources(root) if s.name.endswith("FACTU2015020048.jpg"))
    truth = source.truth
    assert truth["invoice_number"] == "FA02/2015/020059"
    assert truth["po_number"] == "BC06263"
    assert truth["total_amount"] == "82003.30"
    assert [line["vat_rate"] for line in truth["lines"]] == ["20", "5.5", "10", "20", None]
    assert truth["lines"][1] == {
        "description": "Flipover",
        "item_code": None,
        "quantity": "35.0",
        "unit": "Unités",
        "unit_price": "1700.0",
        "vat_rate": "5.5",
        "amount": "59500.0",
    }


def test_model_2_dates_are_read_month_first():
    root = shared_path()
    shared_path("fr_invoices", "invoice_dataset_model_2", "images", "FACTU2015010036.jpg")
    source = next(s for s in fr_invoice_sources(root) if s.name.endswith("FACTU2015010036.jpg"))
    # the page prints 25/01/2015 and 09/02/2015
    assert (source.truth["invoice_date"], source.truth["due_date"]) == ("2015-01-25", "2015-02-09")


def test_zugferd_pages_come_from_the_visible_pdf(tmp_path):
    # given a ZUGFeRD PDF whose text layer prints its invoice number
    pdf: Path = shared_path(
        "zugferd",
        "files",
        "ZUGFeRDv1",
        "correct",
        "Mustangproject",
        "MustangGnuaccountingBeispielRE-20170509_505.pdf",
    )
    # when its pages are read through the cache with the real reader
    pages = TokenCache(tmp_path, options=OPTIONS).pages(pdf.read_bytes(), PDF)
    # then they are the page's words, from its text layer
    words = [token.text for page in pages for token in page.tokens]
    assert "RE-20170509/505" in words
    assert {page.source for page in pages} == {TokenSource.TEXT}


# --- generated (against the generator's API, faked here) -----------------------------------


def test_generated_sources_follow_the_generator_api(monkeypatch):
    # given a generator module with the agreed API
    generator = types.ModuleType("workers.invoice_generator")
    invoice = types.SimpleNamespace
    generator.generated_invoices = lambda count, seed: (
        invoice(
            name=f"inv-{seed}-{i}",
            layout=f"layout_{i % 2}",
            pdf=b"%PDF " + bytes([i]),
            truth={"invoice_number": f"{i}", "kid": None, "lines": []},
        )
        for i in range(count)
    )
    generator.scan_of = lambda inv, seed, dpi=200: ("image/png", inv.pdf + bytes([seed]))
    monkeypatch.setitem(sys.modules, "workers.invoice_generator", generator)
    # when listed as text-layer cases and as scans
    pdfs = generated_sources(3, 7, scans=False)
    scans = generated_sources(3, 7, scans=True)
    # then PDFs are read from their text layer, scans OCR'd, each seeded by its index
    assert [(s.name, s.dataset, s.media_type, s.text_only_pdf) for s in pdfs[:1]] == [
        ("generated/inv-7-0", "generated", PDF, True)
    ]
    assert [(s.dataset, s.media_type, s.text_only_pdf) for s in scans[:1]] == [
        ("generated_scans", "image/png", False)
    ]
    assert [s.read_bytes()[-1] for s in scans] == [0, 1, 2]
    assert [s.layout for s in pdfs] == ["layout_0", "layout_1", "layout_0"]
    assert pdfs[2].truth == {"invoice_number": "2", "lines": []}
