"""The match stage end to end: master data pushed over the API, EHF invoices through the real
pipeline (PostgreSQL, Redis, RQ), verdicts and cases read back over the API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from models.db import session_scope
from models.tables import AuditEvent
from tests.builders import SUPPLIER_ORG_NUMBER, an_invoice
from tests.integration.helpers import upload
from workers.sample_ehf import EhfExtras, render_sample_invoice_ehf
from workers.samples import SampleLine, render_sample_invoice_pdf

BANK_ACCOUNT = EhfExtras().bank_account
ORDER = "4500012"
CHAIR, DESK, LAMP = (
    ("Kontorstol Ergo", Decimal("1500.00")),
    ("Skrivebord hev/senk", Decimal("4000.00")),
    ("Skrivebordslampe LED", Decimal("250.00")),
)


@pytest.fixture
def supplier_with_order(client, tenant):
    """Fjordlys (the sample invoices' supplier) with a 3-way order of three lines."""
    supplier = {
        "name": "Fjordlys Elektro AS",
        "org_number": SUPPLIER_ORG_NUMBER,
        "bank_accounts": [BANK_ACCOUNT],
    }
    response = client.put("/api/v1/suppliers/V-100", json=supplier, headers=tenant.headers)
    assert response.status_code == 201, response.text
    put_order(client, tenant, ORDER, [(CHAIR, 10), (DESK, 6), (LAMP, 30)])


def put_order(client, tenant, number, lines, **extra):
    order = {
        "number": number,
        "supplier": "V-100",
        "currency": "NOK",
        "three_way": True,
        "lines": [
            {
                "line_number": n,
                "item_code": f"ART-{n}",
                "description": description,
                "quantity": str(quantity),
                "unit": "EA",
                "unit_price": str(price),
                "vat_rate": "25",
            }
            for n, ((description, price), quantity) in enumerate(lines, start=1)
        ],
        **extra,
    }
    response = client.put(f"/api/v1/purchase-orders/{number}", json=order, headers=tenant.headers)
    assert response.status_code in (200, 201), response.text


def receive(client, tenant, receipt_id, quantities, order=ORDER):
    receipt = {
        "receipt_date": "2026-11-02",
        "order_number": order,
        "lines": [
            {"order_line_number": line, "quantity": str(quantity)}
            for line, quantity in quantities.items()
        ],
    }
    response = client.put(
        f"/api/v1/goods-receipts/{receipt_id}", json=receipt, headers=tenant.headers
    )
    assert response.status_code in (200, 201), response.text


def send_invoice(client, tenant, number, lines, *, day=0, order=ORDER, **overrides):
    """An EHF invoice of ``lines`` ((description, unit price), quantity), ``day`` days after
    the first, so invoices of one amount are not taken for duplicates of each other."""
    spec = an_invoice(
        invoice_number=number,
        invoice_date=date(2026, 11, 3) + timedelta(days=day),
        due_date=date(2026, 12, 3) + timedelta(days=day),
        lines=tuple(
            SampleLine(description, Decimal(quantity), price, Decimal("25"))
            for (description, price), quantity in lines
        ),
        **overrides,
    )
    xml = render_sample_invoice_ehf(spec, EhfExtras(order_reference=order, embed_pdf=False))
    response = upload(client, tenant, xml, f"{number}.xml", "application/xml")
    assert response.status_code == 201, response.text
    return response.json()


def match_of(client, tenant, document):
    response = client.get(f"/api/v1/documents/{document['id']}/match", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


def status_and_cases(client, tenant, document):
    detail = client.get(f"/api/v1/documents/{document['id']}", headers=tenant.headers).json()
    open_cases = [case for case in detail["exceptions"] if case["resolved_at"] is None]
    return detail["status"]["code"], sorted(case["code"] for case in open_cases)


def codes(match):
    found = {reason["code"] for reason in match["reasons"]}
    found |= {reason["code"] for line in match["lines"] for reason in line["reasons"]}
    return sorted(found)


def order_lines(client, tenant, number=ORDER):
    order = client.get(f"/api/v1/purchase-orders/{number}", headers=tenant.headers).json()
    return {
        line["line_number"]: (
            Decimal(line["received_quantity"]),
            Decimal(line["invoiced_quantity"]),
        )
        for line in order["lines"]
    }


def test_an_order_delivered_and_invoiced_in_three_parts_matches_each_part_once(
    client, tenant, drain, supplier_with_order
):
    parts = [
        {1: 4, 2: 2, 3: 10},
        {1: 3, 2: 2, 3: 10},
        {1: 3, 2: 2, 3: 10},
    ]
    for n, part in enumerate(parts, start=1):
        receive(client, tenant, f"GR-{n}", part)
        lines = [(item, part[i]) for i, item in enumerate((CHAIR, DESK, LAMP), start=1)]
        document = send_invoice(client, tenant, f"F-{n}", lines, day=10 * n)
        drain()
        match = match_of(client, tenant, document)
        assert (match["outcome"], match["mode"]) == ("matched", "three_way"), match
        assert [line["order_line"] for line in match["lines"]] == [1, 2, 3]
        assert status_and_cases(client, tenant, document) == ("matched", [])

    assert order_lines(client, tenant) == {
        1: (Decimal(10), Decimal(10)),
        2: (Decimal(6), Decimal(6)),
        3: (Decimal(30), Decimal(30)),
    }
    # The same goods billed a fourth time: everything received is billed already.
    again = send_invoice(client, tenant, "F-4", [(CHAIR, 3)], day=50)
    drain()
    match = match_of(client, tenant, again)
    assert (match["outcome"], codes(match)) == ("exception", ["not_received"])
    assert status_and_cases(client, tenant, again) == ("needs_review", ["not_received"])


def test_an_invoice_waiting_for_goods_is_matched_when_the_receipt_arrives(
    client, tenant, drain, supplier_with_order
):
    document = send_invoice(client, tenant, "F-10", [(CHAIR, 5)])
    drain()
    match = match_of(client, tenant, document)
    assert (codes(match), match["awaiting_erp_data"]) == (["not_received"], True)
    (finding,) = match["lines"][0]["reasons"]
    assert (finding["expected"], finding["actual"], finding["order_line"]) == ("0", "5", 1)

    receive(client, tenant, "GR-10", {1: 5})
    drain()
    match = match_of(client, tenant, document)
    assert (match["outcome"], match["awaiting_erp_data"]) == ("matched", False)
    assert status_and_cases(client, tenant, document) == ("matched", [])
    with session_scope() as session:
        outcomes = session.exec(
            select(AuditEvent.old_value, AuditEvent.new_value)
            .where(AuditEvent.entity_id == document["id"], AuditEvent.action == "match.outcome")
            .order_by(col(AuditEvent.id))
        ).all()
    assert [tuple(row) for row in outcomes] == [(None, "exception"), ("exception", "matched")]


def test_more_than_received_is_qty_over_received_with_the_numbers(
    client, tenant, drain, supplier_with_order
):
    receive(client, tenant, "GR-20", {1: 4})
    document = send_invoice(client, tenant, "F-20", [(CHAIR, 5)])
    drain()
    match = match_of(client, tenant, document)
    (finding,) = match["lines"][0]["reasons"]
    assert finding["code"] == "qty_over_received"
    assert (finding["expected"], finding["actual"]) == ("4", "5")
    assert finding["order_number"] == ORDER


@pytest.mark.parametrize(
    ("price", "outcome", "reason_codes"),
    [
        (Decimal("1501.00"), "within_tolerance", []),  # exactly at the 1.00 limit
        (Decimal("1501.01"), "exception", ["price_over"]),  # one øre over it
        (Decimal("1470.00"), "within_tolerance", []),  # exactly 2 % under
        (Decimal("1469.99"), "exception", ["price_under"]),
    ],
)
def test_price_tolerance_edges_through_the_pipeline(
    client, tenant, drain, supplier_with_order, price, outcome, reason_codes
):
    policy = {
        "tolerances": {
            "price_over": {"amount": "1.00"},
            "price_under": {"percent": "2"},
        }
    }
    response = client.put("/api/v1/matching/policy", json=policy, headers=tenant.headers)
    assert response.status_code == 200, response.text
    receive(client, tenant, "GR-30", {1: 2})
    document = send_invoice(client, tenant, "F-30", [(("Kontorstol Ergo", price), 2)])
    drain()
    match = match_of(client, tenant, document)
    assert (match["outcome"], codes(match)) == (outcome, reason_codes), match


def test_a_supplier_override_loosens_the_company_tolerance(
    client, tenant, drain, supplier_with_order
):
    supplier = {
        "name": "Fjordlys Elektro AS",
        "org_number": SUPPLIER_ORG_NUMBER,
        "bank_accounts": [BANK_ACCOUNT],
        "match_tolerances": {"price_over": {"percent": "5"}},
    }
    assert client.put("/api/v1/suppliers/V-100", json=supplier, headers=tenant.headers).is_success
    receive(client, tenant, "GR-40", {1: 1})
    document = send_invoice(client, tenant, "F-40", [(("Kontorstol Ergo", Decimal("1575")), 1)])
    drain()
    assert match_of(client, tenant, document)["outcome"] == "within_tolerance"


def test_an_unknown_order_is_no_po_and_matches_once_the_erp_sends_it(
    client, tenant, drain, supplier_with_order
):
    document = send_invoice(client, tenant, "F-50", [(LAMP, 4)], order="4500099")
    drain()
    match = match_of(client, tenant, document)
    assert (codes(match), match["awaiting_erp_data"]) == (["no_po"], True)

    put_order(client, tenant, "4500099", [(LAMP, 4)], three_way=False)
    drain()
    match = match_of(client, tenant, document)
    assert (match["outcome"], match["mode"]) == ("matched", "two_way")


def test_a_closed_order_another_suppliers_order_and_another_currency_are_held(
    client, tenant, drain, supplier_with_order
):
    other = {"name": "Annen Leverandør AS", "org_number": "974760673"}
    assert client.put("/api/v1/suppliers/V-200", json=other, headers=tenant.headers).is_success
    put_order(client, tenant, "4500201", [(LAMP, 4)], status="closed")
    put_order(client, tenant, "4500202", [(LAMP, 4)], supplier="V-200")
    put_order(client, tenant, "4500203", [(LAMP, 4)], currency="EUR")
    expected = {
        "4500201": "po_closed",
        "4500202": "supplier_mismatch",
        "4500203": "currency_mismatch",
    }
    documents = {
        number: send_invoice(client, tenant, f"F-{number}", [(LAMP, 4)], day=n * 10, order=number)
        for n, number in enumerate(expected)
    }
    drain()
    for number, code in expected.items():
        assert codes(match_of(client, tenant, documents[number])) == [code]


def test_the_same_invoice_sent_twice_is_a_duplicate_of_the_first(
    client, tenant, drain, supplier_with_order
):
    receive(client, tenant, "GR-60", {3: 10})
    first = send_invoice(client, tenant, "F-60", [(LAMP, 10)])
    drain()
    again = send_invoice(client, tenant, "F 060", [(LAMP, 10)], day=20)
    drain()
    match = match_of(client, tenant, again)
    assert (codes(match), match["duplicate_of"]) == (["duplicate_invoice"], first["id"])
    assert match_of(client, tenant, first)["outcome"] == "matched"
    # The duplicate billed nothing: the lamps are invoiced once.
    assert order_lines(client, tenant)[3] == (Decimal(10), Decimal(10))


def test_a_credit_note_gives_back_invoiced_quantity(client, tenant, drain, supplier_with_order):
    receive(client, tenant, "GR-70", {2: 3})
    send_invoice(client, tenant, "F-70", [(DESK, 3)])
    drain()
    spec = an_invoice(
        invoice_number="K-70", lines=(SampleLine(DESK[0], Decimal(1), DESK[1], Decimal("25")),)
    )
    credit = _credit_note_ehf(spec)
    response = upload(client, tenant, credit, "K-70.xml", "application/xml")
    assert response.status_code == 201, response.text
    drain()
    match = match_of(client, tenant, response.json())
    assert match["outcome"] == "matched", match
    assert Decimal(match["lines"][0]["quantity"]) == -1
    assert order_lines(client, tenant)[2] == (Decimal(3), Decimal(2))


def _credit_note_ehf(spec) -> bytes:
    """The sample EHF as a UBL CreditNote (type 381) referring to the order."""
    xml = render_sample_invoice_ehf(spec, EhfExtras(order_reference=ORDER, embed_pdf=False))
    ubl = b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    credit = b"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
    xml = xml.replace(ubl, credit).replace(b"<Invoice ", b"<CreditNote ")
    xml = xml.replace(b"</Invoice>", b"</CreditNote>")
    xml = xml.replace(
        b"<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
        b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>",
    )
    xml = xml.replace(b"cac:InvoiceLine>", b"cac:CreditNoteLine>")
    return xml.replace(b"cbc:InvoicedQuantity", b"cbc:CreditedQuantity")


def test_another_companys_key_cannot_read_a_match(
    client, tenant, other_tenant, drain, supplier_with_order
):
    document = send_invoice(client, tenant, "F-80", [(LAMP, 1)])
    drain()
    response = client.get(f"/api/v1/documents/{document['id']}/match", headers=other_tenant.headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_same_invoice_as_ehf_and_as_pdf_is_a_duplicate_of_whichever_came_first(
    client, tenant, drain, supplier_with_order
):
    spec = an_invoice(invoice_number="F-90")
    ehf = render_sample_invoice_ehf(spec, EhfExtras(embed_pdf=False))
    first = upload(client, tenant, ehf, "F-90.xml", "application/xml").json()
    drain()
    printed = upload(client, tenant, render_sample_invoice_pdf(spec), "F-90.pdf").json()
    drain()
    match = match_of(client, tenant, printed)
    assert (codes(match), match["duplicate_of"]) == (["duplicate_invoice"], first["id"])
    (finding,) = match["reasons"]
    assert "arrived twice, as ehf and as api" in finding["message"]
    assert status_and_cases(client, tenant, printed) == ("needs_review", ["duplicate_invoice"])


def test_held_invoices_are_judged_again_when_the_tolerances_change(
    client, tenant, drain, supplier_with_order
):
    receive(client, tenant, "GR-100", {1: 2})
    document = send_invoice(client, tenant, "F-100", [(("Kontorstol Ergo", Decimal("1530")), 2)])
    drain()
    assert codes(match_of(client, tenant, document)) == ["price_over"]

    policy = {"tolerances": {"price_over": {"percent": "2"}}}
    assert client.put("/api/v1/matching/policy", json=policy, headers=tenant.headers).is_success
    drain()
    assert match_of(client, tenant, document)["outcome"] == "within_tolerance"
    assert status_and_cases(client, tenant, document) == ("matched", [])

    strict = {
        "name": "Fjordlys Elektro AS",
        "org_number": SUPPLIER_ORG_NUMBER,
        "bank_accounts": [BANK_ACCOUNT],
        "match_tolerances": {"price_over": {"amount": "0"}},
    }
    assert client.put("/api/v1/suppliers/V-100", json=strict, headers=tenant.headers).is_success
    drain()
    # Only invoices held by matching are judged again; a cleared one stays cleared.
    assert match_of(client, tenant, document)["outcome"] == "within_tolerance"

    receive(client, tenant, "GR-101", {1: 1})
    later = send_invoice(client, tenant, "F-101", [(("Kontorstol Ergo", Decimal("1575")), 1)])
    drain()
    assert codes(match_of(client, tenant, later)) == ["price_over"]
    loose = {**strict, "match_tolerances": {"price_over": {"percent": "5"}}}
    assert client.put("/api/v1/suppliers/V-100", json=loose, headers=tenant.headers).is_success
    drain()
    assert match_of(client, tenant, later)["outcome"] == "within_tolerance"
