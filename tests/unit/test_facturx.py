"""Finding the invoice XML inside a PDF: the ZUGFeRD corpus, then PDFs built here."""

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from api.evaluate.einvoices import ZUGFERD_GROUND_TRUTH, evaluate_zugferd
from tests.builders import a_truncated_pdf, an_encrypted_pdf, an_invoice_pdf
from tests.shared_data import shared_path
from workers.readers import facturx
from workers.readers.einvoice import parse_einvoice
from workers.readers.facturx import embedded_invoice_xml

CII = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
  <rsm:ExchangedDocument><ram:ID>FX-1</ram:ID><ram:TypeCode>380</ram:TypeCode></rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>"""
ZUGFERD_1 = b"""<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12">
  <rsm:HeaderExchangedDocument><ram:ID>ZF1-1</ram:ID></rsm:HeaderExchangedDocument>
</rsm:CrossIndustryDocument>"""
ORDER = b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>'


def a_pdf_with_attachments(*files: tuple[str, bytes]) -> bytes:
    """A one-page PDF carrying ``(name, data)`` as embedded files, in that order."""
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    for name, data in files:
        pdf.new_attachment(name).set_data(data)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    return buffer.getvalue()


# --- the corpus -------------------------------------------------------------------------------


def test_every_zugferd_pdf_yields_its_invoice_number_totals_and_currency():
    # given the ZUGFeRD 1/2, Factur-X and XRechnung PDFs of the corpus and their ground truth
    data_root = shared_path()
    shared_path(*ZUGFERD_GROUND_TRUTH.parts)
    # when each PDF's invoice XML is found and parsed
    result = evaluate_zugferd(data_root)
    # then every PDF gives up the very bytes the corpus extracted, and every field agrees
    assert result["errors"] == []
    assert result["disagreements"] == []
    assert result["files"] == result["with_xml"] == result["parsed"] == result["fully_agreeing"] > 0
    assert set(result["fields"]) == {
        "embedded_xml",
        "invoice_number",
        "currency",
        "net_total",
        "vat_total",
        "gross_total",
        "payable_amount",
    }
    # the one PDF with both a ZUGFeRD 1 and a ZUGFeRD 2 invoice is read as ZUGFeRD 2
    assert [Path(item["embedded_xml"]).name for item in result["not_compared"]] == [
        "ZUGFeRD-invoice.xml"
    ]


# --- PDFs built here --------------------------------------------------------------------------


def test_factur_x_xml_is_found_by_its_standard_name():
    pdf = a_pdf_with_attachments(("timesheet.png", b"\x89PNG..."), ("factur-x.xml", CII))
    assert embedded_invoice_xml(pdf) == ("factur-x.xml", CII)
    assert parse_einvoice(CII).invoice_number == "FX-1"


def test_the_newer_standard_name_wins_when_a_pdf_carries_two_invoices():
    pdf = a_pdf_with_attachments(("ZUGFeRD-invoice.xml", ZUGFERD_1), ("factur-x.xml", CII))
    assert embedded_invoice_xml(pdf) == ("factur-x.xml", CII)


@pytest.mark.parametrize("name", ["ZUGFeRD-invoice.xml", "zugferd-invoice.xml", "XRECHNUNG.xml"])
def test_standard_names_are_matched_whatever_their_case(name):
    assert embedded_invoice_xml(a_pdf_with_attachments((name, CII))) == (name, CII)


def test_an_invoice_under_another_name_is_found_by_its_root_element():
    pdf = a_pdf_with_attachments(("order.xml", ORDER), ("rechnung-4711.xml", ZUGFERD_1))
    assert embedded_invoice_xml(pdf) == ("rechnung-4711.xml", ZUGFERD_1)


def test_xml_that_is_not_an_invoice_is_not_taken_for_one():
    pdf = a_pdf_with_attachments(("order.xml", ORDER), ("data.xml", b"<not-closed>"))
    assert embedded_invoice_xml(pdf) is None


def test_a_pdf_without_attachments_has_no_embedded_invoice():
    assert embedded_invoice_xml(an_invoice_pdf()) is None


def test_an_attachment_over_the_size_cap_is_skipped(monkeypatch):
    # given an invoice XML just over the cap
    monkeypatch.setattr(facturx, "MAX_ATTACHMENT_BYTES", len(CII) - 1)
    # then it is not read out of the PDF at all
    assert embedded_invoice_xml(a_pdf_with_attachments(("factur-x.xml", CII))) is None


@pytest.mark.parametrize(
    "pdf",
    [b"", b"%PDF-1.7 then garbage", b"not a pdf"],
    ids=["empty", "garbage", "text"],
)
def test_a_corrupt_pdf_gives_none_for_the_pdf_reader_to_report(pdf):
    assert embedded_invoice_xml(pdf) is None


def test_a_truncated_pdf_gives_none_rather_than_an_error():
    assert embedded_invoice_xml(a_truncated_pdf()) is None


def test_an_encrypted_pdf_gives_none_for_the_pdf_reader_to_report():
    # (no tool here encrypts a PDF with an attachment; this shows the open failure is absorbed)
    assert embedded_invoice_xml(an_encrypted_pdf()) is None
