"""The ERP pushes suppliers, its chart, purchase orders and goods receipts; Bilag stores each
once, refuses bad values record by record, and shows one company nothing of another's."""

import json
import uuid
from decimal import Decimal

import pytest
from sqlmodel import col, func, select
from stdnum.no import orgnr

from models.db import session_scope
from models.status import DocumentStatus
from models.tables import (
    AuditEvent,
    Document,
    GoodsReceipt,
    Invoice,
    InvoiceMatchRecord,
    PurchaseOrder,
    Supplier,
    SupplierBankAccount,
)
from tests.shared_data import shared_path
from workers.queue import get_queue

pytestmark = pytest.mark.integration

API = "/api/v1"
BBAN = "86011117947"
IBAN = "NO9386011117947"
EHF = ("einvoice", "examples", "ehf-g3", "src")
ORDER_XML = (*EHF, "ordering-3.0", "rules", "example", "Order_Example.xml")
RECEIPT_XML = (*EHF, "receipt-advice-1.1", "rules", "example", "ReceiptAdvice_Example_Full.xml")


def an_org_number() -> str:
    while True:
        candidate = f"9{uuid.uuid4().int % 10**8:08d}"
        if orgnr.is_valid(candidate):
            return candidate


def a_supplier(external_id: str = "S-1", **overrides) -> dict:
    return {
        "external_id": external_id,
        "name": "Kontorrekvisita AS",
        "org_number": "923 609 016",
        "bank_accounts": ["8601.11.17947"],
        "default_coding": {"account": "6800", "vat_code": "1"},
        "payment_terms_days": 30,
        "match_tolerances": {"price_over": {"percent": "2.5"}},
        "po_required": True,
        **overrides,
    }


def a_line(line_number: int = 1, **overrides) -> dict:
    return {
        "line_number": line_number,
        "item_code": f"ART-{line_number}",
        "description": "Printerpapir A4",
        "quantity": "10",
        "unit": "EA",
        "unit_price": "49.90",
        "vat_rate": "25",
        "account": "6800",
        **overrides,
    }


def an_order(external_id: str = "PO-4711", supplier: str = "S-1", **overrides) -> dict:
    return {
        "external_id": external_id,
        "supplier": supplier,
        "currency": "nok",
        "order_date": "2026-03-01",
        "lines": [a_line(1), a_line(2, quantity="5", unit_price="100")],
        **overrides,
    }


def a_receipt(external_id: str = "GR-1", order: str = "PO-4711", **overrides) -> dict:
    return {
        "external_id": external_id,
        "receipt_date": "2026-03-05",
        "order_number": order,
        "lines": [{"order_line_number": 1, "quantity": "4"}],
        **overrides,
    }


def put(client, tenant, resource: str, record_id: str, body: dict):
    return client.put(f"{API}/{resource}/{record_id}", json=body, headers=tenant.headers)


def get(client, tenant, path: str, **params):
    return client.get(f"{API}/{path}", params=params, headers=tenant.headers)


def bulk(client, tenant, resource: str, records: list, raw: str | None = None):
    body = raw if raw is not None else json.dumps({"records": records})
    headers = {**tenant.headers, "Content-Type": "application/json"}
    return client.post(f"{API}/{resource}/bulk", content=body, headers=headers)


def post_xml(client, tenant, resource: str, data: bytes):
    headers = {**tenant.headers, "Content-Type": "application/xml"}
    return client.post(f"{API}/{resource}", content=data, headers=headers)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


def audit_count(company_id) -> int:
    with session_scope() as session:
        return session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.company_id == company_id)
        ).one()


def with_supplier(client, tenant, external_id: str = "S-1") -> dict:
    response = put(client, tenant, "suppliers", external_id, a_supplier(external_id))
    assert response.status_code == 201, response.text
    return response.json()


