"""Every format through the real API and pipeline: scans, e-invoices, Factur-X, hostile input."""

import csv
from decimal import Decimal

import pytest

from tests.builders import (
    SUPPLIER_ORG_NUMBER,
    a_pdf_with_pages,
    an_encrypted_pdf,
    an_invoice,
    an_invoice_pdf,
)
from tests.integration.helpers import run_bilag, upload
from tests.scans import a_png_bomb, an_invoice_scan
from tests.shared_data import shared_path
from workers.sample_ehf import EhfExtras, render_sample_invoice_ehf
from workers.sample_scans import png_bytes, turned_clockwise

pytestmark = pytest.mark.integration

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol9;</Invoice>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">
  <ID xmlns="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">&xxe;</ID>
</Invoice>
"""


def a_scan_png(rotation: int = 0) -> bytes:
    """The default test invoice scanned at 200 dpi and turned ``rotation`` degrees."""
    return png_bytes(turned_clockwise(an_invoice_scan(dpi=200), rotation), dpi=200)


def _document(client, tenant, response) -> dict:
    assert response.status_code == 201, response.text
    return client.get(response.json()["links"]["self"], headers=tenant.headers).json()


def _fields(document: dict) -> dict[str, str | None]:
    return {name: field["value"] for name, field in document["fields"].items()}


def _assert_failed_and_kept(client, tenant, response, data: bytes, reason: str) -> dict:
    document = _document(client, tenant, response)
    assert document["status"]["code"] == "failed", document["status"]
    assert document["status"]["reason"] == reason
    assert document["status"]["message"]
    original = client.get(document["links"]["original"], headers=tenant.headers)
    assert original.status_code == 200 and original.content == data
    return document


def test_a_scanned_invoice_is_read_with_ocr_and_shows_page_images(client, tenant, drain):
    spec = an_invoice()
    scan = a_scan_png(rotation=90)
    response = upload(client, tenant, scan, "skannet.png", "image/png")
    drain()
    document = _document(client, tenant, response)
    assert document["status"]["code"] == "matched", document["status"]
    assert document["media_type"] == "image/png"
    (page,) = document["pages"]
    assert page["source"] == "ocr"
    assert page["rotation"] in (90, 270)
    fields = _fields(document)
    assert fields["invoice_number"] == spec.invoice_number
    assert Decimal(fields["total_amount"]) == spec.total
    assert document["fields"]["invoice_number"]["source"] == "ocr"
    image = client.get(page["image"], headers=tenant.headers)
    assert image.status_code == 200
    assert image.headers["content-type"] in ("image/webp", "image/png")
    tokens = client.get(page["tokens"], headers=tenant.headers).json()
    assert any(row[0] == spec.invoice_number for row in tokens["tokens"])


def test_an_ehf_invoice_is_parsed_validated_and_shown_through_its_pdf(
    client, tenant, drain, validation_rules
):
    spec = an_invoice()
    ehf = render_sample_invoice_ehf(spec, EhfExtras(kid="0000100428", order_reference="PO-77"))
    response = upload(client, tenant, ehf, "faktura.xml", "application/xml")
    drain()
    document = _document(client, tenant, response)
    assert document["status"]["code"] == "matched", document["status"]
    assert document["media_type"] == "application/xml"
    einvoice = document["einvoice"]
    assert einvoice["syntax"] == "ubl-invoice"
    assert einvoice["validation"] == "ok", einvoice["findings"]
    fields = _fields(document)
    assert fields["invoice_number"] == spec.invoice_number
    assert fields["supplier_org_number"] == SUPPLIER_ORG_NUMBER
    assert fields["kid"] == "0000100428"
    assert fields["po_number"] == "PO-77"
    assert Decimal(fields["total_amount"]) == spec.total
    assert {f["source"] for f in document["fields"].values()} == {"xml"}
    assert {f["confidence"] for f in document["fields"].values()} == {1.0}
    assert len(document["invoice"]["lines"]) == len(spec.lines)
    (attachment,) = einvoice["attachments"]
    assert attachment["shown_as_pages"] and attachment["media_type"] == "application/pdf"
    pdf = client.get(attachment["download"], headers=tenant.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert [p["source"] for p in document["pages"]] == ["text"]
    assert document["exceptions"] == []


def test_an_ehf_that_breaks_a_fatal_rule_waits_in_the_exception_queue(
    client, tenant, drain, validation_rules
):
    ehf = render_sample_invoice_ehf(an_invoice(), EhfExtras(payable_adjustment=Decimal("1.00")))
    response = upload(client, tenant, ehf, "feil.xml", "application/xml")
    drain()
    document = _document(client, tenant, response)
    assert document["status"]["code"] == "needs_review"
    assert document["einvoice"]["validation"] == "fatal"
    rules = {f["rule_id"]: f for f in document["einvoice"]["findings"]}
    assert rules["BR-CO-16"]["severity"] == "fatal"
    assert rules["BR-CO-16"]["message"]
    (case,) = document["exceptions"]
    assert case["code"] == "einvoice_invalid"
    assert "BR-CO-16" in case["message"]
    assert case["detail"]["rules"][0]["rule_id"] == "BR-CO-16"
    queue = client.get("/api/v1/documents?status=needs_review", headers=tenant.headers).json()
    assert [item["id"] for item in queue["items"]] == [document["id"]]


def test_a_factur_x_pdf_takes_its_fields_from_the_embedded_xml(client, tenant, drain):
    corpus = shared_path("zugferd")
    with (corpus / "ground_truth.csv").open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["split_in_corpus"] == "correct")
    data = (corpus / row["pdf"]).read_bytes()
    response = upload(client, tenant, data, "zugferd.pdf")
    drain()
    document = _document(client, tenant, response)
    assert document["status"]["code"] in ("matched", "needs_review"), document["status"]
    fields = _fields(document)
    assert fields["invoice_number"] == row["invoice_number"]
    assert Decimal(fields["total_amount"]) == Decimal(row["gross_total"])
    assert document["fields"]["invoice_number"]["source"] == "xml"
    assert document["einvoice"]["syntax"] in ("cii", "zugferd-1")
    assert document["pages"] and all(p["image"] for p in document["pages"])


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("billion-laughs.xml", BILLION_LAUGHS, "xml_forbidden_construct"),
        ("xxe.xml", EXTERNAL_ENTITY, "xml_forbidden_construct"),
    ],
)
def test_hostile_xml_fails_with_a_reason_and_is_kept(client, tenant, drain, name, data, reason):
    response = upload(client, tenant, data, name, "application/xml")
    drain()
    _assert_failed_and_kept(client, tenant, response, data, reason)


def test_an_xml_that_is_not_an_invoice_fails_as_such(client, tenant, drain):
    data = b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>'
    response = upload(client, tenant, data, "order.xml", "application/xml")
    drain()
    _assert_failed_and_kept(client, tenant, response, data, "not_an_invoice")


def test_a_decompression_bomb_png_fails_without_decoding(client, tenant, drain):
    bomb = a_png_bomb(20_000, 20_000)
    response = upload(client, tenant, bomb, "bomb.png", "image/png")
    drain()
    _assert_failed_and_kept(client, tenant, response, bomb, "image_too_large")


def test_a_password_protected_pdf_fails_as_encrypted(client, tenant, drain):
    data = an_encrypted_pdf()
    response = upload(client, tenant, data, "locked.pdf")
    drain()
    _assert_failed_and_kept(client, tenant, response, data, "encrypted_pdf")


def test_a_300_page_pdf_is_over_the_default_page_limit(client, tenant, drain):
    data = a_pdf_with_pages(300)
    response = upload(client, tenant, data, "long.pdf")
    drain()
    document = _assert_failed_and_kept(client, tenant, response, data, "too_many_pages")
    assert document["status"]["failed_stage"] == "receive"
    assert "300" in document["status"]["message"]


def test_another_company_cannot_see_page_images_or_attachments(client, tenant, other_tenant, drain):
    response = upload(client, tenant, a_scan_png(), "scan.png", "image/png")
    drain()
    document = _document(client, tenant, response)
    image = document["pages"][0]["image"]
    assert client.get(image, headers=other_tenant.headers).status_code == 404
    tokens = document["pages"][0]["tokens"]
    assert client.get(tokens, headers=other_tenant.headers).status_code == 404


def test_a_forking_worker_validates_e_invoices_with_rules_compiled_before_the_fork(
    client, tenant, validation_rules
):
    """Saxon (a GraalVM native image) must keep working in the per-job child processes."""
    invalid = render_sample_invoice_ehf(
        an_invoice(invoice_number="F-2"), EhfExtras(payable_adjustment=Decimal("1.00"))
    )
    responses = [
        upload(client, tenant, render_sample_invoice_ehf(an_invoice()), "ok.xml", "text/xml"),
        upload(client, tenant, invalid, "invalid.xml", "text/xml"),
    ]
    result = run_bilag("worker", "--burst", "--fork")
    assert result.returncode == 0, result.stderr
    valid, broken = (_document(client, tenant, response) for response in responses)
    assert (valid["status"]["code"], valid["einvoice"]["validation"]) == ("matched", "ok")
    assert (broken["status"]["code"], broken["einvoice"]["validation"]) == (
        "needs_review",
        "fatal",
    )


def test_an_extended_profile_factur_x_pdf_keeps_its_findings_without_being_held(
    client, tenant, drain, validation_rules
):
    """EXTENDED is an extension of EN 16931 (#conformant#): its XML breaks EN 16931 syntax
    rules by design, and the PDF, not the XML, is the invoice."""
    corpus = shared_path("zugferd")
    with (corpus / "ground_truth.csv").open(newline="") as handle:
        row = next(
            r
            for r in csv.DictReader(handle)
            if "EXTENDED_Kostenrechnung" in r["pdf"] and r["en16931_result"] == "fatal"
        )
    data = (corpus / row["pdf"]).read_bytes()
    response = upload(client, tenant, data, "extended.pdf")
    drain()
    document = _document(client, tenant, response)
    assert document["einvoice"]["validation"] == "fatal"
    expected = set(row["en16931_failed_asserts"].split())
    assert expected <= {f["rule_id"] for f in document["einvoice"]["findings"]}
    assert document["status"]["code"] == "matched"
    assert document["exceptions"] == []


def test_a_text_page_image_is_rendered_on_first_view_and_kept(client, tenant, drain):
    response = upload(client, tenant, an_invoice_pdf(), "faktura.pdf")
    drain()
    document = _document(client, tenant, response)
    (page,) = document["pages"]
    assert page["source"] == "text"

    first = client.get(page["image"], headers=tenant.headers)
    again = client.get(page["image"], headers=tenant.headers)

    assert first.status_code == again.status_code == 200
    assert first.headers["content-type"] in ("image/webp", "image/png")
    assert first.headers["etag"] == again.headers["etag"]
    assert first.content == again.content


def test_an_ehf_page_image_is_rendered_from_its_embedded_pdf(client, tenant, drain):
    response = upload(
        client, tenant, render_sample_invoice_ehf(an_invoice()), "ehf.xml", "application/xml"
    )
    drain()
    (page,) = _document(client, tenant, response)["pages"]
    image = client.get(page["image"], headers=tenant.headers)
    assert image.status_code == 200 and image.headers["content-type"] in ("image/webp", "image/png")
