from datetime import date
from decimal import Decimal

import pytest

from ml.extraction.calibration import Calibration
from ml.extraction.extractor import FALLBACK, FieldValue, extract_invoice
from models.tokens import TokenSource
from tests.builders import (
    BUYER_ORG_NUMBER,
    SUPPLIER_ORG_NUMBER,
    a_pdf_with_text,
    an_invoice_pdf,
)
from workers.readers.pdf_text import read_pdf_pages


def _fields(data: bytes, default_currency: str | None = None) -> dict[str, FieldValue]:
    pages = read_pdf_pages(data, max_pages=10)
    return extract_invoice(pages, default_currency=default_currency).fields


def _scores(data: bytes, default_currency: str | None = None) -> dict[str, FieldValue]:
    """Fields with the scorer's own scores, before calibration maps them to probabilities."""
    pages = read_pdf_pages(data, max_pages=10)
    return extract_invoice(
        pages, default_currency=default_currency, calibration=Calibration()
    ).fields


def _values(data: bytes, default_currency: str | None = None) -> dict[str, str]:
    return {name: field.value for name, field in _fields(data, default_currency).items()}


EXPECTED = {
    "invoice_number": "10042",
    "invoice_date": "2026-11-03",
    "due_date": "2026-11-17",
    "currency": "NOK",
    "total_amount": "12500.00",
    "supplier_org_number": SUPPLIER_ORG_NUMBER,
    "net_amount": "10000.00",
    "vat_amount": "2500.00",
    "amount_due": "12500.00",
    "buyer_org_number": BUYER_ORG_NUMBER,
    "supplier_name": "Fjordlys Elektro AS",
    "buyer_name": "Byggmester Hansen AS",
    "document_type": "invoice",
}


@pytest.mark.parametrize("layout", ["right", "below"])
@pytest.mark.parametrize("language", ["no", "en"])
def test_all_header_fields_are_found_in_either_layout(layout, language):
    # given the standard invoice with values right of or under their labels
    data = an_invoice_pdf(layout=layout, language=language)
    # when its header fields are extracted
    values = _values(data)
    # then every field is found and normalised
    assert {name: values.get(name) for name in EXPECTED} == EXPECTED


def test_a_value_beside_its_label_is_surer_than_one_below_it():
    # given the same invoice in both layouts
    beside = _scores(an_invoice_pdf(layout="right"))
    below = _scores(an_invoice_pdf(layout="below"))
    # when the confidences are compared
    # then the same-line reading scores higher, and both are above the company fallback
    assert beside["invoice_date"].confidence > below["invoice_date"].confidence > FALLBACK


def test_each_field_points_at_where_its_value_is_printed():
    # given the standard invoice
    fields = _fields(an_invoice_pdf())
    # when the invoice number's location is inspected
    number = fields["invoice_number"]
    # then it is the value's box on page 1, right of the label column, from the text layer
    assert number.page == 1
    assert number.source == TokenSource.TEXT
    assert number.box is not None
    assert number.box.x0 == pytest.approx(440, abs=0.5)
    assert number.box.top < number.box.bottom < 842 / 3