def with_order(client, tenant, **overrides) -> dict:
    with_supplier(client, tenant)
    response = put(client, tenant, "purchase-orders", "PO-4711", an_order(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def lines_by_number(order: dict) -> dict[int, dict]:
    return {line["line_number"]: line for line in order["lines"]}


# -- Suppliers --------------------------------------------------------------------------------


def test_a_supplier_is_created_then_unchanged_then_updated_and_read_back(client, tenant):
    created = put(client, tenant, "suppliers", "S-1", a_supplier())

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["result"] == "created"
    assert body["org_number"] == "923609016"
    assert body["bank_accounts"] == [BBAN]
    assert body["match_tolerances"] == {"price_over": {"percent": "2.5", "amount": None}}
    assert body["default_coding"] == {
        "account": "6800",
        "vat_code": "1",
        "department": None,
        "project": None,
    }
    events = audit_count(tenant.company_id)

    again = put(client, tenant, "suppliers", "S-1", a_supplier())
    assert again.status_code == 200
    assert again.json()["result"] == "unchanged"
    assert audit_count(tenant.company_id) == events

    changed = put(
        client, tenant, "suppliers", "S-1", a_supplier(name="Kontor AS", bank_accounts=[IBAN])
    )
    assert changed.status_code == 200
    assert changed.json()["result"] == "updated"
    assert changed.json()["bank_accounts"] == [IBAN]
    assert audit_count(tenant.company_id) == events + 2  # name and bank_accounts

    shown = get(client, tenant, "suppliers/S-1").json()
    assert shown["name"] == "Kontor AS"
    assert shown["id"] == body["id"]
    assert "result" not in shown


def test_leaving_bank_accounts_out_keeps_them(client, tenant):
    with_supplier(client, tenant)
    record = a_supplier()
    del record["bank_accounts"]

    response = put(client, tenant, "suppliers", "S-1", record)

    assert response.json()["result"] == "unchanged"
    assert response.json()["bank_accounts"] == [BBAN]


def test_the_erp_claims_a_supplier_bilag_met_on_an_invoice(client, tenant):
    org_number = an_org_number()
    with session_scope() as session:
        met = Supplier(company_id=tenant.company_id, name="Ukjent AS", org_number=org_number)
        session.add(met)
        session.flush()
        met_id = met.id

    response = put(client, tenant, "suppliers", "S-9", a_supplier("S-9", org_number=org_number))

    assert response.status_code == 200, response.text
    assert response.json()["result"] == "updated"
    assert response.json()["id"] == str(met_id)
    with session_scope() as session:
        rows = session.exec(
            select(Supplier).where(
                Supplier.company_id == tenant.company_id, Supplier.org_number == org_number
            )
        ).all()
        assert [row.external_id for row in rows] == ["S-9"]


def test_invalid_supplier_values_are_named(client, tenant):
    response = put(
        client,
        tenant,
        "suppliers",
        "S-1",
        a_supplier(
            org_number="123456789",
            bank_accounts=[BBAN, "1234.56.78901"],
            payment_terms_days=400,
            match_tolerances={"price_ovr": {"percent": "5"}},
        ),
    )

    body = assert_problem(response, 422, "invalid_record")
    fields = {problem["field"] for problem in body["problems"]}
    assert fields == {"org_number", "bank_accounts[1]", "payment_terms_days", "match_tolerances"}
    assert "price_ovr" in body["detail"]


def test_the_path_id_must_match_the_body(client, tenant):
    response = put(client, tenant, "suppliers", "S-1", a_supplier("S-2"))

    assert_problem(response, 422, "id_mismatch")


# -- The chart --------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["accounts", "departments", "projects"])
def test_ledger_codes_are_created_unchanged_and_updated(client, tenant, resource):
    record = {"name": "Kontorrekvisita", "active": True}

    created = put(client, tenant, resource, "6800", record)
    again = put(client, tenant, resource, "6800", record)
    changed = put(client, tenant, resource, "6800", {**record, "active": False})

    assert (created.status_code, created.json()["result"]) == (201, "created")
    assert (again.status_code, again.json()["result"]) == (200, "unchanged")
    assert (changed.status_code, changed.json()["result"]) == (200, "updated")
    shown = get(client, tenant, f"{resource}/6800").json()
    assert (shown["code"], shown["name"], shown["active"]) == ("6800", "Kontorrekvisita", False)
    assert get(client, tenant, resource, active="true").json()["items"] == []
    assert [i["code"] for i in get(client, tenant, resource, active="false").json()["items"]] == [
        "6800"
    ]


def test_a_fresh_company_lists_the_saft_standard_vat_codes_page_by_page(client, tenant):
    codes: list[str] = []
    cursor = None
    while True:
        params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = get(client, tenant, "vat-codes", **params).json()
        codes += [item["code"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(codes) == 30
    assert len(set(codes)) == 30
    shown = get(client, tenant, "vat-codes/1").json()
    assert shown["standard_code"] == "1"


def test_an_erp_vat_code_replaces_the_seeded_one_and_is_validated(client, tenant):
    record = {"name": "Inngående mva høy sats", "rate": 25, "standard_code": "1"}

    replaced = put(client, tenant, "vat-codes", "1", {**record, "deductible": True})
    unchanged = put(
        client, tenant, "vat-codes", "1", {**record, "rate": "25.00", "deductible": True}
    )
    bad = put(client, tenant, "vat-codes", "X1", {**record, "rate": "101", "standard_code": "99"})
    created = put(client, tenant, "vat-codes", "H25", {**record, "rate": "25", "deductible": True})

    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["result"] == "updated"
    assert replaced.json()["rate"] == "25"
    assert unchanged.json()["result"] == "unchanged"
    body = assert_problem(bad, 422, "invalid_record")
    assert {p["field"] for p in body["problems"]} == {"rate", "standard_code"}
    assert (created.status_code, created.json()["result"]) == (201, "created")
    assert get(client, tenant, "vat-codes/H25").json()["deductible"] is True


# -- Bulk -------------------------------------------------------------------------------------


def test_a_bulk_stores_the_good_records_lists_the_bad_and_is_idempotent(client, tenant):
    records = [
        a_supplier("S-1", org_number=an_org_number()),
        a_supplier("S-2", org_number="12345"),
        a_supplier("S-3", org_number=an_org_number(), bank_accounts=[]),
        {"name": "Uten id"},
        "not an object",
    ]

    first = bulk(client, tenant, "suppliers", records)

    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (2, 0, 0)
    assert [(e["index"], e["external_id"]) for e in body["errors"]] == [
        (1, "S-2"),
        (3, None),
        (4, None),
    ]
    assert body["errors"][0]["problems"][0]["field"] == "org_number"
    assert body["errors"][1]["problems"][0]["field"] == "external_id"
    events = audit_count(tenant.company_id)

    second = bulk(client, tenant, "suppliers", records).json()

    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 2)
    assert audit_count(tenant.company_id) == events
    listed = get(client, tenant, "suppliers").json()["items"]
    assert [item["external_id"] for item in listed] == ["S-1", "S-3"]


def test_in_a_bulk_the_last_record_with_an_id_wins(client, tenant):
    records = [a_supplier("S-1", name="Først AS"), a_supplier("S-1", name="Sist AS")]

    body = bulk(client, tenant, "suppliers", records).json()

    assert (body["created"], body["updated"]) == (1, 0)
    assert [(e["index"], e["problems"][0]["field"]) for e in body["errors"]] == [(0, "external_id")]
    assert get(client, tenant, "suppliers/S-1").json()["name"] == "Sist AS"
    again = bulk(client, tenant, "suppliers", records).json()
    assert again["unchanged"] == 1


def test_bad_amounts_are_errors_of_their_record_never_a_crash(client, tenant):
    with_supplier(client, tenant)
    raw_lines = [
        '{"line_number": 1, "quantity": "12,5", "unit_price": "10"}',
        '{"line_number": 1, "quantity": "abc", "unit_price": "10"}',
        '{"line_number": 1, "quantity": 1e400, "unit_price": "10"}',
        '{"line_number": 1, "quantity": "1", "unit_price": "10.00001"}',
        '{"line_number": 1, "quantity": 1.5, "unit_price": 0.1, "vat_rate": 25.123}',
        '{"line_number": 1, "quantity": "-2", "unit_price": "-1"}',
        '{"line_number": 1, "quantity": 1.25, "unit_price": 0.1}',
    ]
    orders = [
        f'{{"external_id": "PO-{i}", "supplier": "S-1", "currency": "NOK", "lines": [{line}]}}'
        for i, line in enumerate(raw_lines)
    ]

    response = bulk(
        client, tenant, "purchase-orders", [], raw='{"records": [' + ",".join(orders) + "]}"
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["created"] == 1
    problems = {e["index"]: {p["field"] for p in e["problems"]} for e in body["errors"]}
    assert problems == {
        0: {"lines[0].quantity"},
        1: {"lines[0].quantity"},
        2: {"lines[0].quantity"},
        3: {"lines[0].unit_price"},
        4: {"lines[0].vat_rate"},
        5: {"lines[0].quantity", "lines[0].unit_price"},
    }
    stored = get(client, tenant, "purchase-orders/PO-6").json()
    assert stored["lines"][0]["quantity"] == "1.25"
    assert stored["lines"][0]["unit_price"] == "0.1"


def test_a_bulk_with_no_good_record_is_refused_and_too_many_records_are_413(client, tenant):
    refused = bulk(client, tenant, "accounts", [{"code": ""}, {"name": "x"}])
    too_many = bulk(client, tenant, "accounts", [{}] * 5001)
    not_json = bulk(client, tenant, "accounts", [], raw='{"records": [NaN]}')

    body = assert_problem(refused, 422, "no_valid_records")
    assert [error["index"] for error in body["errors"]] == [0, 1]
    assert_problem(too_many, 413, "too_many_records")
    assert_problem(not_json, 400, "unreadable_body")


# -- Purchase orders --------------------------------------------------------------------------


def test_a_purchase_order_is_created_unchanged_and_updated(client, tenant):
    created = with_order(client, tenant)

    assert created["result"] == "created"
    assert created["number"] == "PO-4711"
    assert created["currency"] == "NOK"
    assert created["supplier"] == "S-1"
    assert created["status"] == "open"
    assert lines_by_number(created)[1]["unit_price"] == "49.9"
    assert lines_by_number(created)[1]["received_quantity"] == "0"
    again = put(client, tenant, "purchase-orders", "PO-4711", an_order())
    assert (again.status_code, again.json()["result"]) == (200, "unchanged")

    changed = put(
        client, tenant, "purchase-orders", "PO-4711", an_order(status="closed", three_way=False)
    )

    assert changed.json()["result"] == "updated"
    shown = get(client, tenant, "purchase-orders/PO-4711").json()
    assert (shown["status"], shown["three_way"]) == ("closed", False)
    assert [
        o["external_id"]
        for o in get(client, tenant, "purchase-orders", status="open").json()["items"]
    ] == []
    listed = get(client, tenant, "purchase-orders", supplier="S-1").json()["items"]
    assert [o["external_id"] for o in listed] == ["PO-4711"]
    assert get(client, tenant, "purchase-orders", supplier="S-2").json()["items"] == []


def test_an_order_of_an_unknown_supplier_is_refused(client, tenant):
    response = put(client, tenant, "purchase-orders", "PO-1", an_order("PO-1", supplier="S-404"))

    body = assert_problem(response, 422, "invalid_record")
    assert body["problems"] == [{"field": "supplier", "message": "unknown supplier S-404"}]


def test_an_order_may_name_its_supplier_by_org_number(client, tenant):
    with_supplier(client, tenant)
    record = an_order("PO-2", supplier=None, supplier_org_number="NO 923 609 016 MVA")

    response = put(client, tenant, "purchase-orders", "PO-2", record)

    assert response.status_code == 201, response.text
    assert response.json()["supplier"] == "S-1"


def test_a_line_left_out_is_deleted_unless_goods_were_received_on_it(client, tenant):
    with_order(client, tenant, lines=[a_line(1), a_line(2), a_line(3)])
    received = put(
        client,
        tenant,
        "goods-receipts",
        "GR-1",
        a_receipt(lines=[{"order_line_number": 2, "quantity": "3"}]),
    )
    assert received.status_code == 201, received.text

    response = put(client, tenant, "purchase-orders", "PO-4711", an_order(lines=[a_line(1)]))

    assert response.json()["result"] == "updated"
    lines = lines_by_number(get(client, tenant, "purchase-orders/PO-4711").json())
    assert sorted(lines) == [1, 2]
    assert (lines[1]["closed"], lines[2]["closed"]) == (False, True)
    assert lines[2]["received_quantity"] == "3"


# -- Goods receipts ---------------------------------------------------------------------------


def test_a_receipt_sent_again_replaces_its_lines(client, tenant):
    with_order(client, tenant)

    first = put(client, tenant, "goods-receipts", "GR-1", a_receipt())
    again = put(client, tenant, "goods-receipts", "GR-1", a_receipt())
    replaced = put(
        client,
        tenant,
        "goods-receipts",
        "GR-1",
        a_receipt(
            order="po 4711",
            lines=[
                {"order_line_number": 1, "quantity": "6"},
                {"order_line_number": 2, "quantity": 1},
            ],
        ),
    )

    assert (first.status_code, first.json()["result"]) == (201, "created")
    assert first.json()["order_number"] == "PO-4711"
    assert again.json()["result"] == "unchanged"
    assert replaced.json()["result"] == "updated"
    lines = lines_by_number(get(client, tenant, "purchase-orders/PO-4711").json())
    assert (lines[1]["received_quantity"], lines[2]["received_quantity"]) == ("6", "1")
    shown = get(client, tenant, "goods-receipts/GR-1").json()
    assert [(line["order_line_number"], line["quantity"]) for line in shown["lines"]] == [
        (1, "6"),
        (2, "1"),
    ]


def test_a_receipt_of_an_unknown_order_or_line_is_refused(client, tenant):
    with_order(client, tenant)
    records = [
        a_receipt("GR-1", order="PO-9999"),
        a_receipt("GR-2", lines=[{"order_line_number": 7, "quantity": "1"}]),
        a_receipt("GR-3", order=None),
        a_receipt("GR-4", lines=[{"order_line_number": 1, "quantity": "0"}]),
    ]

    body = assert_problem(bulk(client, tenant, "goods-receipts", records), 422, "no_valid_records")

    assert [[p["field"] for p in e["problems"]] for e in body["errors"]] == [
        ["order_number"],
        ["lines[0].order_line_number"],
        ["lines[0].order_number"],
        ["lines[0].quantity"],
    ]
    assert body["errors"][0]["problems"][0]["message"] == "unknown order PO-9999"


def an_invoice_waiting_for_goods(company_id, supplier_id) -> uuid.UUID:
    """A matched invoice held until the ERP sends the receipt of what it bills."""
    with session_scope() as session:
        document = Document(
            company_id=company_id,
            media_type="application/pdf",
            sha256=uuid.uuid4().hex * 2,
            size_bytes=1,
            channel="api",
            status=DocumentStatus.NEEDS_REVIEW,
        )
        session.add(document)
        session.flush()
        invoice = Invoice(company_id=company_id, document_id=document.id, supplier_id=supplier_id)
        session.add(invoice)
        session.flush()
        session.add(
            InvoiceMatchRecord(
                document_id=document.id,
                company_id=company_id,
                invoice_id=invoice.id,
                outcome="exception",
                awaiting_erp_data=True,
                supplier_id=supplier_id,
            )
        )
        return document.id


def queued_documents() -> list[str]:
    return [job.args[0] for job in get_queue().jobs]


def test_an_invoice_waiting_for_goods_is_matched_again_when_the_receipt_arrives(client, tenant):
    order = with_order(client, tenant)
    waiting = an_invoice_waiting_for_goods(tenant.company_id, uuid.UUID(order["supplier_id"]))

    put(client, tenant, "goods-receipts", "GR-1", a_receipt())
    queued = queued_documents()
    put(client, tenant, "goods-receipts", "GR-1", a_receipt())  # unchanged: nothing new

    assert queued == [str(waiting)]
    assert queued_documents() == queued


# -- EHF --------------------------------------------------------------------------------------


def test_an_ehf_order_creates_its_seller_and_is_stored_once(client, tenant):
    data = shared_path(*ORDER_XML).read_bytes()

    first = post_xml(client, tenant, "purchase-orders", data)
    again = post_xml(client, tenant, "purchase-orders", data)

    assert first.status_code == 201, first.text
    order = first.json()
    assert (order["external_id"], order["source"], order["currency"]) == ("34", "ehf", "NOK")
    assert order["supplier"] is None
    assert order["supplier_org_number"] == "123456785"
    assert [(line["line_number"], line["quantity"]) for line in order["lines"]] == [
        (1, "120"),
        (2, "15"),
    ]
    assert again.json()["result"] == "unchanged"
    with session_scope() as session:
        sellers = session.exec(
            select(Supplier).where(
                Supplier.company_id == tenant.company_id, Supplier.org_number == "123456785"
            )
        ).all()
        assert len(sellers) == 1
        assert sellers[0].external_id is None


def test_an_ehf_receipt_advice_receives_on_the_order_it_names(client, tenant):
    data = shared_path(*RECEIPT_XML).read_bytes()
    with_supplier(client, tenant)
    order = an_order("AEG012345", lines=[a_line(1, quantity="100")])
    assert put(client, tenant, "purchase-orders", "AEG012345", order).status_code == 201

    response = post_xml(client, tenant, "goods-receipts", data)

    assert response.status_code == 201, response.text
    assert response.json()["source"] == "ehf"
    assert response.json()["external_id"] == "5658999"
    shown = get(client, tenant, "purchase-orders/AEG012345").json()
    assert shown["lines"][0]["received_quantity"] == "89"  # 90 received, 1 rejected


def test_an_order_may_be_posted_as_json_and_other_bodies_are_415(client, tenant):
    with_supplier(client, tenant)

    posted = client.post(f"{API}/purchase-orders", json=an_order(), headers=tenant.headers)
    text = client.post(
        f"{API}/purchase-orders",
        content=b"PO-4711",
        headers={**tenant.headers, "Content-Type": "text/plain"},
    )

    assert (posted.status_code, posted.json()["result"]) == (201, "created")
    assert_problem(text, 415, "unsupported_media_type")


def test_xml_with_a_doctype_or_of_the_wrong_kind_is_refused(client, tenant):
    doctype = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2">&e;</Order>'
    )
    wrong = b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'

    assert_problem(
        post_xml(client, tenant, "purchase-orders", doctype), 422, "xml_forbidden_construct"
    )
    assert_problem(
        post_xml(client, tenant, "goods-receipts", doctype), 422, "xml_forbidden_construct"
    )
    assert_problem(post_xml(client, tenant, "purchase-orders", wrong), 422, "not_an_order_document")
    assert_problem(post_xml(client, tenant, "purchase-orders", b"<Order"), 422, "unreadable_xml")


def test_an_xml_body_over_the_limit_is_413(client, tenant):
    data = b"<Order>" + b" " * (5 * 1024 * 1024) + b"</Order>"

    assert_problem(post_xml(client, tenant, "purchase-orders", data), 413, "payload_too_large")


# -- Matching policy --------------------------------------------------------------------------


def test_the_matching_policy_starts_as_defaults_and_echoes_what_was_put(client, tenant):
    defaults = get(client, tenant, "matching/policy").json()
    policy = {
        "tolerances": {"price_over": {"percent": 2, "amount": "50.00"}, "fee_amount": "150"},
        "three_way_default": False,
        "duplicate_window_days": 30,
    }

    first = client.put(f"{API}/matching/policy", json=policy, headers=tenant.headers)
    again = client.put(f"{API}/matching/policy", json=policy, headers=tenant.headers)
    bad = client.put(
        f"{API}/matching/policy",
        json={
            **policy,
            "tolerances": {"price_over": {"percent": "-1"}},
            "duplicate_window_days": 91,
        },
        headers=tenant.headers,
    )

    assert defaults["updated_at"] is None
    assert defaults["three_way_default"] is True
    assert defaults["tolerances"]["fee_amount"] == "0"
    assert first.json()["result"] == "created"
    assert again.json()["result"] == "unchanged"
    shown = get(client, tenant, "matching/policy").json()
    assert shown["tolerances"]["price_over"] == {"percent": "2", "amount": "50"}
    assert shown["tolerances"]["fee_amount"] == "150"
    assert shown["tolerances"]["price_under"] == {"percent": None, "amount": None}
    assert (shown["three_way_default"], shown["duplicate_window_days"]) == (False, 30)
    body = assert_problem(bad, 422, "invalid_record")
    assert {p["field"] for p in body["problems"]} == {"tolerances", "duplicate_window_days"}


# -- Tenancy and scopes -----------------------------------------------------------------------


def test_another_company_sees_none_of_it(client, tenant, other_tenant):
    with_order(client, tenant)
    assert put(client, tenant, "goods-receipts", "GR-1", a_receipt()).status_code == 201

    for path in ("suppliers/S-1", "purchase-orders/PO-4711", "goods-receipts/GR-1"):
        assert_problem(get(client, other_tenant, path), 404, "not_found")
    for path in ("suppliers", "purchase-orders", "goods-receipts"):
        assert get(client, other_tenant, path).json()["items"] == []
    # the other company's receipt cannot reach this company's order either
    response = put(client, other_tenant, "goods-receipts", "GR-1", a_receipt())
    assert_problem(response, 422, "invalid_record")
    with session_scope() as session:
        assert (
            session.exec(
                select(func.count())
                .select_from(GoodsReceipt)
                .where(GoodsReceipt.company_id == other_tenant.company_id)
            ).one()
            == 0
        )


def test_a_key_without_master_data_scopes_is_forbidden(client, a_tenant):
    documents_only = a_tenant("Dokumenter AS", scopes=("documents:read", "documents:write"))
    reader = a_tenant("Lesetilgang AS", scopes=("master_data:read",))

    assert_problem(get(client, documents_only, "suppliers"), 403, "forbidden")
    assert_problem(get(client, documents_only, "matching/policy"), 403, "forbidden")
    assert_problem(
        put(client, documents_only, "accounts", "1920", {"name": "Bank"}), 403, "forbidden"
    )
    assert get(client, reader, "suppliers").status_code == 200
    assert_problem(put(client, reader, "suppliers", "S-1", a_supplier()), 403, "forbidden")


def test_bank_accounts_are_replaced_not_added(client, tenant):
    with_supplier(client, tenant)

    put(client, tenant, "suppliers", "S-1", a_supplier(bank_accounts=[IBAN, BBAN, BBAN]))
    put(client, tenant, "suppliers", "S-1", a_supplier(bank_accounts=[IBAN]))

    with session_scope() as session:
        accounts = session.exec(
            select(SupplierBankAccount.account, SupplierBankAccount.kind)
            .join(Supplier, col(Supplier.id) == SupplierBankAccount.supplier_id)
            .where(Supplier.company_id == tenant.company_id)
        ).all()
    assert [tuple(row) for row in accounts] == [(IBAN, "iban")]


def test_order_quantities_are_exact_decimals(client, tenant):
    with_order(client, tenant, lines=[a_line(1, quantity="0.0001", unit_price=0.1)])

    with session_scope() as session:
        line_quantity = session.exec(
            select(PurchaseOrder).where(PurchaseOrder.company_id == tenant.company_id)
        ).one()
    shown = get(client, tenant, "purchase-orders/PO-4711").json()
    assert line_quantity.number_key == "4711"
    assert Decimal(shown["lines"][0]["quantity"]) == Decimal("0.0001")
    assert shown["lines"][0]["unit_price"] == "0.1"
