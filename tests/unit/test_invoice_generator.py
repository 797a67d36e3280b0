"""The synthetic invoice generator: deterministic, internally consistent, and truthful about
what its pages print. The page checks read the PDF back with pdfplumber and parse printed values
with their own tolerant parsers, never with the generator's formatting code."""

import io
import json
import re
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice

import pdfplumber
import pytest
from PIL import Image
from stdnum import iban, luhn
from stdnum.no import kontonr, mva, orgnr

from workers.invoice_generator import (
    LAYOUTS,
    GeneratedInvoice,
    generate_invoice,
    generated_invoices,
    scan_of,
    write_generated_set,
)

TRUTH_KEYS = {
    "document_type", "supplier_name", "supplier_org_number", "supplier_vat_number", "buyer_name",
    "buyer_org_number", "invoice_number", "invoice_date", "due_date", "delivery_date", "currency",
    "net_amount", "vat_amount", "total_amount", "amount_due", "vat_breakdown", "po_number",
    "buyer_reference", "kid", "bank_account", "iban", "bic", "payment_terms", "lines",
}  # fmt: skip
ALWAYS_PRINTED = (
    "supplier_name", "supplier_org_number", "buyer_name", "invoice_number", "invoice_date",
    "net_amount", "vat_amount", "total_amount", "amount_due",
)  # fmt: skip
LINE_KEYS = {"description", "item_code", "quantity", "unit", "unit_price", "vat_rate", "amount"}
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "mai": 5, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "okt": 10, "oct": 10, "nov": 11, "des": 12, "dec": 12,
}  # fmt: skip
_ORE = Decimal("0.01")


def _a_set(count: int, seed: int = 0) -> list[GeneratedInvoice]:
    return list(generated_invoices(count, seed))