@pytest.mark.parametrize("date_format", ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y"])
@pytest.mark.parametrize("layout", ["right", "below"])
def test_dates_are_read_in_the_formats_invoicing_systems_print(date_format, layout):
    # given an invoice printing its dates in one of several formats
    data = an_invoice_pdf(
        invoice_date=date(2026, 1, 31),
        due_date=date(2026, 2, 14),
        date_format=date_format,
        layout=layout,
    )
    # when its fields are extracted
    values = _values(data)
    # then the dates come out as ISO dates
    assert (values["invoice_date"], values["due_date"]) == ("2026-01-31", "2026-02-14")


@pytest.mark.parametrize(
    ("thousands", "decimal"), [(" ", ","), (".", ","), (",", "."), ("\u00a0", ","), ("", ",")]
)
@pytest.mark.parametrize("layout", ["right", "below"])
def test_totals_are_read_whatever_the_separators(thousands, decimal, layout):
    # given an invoice for a seven-digit amount printed with given separators
    data = an_invoice_pdf(
        total=Decimal("1234567.50"),
        thousands_separator=thousands,
        decimal_separator=decimal,
        layout=layout,
    )
    # when its fields are extracted
    values = _values(data)
    # then the total keeps its two printed decimals
    assert values["total_amount"] == "1234567.50"


def test_a_credit_note_total_is_negative():
    # given a credit note
    data = an_invoice_pdf(total=Decimal("-1250.00"), invoice_number="K-2026-7")
    # when its fields are extracted
    values = _values(data)
    # then the amount due is negative and a letter-and-digit number is kept whole
    assert values["total_amount"] == "-1250.00"
    assert values["invoice_number"] == "K-2026-7"


def test_the_buyers_org_number_is_not_taken_for_the_suppliers():
    # given an invoice that prints the buyer's valid org number in the address block
    data = an_invoice_pdf(buyer_org_number=BUYER_ORG_NUMBER)
    # when its fields are extracted
    values = _values(data)
    # then the supplier's number is chosen
    assert values["supplier_org_number"] == SUPPLIER_ORG_NUMBER


def test_an_org_number_with_a_bad_checksum_is_ignored():
    # given a supplier org number with a wrong check digit, and a valid buyer number
    data = an_invoice_pdf(supplier_org_number="923609017")
    # when its fields are extracted
    values = _values(data)
    # then no supplier org number is reported: neither the invalid one nor the buyer's
    assert "supplier_org_number" not in values


@pytest.mark.parametrize(
    "buyer_line",
    [
        "Kunde org.nr: NO 974 760 673 MVA",
        "Kundenr 5512 Org.nr NO 974 760 673 MVA",
        "Buyer VAT no. NO974760673MVA",
    ],
)
def test_an_org_number_after_a_buyer_word_is_the_buyers(buyer_line):
    # given the buyer's VAT id at the top of the page, after a word naming the buyer, and the
    # supplier's in the footer
    data = a_pdf_with_text((50, 60, buyer_line), (50, 800, "Org.nr. 923 609 016 MVA"))
    # when its fields are extracted
    values = _values(data)
    # then the supplier's is chosen even though the buyer's comes first
    assert values["supplier_org_number"] == SUPPLIER_ORG_NUMBER


def test_an_org_number_under_a_bill_to_heading_is_the_buyers():
    # given a buyer block headed "Faktureres til:" with a plain "Org.nr", and the supplier's
    # number only further down the page
    data = a_pdf_with_text(
        (50, 150, "Faktureres til:"),
        (50, 164, "Byggmester Hansen AS"),
        (50, 178, "Org.nr: 974 760 673"),
        (50, 400, "Fjordlys Elektro AS, Org.nr 923 609 016"),
    )
    # when its fields are extracted
    values = _values(data)
    # then the lower number is the supplier's
    assert values["supplier_org_number"] == SUPPLIER_ORG_NUMBER


def test_a_vat_id_without_label_is_found_by_its_shape():
    # given a supplier that prints only its VAT id, with no label, in the footer
    data = a_pdf_with_text(
        (50, 100, "Kunde org.nr: 974 760 673"),
        (50, 800, "Fjordlys Elektro AS  NO923609016MVA"),
    )
    # when its fields are extracted
    fields = _fields(data)
    # then the VAT id gives the org number and the VAT number
    assert fields["supplier_org_number"].value == SUPPLIER_ORG_NUMBER
    assert fields["supplier_vat_number"].value == f"NO{SUPPLIER_ORG_NUMBER}MVA"


def test_amount_due_beats_a_larger_total():
    # given a partly prepaid invoice: total incl. VAT larger than what is left to pay
    data = a_pdf_with_text(
        (330, 400, "Totalt inkl. mva"),
        (480, 400, "15 000,00"),
        (330, 414, "Forskudd"),
        (480, 414, "-10 000,00"),
        (330, 428, "Å betale"),
        (480, 428, "5 000,00"),
    )
    # when its fields are extracted
    values = _values(data)
    # then the total and the amount due are told apart
    assert (values["total_amount"], values["amount_due"]) == ("15000.00", "5000.00")


def test_without_an_amount_due_label_the_largest_labelled_total_wins():
    # given a summary with a plain total (net) and a total incl. VAT
    data = a_pdf_with_text(
        (330, 400, "Total"),
        (480, 400, "1 000,00"),
        (330, 414, "Total incl. VAT"),
        (480, 414, "1 250,00"),
    )
    # when its fields are extracted
    values = _values(data)
    # then the larger, VAT-inclusive amount is the total
    assert values["total_amount"] == "1250.00"


def test_other_label_spellings_and_month_names_are_understood():
    # given labels with a trailing colon, split words and an English hash sign
    data = a_pdf_with_text(
        (50, 100, "Invoice #: INV-2026-0042"),
        (50, 114, "Dato: 3. nov. 2026"),
        (50, 128, "Betalingsfrist: 17 november 2026"),
        (50, 142, "Org. nr. NO 923 609 016 MVA"),
        (50, 156, "Valuta: EUR"),
        (50, 170, "Beløp å betale 1.234,50"),
    )
    # when its fields are extracted
    values = _values(data, default_currency="NOK")
    # then each value is read and normalised
    assert values == {
        "invoice_number": "INV-2026-0042",
        "invoice_date": "2026-11-03",
        "due_date": "2026-11-17",
        "currency": "EUR",
        "total_amount": "1234.50",
        "amount_due": "1234.50",
        "supplier_org_number": SUPPLIER_ORG_NUMBER,
        "supplier_vat_number": f"NO{SUPPLIER_ORG_NUMBER}MVA",
        "document_type": "invoice",
    }


def test_a_specific_date_label_beats_a_generic_one():
    # given both "Dato" (e.g. of an order) and "Fakturadato"
    data = a_pdf_with_text((50, 100, "Dato: 01.10.2026"), (50, 114, "Fakturadato: 03.11.2026"))
    # when its fields are extracted
    fields = _fields(data)
    # then the invoice date is the specifically labelled one
    assert fields["invoice_date"].value == "2026-11-03"


def test_currency_next_to_the_total_is_used():
    # given an invoice in euro with the code only beside the amount due
    data = an_invoice_pdf(currency="EUR")
    # when its fields are extracted with a NOK company default
    fields = _fields(data, default_currency="NOK")
    # then the printed currency wins over the default, and is surer than the fallback
    assert fields["currency"].value == "EUR"
    assert fields["currency"].confidence > FALLBACK


def test_an_iso_code_anywhere_is_the_currency_when_nothing_better_exists():
    # given a code in a line-item table and "kr" beside the total
    data = a_pdf_with_text((50, 300, "Lisens 12 mnd  SEK"), (330, 400, "Å betale kr 1 200,00"))
    # when its fields are extracted
    fields = _scores(data, default_currency="NOK")
    # then that code is used, though less surely than a labelled value would be
    assert fields["currency"].value == "SEK"
    assert FALLBACK < fields["currency"].confidence < 0.9
    assert fields["total_amount"].value == "1200.00"


def test_the_company_currency_is_the_fallback_for_kr():
    # given an invoice that only says "kr"
    data = a_pdf_with_text((330, 400, "Å betale kr 1 200,00"))
    # when its fields are extracted with and without a company default
    with_default = _fields(data, default_currency="NOK")
    without_default = _fields(data)
    # then the default is used with the lowest confidence, and nothing is invented otherwise
    currency = with_default["currency"]
    assert (currency.value, currency.confidence, currency.page, currency.box) == (
        "NOK",
        FALLBACK,
        None,
        None,
    )
    assert "currency" not in without_default


def test_fields_that_are_not_printed_are_left_out():
    # given a page with text but no labelled values
    data = a_pdf_with_text((50, 100, "Takk for handelen!"), (50, 114, "Fakturanr: følger"))
    # when its fields are extracted
    fields = extract_invoice(read_pdf_pages(data, max_pages=10)).fields
    # then nothing is returned but the document type, rather than guesses
    assert list(fields) == ["document_type"]


def test_no_pages_give_no_fields_but_the_default_currency():
    # given no pages at all
    # when fields are extracted with a company currency
    fields = extract_invoice([], default_currency="NOK").fields
    # then only the fallback currency is returned
    assert list(fields) == ["currency"]


def test_the_total_is_found_when_ocr_reads_a_betale_without_its_ring():
    """Tesseract with nor+eng reads the one-letter word "Å" as "A" on some scans."""
    pdf = a_pdf_with_text((50, 100, "Fakturanr: 10042"), (50, 120, "A betale: 12 500,00"))

    assert _values(pdf)["total_amount"] == "12500.00"
