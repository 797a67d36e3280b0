"""Corrections over the real API: recorded, audited, learned from; suppliers identified."""

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from models.db import session_scope
from models.tables import AuditEvent, FieldCorrection, ModelVersion, Supplier, SupplierBankAccount
from tests.builders import (
    SUPPLIER_ORG_NUMBER,
    a_pdf_with_text,
    an_invoice_pdf,
    an_unlabelled_layout_pdf,
)
from tests.integration.helpers import Tenant, upload
from workers.scorer_training import retrain_candidate_scorer

pytestmark = pytest.mark.integration


def _uploaded(client: TestClient, tenant: Tenant, data: bytes, drain: Callable) -> dict:
    created = upload(client, tenant, data)
    assert created.status_code == 201, created.text
    drain()
    return client.get(created.json()["links"]["self"], headers=tenant.headers).json()


def _patch(client: TestClient, tenant: Tenant, document: dict, fields: dict):
    return client.patch(
        f"/api/v1/documents/{document['id']}/fields",
        json={"fields": fields},
        headers=tenant.headers,
    )


def test_a_correction_is_stored_audited_and_survives_a_rerun(client, tenant, drain):
    document = _uploaded(client, tenant, an_invoice_pdf(invoice_number="55001"), drain)
    # when a clerk corrects the invoice number and the due date
    response = _patch(client, tenant, document, {"invoice_number": "55001-B", "kid": None})
    assert response.status_code == 200, response.text
    fields = response.json()["fields"]
    # then the field is the clerk's, at full confidence, pointing at nothing printed
    assert fields["invoice_number"]["value"] == "55001-B"
    assert fields["invoice_number"]["source"] == "human"
    assert response.json()["invoice"]["invoice_number"] == "55001-B"
    with session_scope() as session:
        audit = session.exec(
            select(AuditEvent).where(
                AuditEvent.entity_id == document["id"], AuditEvent.action == "field.corrected"
            )
        ).all()
        corrections = session.exec(
            select(FieldCorrection).where(FieldCorrection.document_id == uuid.UUID(document["id"]))
        ).all()
    assert {(a.field, a.old_value, a.new_value) for a in audit} >= {
        ("invoice_number", "55001", "55001-B")
    }
    assert {c.name for c in corrections} >= {"invoice_number"}
    # and a rerun of the pipeline keeps the clerk's value
    client.post(f"/api/v1/documents/{document['id']}/reprocess", headers=tenant.headers)
    drain()
    again = client.get(f"/api/v1/documents/{document['id']}", headers=tenant.headers).json()
    assert again["fields"]["invoice_number"]["value"] == "55001-B"


def test_a_correction_points_at_the_tokens_it_names(client, tenant, drain):
    document = _uploaded(client, tenant, an_invoice_pdf(invoice_number="55002"), drain)
    response = _patch(client, tenant, document, {"total_amount": "12500.00"})
    field = response.json()["fields"]["total_amount"]
    assert field["page"] == 1 and field["bbox"] is not None
    with session_scope() as session:
        correction = session.exec(
            select(FieldCorrection).where(FieldCorrection.document_id == uuid.UUID(document["id"]))
        ).one()
    assert correction.tokens and "500,00" in correction.tokens[-1]


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"invoice_date": "31.02.2026"}, "invoice_date"),
        ({"total_amount": "tolv tusen"}, "total_amount"),
        ({"currency": "kroner"}, "currency"),
        ({"colour": "blue"}, "colour"),
        ({"lines": [{"description": "x", "price": "1"}]}, "lines"),
    ],
)
def test_a_malformed_correction_is_refused_whole(client, tenant, drain, fields, wrong):
    document = _uploaded(client, tenant, an_invoice_pdf(invoice_number="55003"), drain)
    response = _patch(client, tenant, document, {"invoice_number": "X-1", **fields})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert wrong in response.json()["detail"]
    after = client.get(f"/api/v1/documents/{document['id']}", headers=tenant.headers).json()
    assert after["fields"]["invoice_number"]["value"] == "55003"  # nothing was applied


def test_another_company_cannot_correct_a_document(client, tenant, other_tenant, drain):
    document = _uploaded(client, tenant, an_invoice_pdf(invoice_number="55004"), drain)
    response = _patch(client, other_tenant, document, {"invoice_number": "stolen"})
    assert response.status_code == 404


