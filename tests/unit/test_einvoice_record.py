"""The EN 16931 record survives storage as JSON, and maps to the canonical invoice fields."""

from datetime import date
from decimal import Decimal

import pytest

from models.einvoice import EInvoice, claims_en16931_compliance
from models.einvoice_fields import fields_from_einvoice
from tests.builders import BUYER_ORG_NUMBER, SUPPLIER_ORG_NUMBER, an_invoice
from workers.readers.einvoice import parse_einvoice
from workers.sample_ehf import EhfExtras, render_sample_invoice_ehf


def a_parsed_ehf(**extras: object) -> EInvoice:
    return parse_einvoice(render_sample_invoice_ehf(an_invoice(), EhfExtras(**extras)))


def test_the_record_round_trips_through_json_except_attachment_bytes():
    einvoice = a_parsed_ehf()

    again = EInvoice.from_json(einvoice.to_json())

    assert again.total_amount == einvoice.total_amount and isinstance(again.total_amount, Decimal)
    assert again.issue_date == date(2026, 11, 3)
    assert again.lines == einvoice.lines
    assert again.vat_breakdown == einvoice.vat_breakdown
    assert again.attachments[0].filename == einvoice.attachments[0].filename
    assert again.attachments[0].data is None  # the bytes live in the blob store
    assert einvoice.to_json()["attachments"][0]["size_bytes"] == len(einvoice.attachments[0].data)


def test_fields_are_normalised_like_printed_ones():
    fields = fields_from_einvoice(a_parsed_ehf(kid="0000100428", bank_account="1503.20.80119"))

    assert fields["supplier_org_number"] == SUPPLIER_ORG_NUMBER
    assert fields["supplier_vat_number"] == f"NO{SUPPLIER_ORG_NUMBER}MVA"
    assert fields["buyer_org_number"] == BUYER_ORG_NUMBER
    assert fields["invoice_date"] == "2026-11-03"
    assert fields["total_amount"] == "12500.00"
    assert fields["kid"] == "0000100428"
    assert fields["bank_account"] == "15032080119"
    assert "iban" not in fields


def test_an_iban_is_reported_as_iban_not_as_a_domestic_account():
    fields = fields_from_einvoice(a_parsed_ehf(bank_account="NO93 8601 1117 947"))

    assert fields["iban"] == "NO9386011117947"
    assert "bank_account" not in fields


def test_what_the_invoice_does_not_state_is_left_out():
    fields = fields_from_einvoice(a_parsed_ehf(kid=None, bank_account=None))

    assert "kid" not in fields and "bank_account" not in fields and "iban" not in fields


@pytest.mark.parametrize(
    ("customization_id", "claims"),
    [
        ("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", True),
        ("urn:cen.eu:en16931:2017", True),
        ("urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", True),
        ("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", False),
        ("urn:factur-x.eu:1p0:minimum", False),
        ("urn:factur-x.eu:1p0:basicwl", False),
        ("urn:ferd:CrossIndustryDocument:invoice:1p0:comfort", False),
        (None, False),
    ],
)
def test_which_documents_claim_to_be_complete_en16931_invoices(customization_id, claims):
    assert claims_en16931_compliance(customization_id) is claims