def _pages(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return [page.extract_text() or "" for page in document.pages]


def _amounts(text: str) -> set[Decimal]:
    """Every amount with two decimals the text could be showing: runs of digits and separators
    are cut at each space, so "100 250,00" (a quantity next to a price) yields 250.00 as well."""
    found: set[Decimal] = set()
    for run in re.findall(r"\d[\d., ]*\d", text):
        tokens = run.split(" ")
        for start in range(len(tokens)):
            for end in range(start + 1, len(tokens) + 1):
                joined = "".join(tokens[start:end])
                if re.fullmatch(r"\d{1,3}(?:([.,])\d{3})*(?:(?!\1)[.,])\d{2}|\d+[.,]\d{2}", joined):
                    digits = re.sub(r"\D", "", joined)
                    found.add(Decimal(f"{digits[:-2] or '0'}.{digits[-2:]}"))
    return found


def _dates(text: str) -> set[str]:
    found: set[date] = set()
    for day, month, year in re.findall(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b", text):
        found.add(date(int(year), int(month), int(day)))
    for year, month, day in re.findall(r"\b(\d{4})-(\d{2})-(\d{2})\b", text):
        found.add(date(int(year), int(month), int(day)))
    for day, name, year in re.findall(r"\b(\d{1,2})\.? ([A-Za-z]{3,4})\.? (\d{4})\b", text):
        if name[:3].lower() in _MONTHS:
            found.add(date(int(year), _MONTHS[name[:3].lower()], int(day)))
    return {day.isoformat() for day in found}


def _compact(text: str) -> str:
    """Digit groups joined: "1503.12.34567", "923 609 016" and "NO93 8601" lose their gaps."""
    return re.sub(r"(?<=[\dA-Z])[ .](?=\d)", "", text)


def _words_in_order(needle: str, haystack: list[str]) -> bool:
    words = iter(haystack)
    return all(any(word == candidate for candidate in words) for word in needle.split())


def _kid_is_valid(kid: str) -> bool:
    """MOD10 (Luhn) or MOD11 with weights 2..7 from the right, as the banks define KID."""
    body, check = kid[:-1], kid[-1]
    weighted = sum((2 + i % 6) * int(digit) for i, digit in enumerate(reversed(body)))
    mod11 = (11 - weighted % 11) % 11
    return luhn.is_valid(kid) or (mod11 < 10 and str(mod11) == check)


def test_the_same_seed_gives_the_same_invoice_and_another_seed_another():
    # given two generations of seed 7 and one of seed 8
    first, again, other = generate_invoice(7), generate_invoice(7), generate_invoice(8)
    # then seed 7 is byte-for-byte the same, and seed 8 differs
    assert first == again
    assert first.name == "gen-00007"
    assert other.pdf != first.pdf
    assert other.truth != first.truth


def test_consecutive_seeds_cycle_through_every_layout_evenly():
    # given two invoices per layout from consecutive seeds
    invoices = _a_set(len(LAYOUTS) * 2, seed=100)
    # then every layout appears exactly twice, and every name is distinct
    assert len(LAYOUTS) >= 10
    assert Counter(invoice.layout for invoice in invoices) == dict.fromkeys(LAYOUTS, 2)
    assert len({invoice.name for invoice in invoices}) == len(invoices)


def test_a_forced_layout_reprints_the_same_sale():
    # given seed 5 printed by two families that never print discounts
    typed = generate_invoice(5, layout="typewriter")
    modern = generate_invoice(5, layout="letterhead_left")
    # then the layout differs but the sale is the same
    assert (typed.layout, modern.layout) == ("typewriter", "letterhead_left")
    assert typed.pdf != modern.pdf
    for key in ("supplier_name", "invoice_number", "invoice_date", "net_amount", "amount_due"):
        assert typed.truth[key] == modern.truth[key]


def test_an_unknown_layout_is_refused():
    with pytest.raises(ValueError, match="unknown layout"):
        generate_invoice(1, layout="no_such_layout")


def test_truth_has_exactly_the_contract_keys_and_the_always_printed_fields():
    for invoice in _a_set(60):
        truth = invoice.truth
        assert set(truth) == TRUTH_KEYS, invoice.name
        assert truth["document_type"] in ("invoice", "credit_note")
        assert re.fullmatch(r"[A-Z]{3}", truth["currency"])
        for key in ALWAYS_PRINTED:
            assert truth[key] is not None, (invoice.name, key)
        if truth["document_type"] == "invoice":
            assert truth["due_date"] is not None
        else:
            assert truth["kid"] is None
        assert truth["lines"]
        for line in truth["lines"]:
            assert set(line) == LINE_KEYS
            assert line["description"] == " ".join(line["description"].split())


def test_every_identifier_in_the_truth_passes_its_checksum():
    for invoice in _a_set(80):
        truth = invoice.truth
        assert orgnr.is_valid(truth["supplier_org_number"]), invoice.name
        assert len(truth["supplier_org_number"]) == 9
        if truth["buyer_org_number"]:
            assert orgnr.is_valid(truth["buyer_org_number"])
        if truth["supplier_vat_number"]:
            assert truth["supplier_vat_number"] == f"NO{truth['supplier_org_number']}MVA"
            assert mva.is_valid(truth["supplier_vat_number"])
        if truth["kid"]:
            assert truth["kid"].isdigit() and 6 <= len(truth["kid"]) <= 25
            assert _kid_is_valid(truth["kid"]), truth["kid"]
        if truth["bank_account"]:
            assert len(truth["bank_account"]) == 11 and kontonr.is_valid(truth["bank_account"])
        if truth["iban"]:
            assert truth["iban"] == truth["iban"].upper().replace(" ", "")
            assert iban.is_valid(truth["iban"]) and truth["iban"].startswith("NO")
        if truth["bic"]:
            assert re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", truth["bic"])


def test_amounts_follow_from_the_lines_as_an_invoicing_system_computes_them():
    for invoice in _a_set(80):
        truth = invoice.truth
        lines = truth["lines"]
        net, vat, total = (
            Decimal(truth[key]) for key in ("net_amount", "vat_amount", "total_amount")
        )
        due = Decimal(truth["amount_due"])
        # then the net is the sum of the lines and the total is net plus VAT
        assert sum(Decimal(line["amount"]) for line in lines) == net, invoice.name
        assert net + vat == total
        assert Decimal(0) < due <= total + Decimal("0.50")
        # and a line's amount is quantity times price (or less, where a discount is printed)
        for line in lines:
            product = (Decimal(line["quantity"]) * Decimal(line["unit_price"])).quantize(
                _ORE, ROUND_HALF_UP
            )
            assert Decimal(line["amount"]) <= product
        # and the breakdown, when printed, sums to net and VAT with VAT rounded per rate
        breakdown = truth["vat_breakdown"]
        if breakdown:
            assert [Decimal(row["rate"]) for row in breakdown] == sorted(
                (Decimal(row["rate"]) for row in breakdown), reverse=True
            )
            assert sum(Decimal(row["base"]) for row in breakdown) == net
            assert sum(Decimal(row["amount"]) for row in breakdown) == vat
            for row in breakdown:
                expected = (Decimal(row["base"]) * Decimal(row["rate"]) / 100).quantize(
                    _ORE, ROUND_HALF_UP
                )
                assert Decimal(row["amount"]) == expected
        for key in ("net_amount", "vat_amount", "total_amount", "amount_due"):
            assert re.fullmatch(r"\d+\.\d{2}", truth[key])


def test_every_header_value_in_the_truth_is_printed_on_the_page():
    for invoice in _a_set(len(LAYOUTS) * 2, seed=300):
        truth = invoice.truth
        text = "\n".join(_pages(invoice.pdf))
        compact = _compact(text)
        flat = " ".join(text.split())
        amounts, dates = _amounts(text), _dates(text)
        for key in ("net_amount", "vat_amount", "total_amount", "amount_due"):
            assert Decimal(truth[key]) in amounts, (invoice.name, invoice.layout, key)
        for key in ("invoice_date", "due_date", "delivery_date"):
            if truth[key]:
                assert truth[key] in dates, (invoice.name, invoice.layout, key)
        for key in ("invoice_number", "po_number", "buyer_reference", "payment_terms", "bic"):
            if truth[key]:
                assert truth[key] in flat, (invoice.name, invoice.layout, key)
        for key in ("supplier_name", "buyer_name"):  # a narrow column may wrap a name
            assert _words_in_order(truth[key], text.split()), (invoice.name, invoice.layout, key)
        for key in ("supplier_org_number", "buyer_org_number", "kid", "bank_account", "iban"):
            if truth[key]:
                assert truth[key] in compact, (invoice.name, invoice.layout, key)
        if truth["supplier_vat_number"]:
            printed = {f"NO{digits}MVA" for digits in re.findall(r"NO ?([\d ]{9,11}) ?MVA", text)}
            assert truth["supplier_vat_number"] in {p.replace(" ", "") for p in printed}
        if truth["currency"] != "NOK":
            assert truth["currency"] in text
        for row in truth["vat_breakdown"] or []:
            assert {Decimal(row["base"]), Decimal(row["amount"])} <= amounts


def test_every_line_is_printed_with_its_description_and_amounts():
    for invoice in _a_set(len(LAYOUTS), seed=500):
        text = "\n".join(_pages(invoice.pdf))
        words, amounts = text.split(), _amounts(text)
        for line in invoice.truth["lines"]:
            assert _words_in_order(line["description"], words), (invoice.name, line)
            assert {Decimal(line["amount"]), Decimal(line["unit_price"])} <= amounts
            for key in ("item_code", "unit"):
                if line[key]:
                    assert line[key] in words


def test_the_set_varies_what_real_invoices_vary():
    invoices = _a_set(120)
    truths = [invoice.truth for invoice in invoices]
    for key in (
        "kid",
        "delivery_date",
        "buyer_org_number",
        "po_number",
        "vat_breakdown",
        "supplier_vat_number",
        "payment_terms",
        "iban",
    ):
        printed = sum(truth[key] is not None for truth in truths)
        assert 0 < printed < len(truths), key
    assert any(truth["document_type"] == "credit_note" for truth in truths)
    assert {truth["currency"] for truth in truths} > {"NOK"}
    assert any(truth["amount_due"] != truth["total_amount"] for truth in truths)
    assert {len(truth["vat_breakdown"] or []) for truth in truths} >= {0, 1, 2}
    assert any(line["item_code"] is None for truth in truths for line in truth["lines"])
    assert any(line["vat_rate"] is None for truth in truths for line in truth["lines"])


def _a_multi_page_invoice() -> GeneratedInvoice:
    candidates = (generate_invoice(seed, layout="giro_slip") for seed in range(200))
    return next(invoice for invoice in candidates if len(_pages(invoice.pdf)) > 1)


def test_a_long_invoice_repeats_the_table_header_and_totals_only_on_the_last_page():
    # given an invoice too long for one page
    invoice = _a_multi_page_invoice()
    pages = _pages(invoice.pdf)
    due = Decimal(invoice.truth["amount_due"])
    # then each page carries the invoice number and the table header starts on page one
    assert all(invoice.truth["invoice_number"] in page for page in pages)
    # and the amount to pay appears on the last page only
    assert due in _amounts(pages[-1])
    assert all(due not in _amounts(page) for page in pages[:-1])


def test_a_one_page_scan_is_a_png_of_an_a4_page_at_the_requested_dpi():
    # given a one-page invoice
    invoice = next(i for i in _a_set(5) if len(_pages(i.pdf)) == 1)
    # when it is scanned twice with the same seed
    media_type, data = scan_of(invoice, seed=3)
    # then it is a deterministic grayscale PNG of A4 at 200 dpi
    assert media_type == "image/png"
    assert scan_of(invoice, seed=3)[1] == data
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "L"
    assert abs(image.width - 1654) <= 1 and abs(image.height - 2339) <= 1


def test_a_multi_page_scan_is_one_multi_page_tiff():
    invoice = _a_multi_page_invoice()
    media_type, data = scan_of(invoice, seed=1, dpi=100)
    image = Image.open(io.BytesIO(data))
    assert media_type == "image/tiff" and image.format == "TIFF"
    assert image.n_frames == len(_pages(invoice.pdf))
    image.seek(image.n_frames - 1)
    assert abs(image.width - 827) <= 1 and abs(image.height - 1169) <= 1


def test_a_written_set_holds_pdf_truth_and_scan_per_invoice(tmp_path):
    # when two invoices are written with scans
    written = write_generated_set(tmp_path, count=2, seed=40, scans=True)
    # then each has a PDF, a JSON truth naming its layout, and a scan
    names = sorted(path.name for path in written)
    assert [name.split(".")[0] for name in names] == ["gen-00040"] * 3 + ["gen-00041"] * 3
    for invoice in islice(generated_invoices(2, 40), 2):
        record = json.loads((tmp_path / f"{invoice.name}.json").read_text("utf-8"))
        assert record == {**invoice.truth, "layout": invoice.layout}
        assert (tmp_path / f"{invoice.name}.pdf").read_bytes() == invoice.pdf
        assert any(
            path.stem == invoice.name and path.suffix in (".png", ".tif") for path in written
        )
