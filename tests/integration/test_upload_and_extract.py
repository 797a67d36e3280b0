"""Upload a PDF through the real API, drain the real queue, read back what Bilag stored."""

import hashlib
from decimal import Decimal

import pytest

from tests.builders import SUPPLIER_ORG_NUMBER, an_invoice_pdf
from tests.integration.helpers import upload

pytestmark = pytest.mark.integration


def test_uploaded_pdf_is_read_and_its_header_fields_stored(client, tenant, drain):
    pdf = an_invoice_pdf(invoice_number="77001", total=Decimal("12500.00"))

    created = upload(client, tenant, pdf)
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["status"]["code"] == "received"
    assert document["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert created.headers["location"] == f"/api/v1/documents/{document['id']}"

    drain()

    detail = client.get(f"/api/v1/documents/{document['id']}", headers=tenant.headers).json()
    assert detail["status"] == {
        "code": "matched",
        "reason": None,
        "message": None,
        "failed_stage": None,
    }
    assert detail["page_count"] == 1
    fields = {name: field["value"] for name, field in detail["fields"].items()}
    assert fields["invoice_number"] == "77001"
    assert fields["invoice_date"] == "2026-11-03"
    assert fields["due_date"] == "2026-11-17"
    assert fields["currency"] == "NOK"
    assert Decimal(fields["total_amount"]) == Decimal("12500.00")
    assert fields["supplier_org_number"] == SUPPLIER_ORG_NUMBER
    for field in detail["fields"].values():
        assert 0 < field["confidence"] <= 1
        assert field["source"] == "text"
    invoice = detail["invoice"]
    assert invoice["invoice_number"] == "77001"
    assert Decimal(invoice["total_amount"]) == Decimal("12500.00")
    assert invoice["supplier_org_number"] == SUPPLIER_ORG_NUMBER


def test_raw_body_upload_with_content_type_is_accepted(client, tenant, drain):
    pdf = an_invoice_pdf(invoice_number="77002")
    created = client.post(
        "/api/v1/documents",
        content=pdf,
        headers={
            **tenant.headers,
            "Content-Type": "application/pdf",
            "Content-Disposition": 'attachment; filename="../../etc/faktura 77002.pdf"',
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["filename"] == "faktura 77002.pdf"
    drain()
    detail = client.get(created.headers["location"], headers=tenant.headers).json()
    assert detail["fields"]["invoice_number"]["value"] == "77002"


def test_the_same_bytes_twice_return_the_same_document(client, tenant):
    pdf = an_invoice_pdf(invoice_number="77003")
    first = upload(client, tenant, pdf)
    second = upload(client, tenant, pdf, name="resent.pdf")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    listed = client.get("/api/v1/documents", headers=tenant.headers).json()
    assert len(listed["items"]) == 1


def test_an_idempotency_key_is_bound_to_its_content(client, tenant):
    first = upload(client, tenant, an_invoice_pdf(invoice_number="1"), **{"Idempotency-Key": "k1"})
    again = upload(client, tenant, an_invoice_pdf(invoice_number="1"), **{"Idempotency-Key": "k1"})
    other = upload(client, tenant, an_invoice_pdf(invoice_number="2"), **{"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.json()["existing_document"] == first.json()["id"]


def test_the_original_is_downloadable_byte_for_byte(client, tenant):
    pdf = an_invoice_pdf(invoice_number="77004")
    document = upload(client, tenant, pdf, name="original.pdf").json()
    original = client.get(document["links"]["original"], headers=tenant.headers)
    assert original.status_code == 200
    assert original.content == pdf
    assert original.headers["content-type"] == "application/pdf"
    assert "original.pdf" in original.headers["content-disposition"]


def test_reprocess_runs_the_pipeline_again_and_is_audited(client, tenant, drain):
    document = upload(client, tenant, an_invoice_pdf(invoice_number="77005")).json()
    drain()
    response = client.post(document["links"]["reprocess"], headers=tenant.headers)
    assert response.status_code == 202
    assert response.json()["status"]["code"] == "received"
    drain()
    detail = client.get(document["links"]["self"], headers=tenant.headers).json()
    assert detail["status"]["code"] == "matched"
    assert detail["fields"]["invoice_number"]["value"] == "77005"

    from sqlmodel import col, select

    from models.db import session_scope
    from models.tables import AuditEvent

    with session_scope() as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_id == document["id"])
            .order_by(col(AuditEvent.id))
        ).all()
    transitions = [(e.old_value, e.new_value) for e in events if e.field == "status"]
    assert transitions == [
        (None, "received"),
        ("received", "reading"),
        ("reading", "read"),
        ("read", "extracting"),
        ("extracting", "extracted"),
        ("extracted", "matching"),
        ("matching", "matched"),
        ("matched", "received"),
        ("received", "reading"),
        ("reading", "read"),
        ("read", "extracting"),
        ("extracting", "extracted"),
        ("extracted", "matching"),
        ("matching", "matched"),
    ]
    assert all(e.actor and e.at.tzinfo is not None for e in events)
    reprocess = [e for e in events if e.action == "document.reprocess"]
    assert [(e.old_value, e.new_value, e.actor) for e in reprocess] == [
        (1, 2, f"api_key:{tenant.key.split('_')[1]}")
    ]