def test_one_correction_teaches_the_next_invoice_of_that_layout(client, tenant, drain):
    # given an invoice of a layout Bilag does not read, corrected once
    first = _uploaded(
        client, tenant, an_unlabelled_layout_pdf("KB-7781", "4 310,00", "Hansen"), drain
    )
    assert first["fields"].get("total_amount", {}).get("value") != "4310.00"
    response = _patch(
        client, tenant, first, {"invoice_number": "KB-7781", "total_amount": "4310.00"}
    )
    assert response.status_code == 200, response.text
    # when the next invoice of that layout arrives
    second = _uploaded(
        client, tenant, an_unlabelled_layout_pdf("KB-7802", "12 999,50", "Olsen", 360), drain
    )
    # then it comes out right, with no correction
    assert second["fields"]["invoice_number"]["value"] == "KB-7802"
    assert second["fields"]["total_amount"]["value"] == "12999.50"
    assert second["fields"]["total_amount"]["source"] == "text"


def test_another_company_does_not_get_the_layout_learned(client, tenant, other_tenant, drain):
    first = _uploaded(
        client, tenant, an_unlabelled_layout_pdf("KB-7781", "4 310,00", "Hansen"), drain
    )
    _patch(client, tenant, first, {"invoice_number": "KB-7781", "total_amount": "4310.00"})
    theirs = _uploaded(
        client, other_tenant, an_unlabelled_layout_pdf("KB-7802", "12 999,50", "Olsen", 360), drain
    )
    assert theirs["fields"].get("total_amount", {}).get("value") != "12999.50"


def test_corrections_retrain_the_company_scorer_once(
    client, tenant, drain, configure, tmp_path: Path
):
    configure(models_dir=tmp_path)
    for number, amount, total in (
        ("KB-1", "1 000,00", "1000.00"),
        ("KB-2", "2 500,00", "2500.00"),
        ("KB-3", "3 750,00", "3750.00"),
    ):
        document = _uploaded(
            client, tenant, an_unlabelled_layout_pdf(number, amount, "Hansen"), drain
        )
        _patch(client, tenant, document, {"invoice_number": number, "total_amount": total})
    # the PATCH queued a retrain; the worker runs it
    drain()
    with session_scope() as session:
        versions = session.exec(
            select(ModelVersion).where(ModelVersion.company_id == tenant.company_id)
        ).all()
    assert len(versions) == 1 and versions[0].active
    assert versions[0].metrics["documents"] == 3
    assert Path(versions[0].artifact).is_file()
    # and a retrain with nothing new is skipped
    assert retrain_candidate_scorer(str(tenant.company_id)).startswith("skipped")


def _register(tenant: Tenant, account: str) -> uuid.UUID:
    with session_scope() as session:
        supplier = Supplier(
            company_id=tenant.company_id, name="Fjordlys Elektro AS", org_number=SUPPLIER_ORG_NUMBER
        )
        session.add(supplier)
        session.flush()
        session.add(
            SupplierBankAccount(
                company_id=tenant.company_id, supplier_id=supplier.id, account=account
            )
        )
        return supplier.id


def _invoice_paying_to(account: str) -> bytes:
    return a_pdf_with_text(
        (50, 60, "Fjordlys Elektro AS  Org.nr. 923 609 016 MVA"),
        (330, 120, "Fakturanr: 88001"),
        (330, 134, "Fakturadato: 03.11.2026"),
        (330, 400, "Å betale 1 250,00"),
        (50, 780, f"Kontonr: {account}"),
    )


def test_a_known_supplier_is_matched_and_its_account_accepted(client, tenant, drain):
    supplier_id = _register(tenant, "86011117947")
    document = _uploaded(client, tenant, _invoice_paying_to("8601.11.17947"), drain)
    assert document["status"]["code"] == "matched"
    assert document["invoice"]["supplier_id"] == str(supplier_id)
    assert document["invoice"]["supplier_matched_by"] == "org_number"
    assert document["exceptions"] == []


def test_a_changed_bank_account_holds_the_invoice(client, tenant, drain):
    _register(tenant, "86011117947")
    document = _uploaded(client, tenant, _invoice_paying_to("1234.56.78903"), drain)
    assert document["status"]["code"] == "needs_review"
    codes = [case["code"] for case in document["exceptions"]]
    assert codes == ["bank_account_changed"]


def test_an_unknown_supplier_is_proposed(client, tenant, drain):
    document = _uploaded(client, tenant, _invoice_paying_to("1234.56.78903"), drain)
    proposed = document["invoice"]["proposed_supplier"]
    assert document["invoice"]["supplier_id"] is None
    assert proposed["org_number"] == SUPPLIER_ORG_NUMBER
    assert proposed["bank_account"] == "12345678903"
