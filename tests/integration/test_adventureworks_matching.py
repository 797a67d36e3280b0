"""AdventureWorks purchasing (Microsoft's sample ERP) loaded through the API as master data,
with invoices derived from its orders (our construction: the data has no invoices) sent as EHF
through the pipeline and matched.

The expected verdict of every derived invoice follows from how it was derived from the data
(billing what was received; billing what was ordered on a short delivery; a raised price;
billing the same goods twice; a cancelled order; another vendor's order), not from the engine.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.adventureworks import Order, Purchasing, read_purchasing
from tests.builders import an_invoice
from tests.integration.helpers import upload
from tests.shared_data import shared_path
from workers.sample_ehf import EhfExtras, render_sample_invoice_ehf
from workers.samples import SampleLine

BATCH = 2000


@pytest.fixture(scope="module")
def purchasing() -> Purchasing:
    return read_purchasing(shared_path("purchasing", "csv"))


def load(client, tenant, resource, records):
    created = 0
    for start in range(0, len(records), BATCH):
        body = {"records": records[start : start + BATCH]}
        response = client.post(f"/api/v1/{resource}/bulk", json=body, headers=tenant.headers)
        assert response.status_code == 200, response.text[:2000]
        result = response.json()
        assert result["errors"] == [], result["errors"][:3]
        created += result["created"]
    return created


def invoice_xml(purchasing, order: Order, number, quantities, *, day, prices=None, vendor=None):
    vendor_id = vendor or order.vendor_id
    supplier = next(s for s in purchasing.supplier_records() if s["external_id"] == vendor_id)
    lines = tuple(
        SampleLine(
            line.description,
            quantities[line.line_number],
            (prices or {}).get(line.line_number, line.unit_price),
            Decimal("0"),
        )
        for line in order.lines
        if quantities.get(line.line_number)
    )
    spec = an_invoice(
        supplier_name=supplier["name"],
        supplier_org_number=supplier["org_number"],
        invoice_number=number,
        invoice_date=date(2026, 1, 5) + timedelta(days=day),
        due_date=date(2026, 2, 5) + timedelta(days=day),
        currency="USD",
        lines=lines,
    )
    extras = EhfExtras(order_reference=order.number, embed_pdf=False, kid=None, bank_account=None)
    return render_sample_invoice_ehf(spec, extras)


def send(client, tenant, xml, number):
    response = upload(client, tenant, xml, f"{number}.xml", "application/xml")
    assert response.status_code == 201, response.text
    return response.json()["id"]


def verdict(client, tenant, document_id):
    response = client.get(f"/api/v1/documents/{document_id}/match", headers=tenant.headers)
    assert response.status_code == 200, response.text
    match = response.json()
    found = {reason["code"] for reason in match["reasons"]}
    found |= {reason["code"] for line in match["lines"] for reason in line["reasons"]}
    return match["outcome"], sorted(found)


def test_adventureworks_orders_loaded_through_the_api_match_invoices_derived_from_them(
    client, tenant, drain, purchasing
):
    assert load(client, tenant, "suppliers", purchasing.supplier_records()) == 104
    assert load(client, tenant, "purchase-orders", purchasing.order_records()) == 4012
    receipts = purchasing.receipt_records()
    assert load(client, tenant, "goods-receipts", receipts) == len(receipts)

    open_orders = [o for o in purchasing.orders.values() if o.status == "open"]
    full = [o for o in open_orders if all(line.received == line.ordered for line in o.lines)]
    short = [o for o in open_orders if any(0 < line.received < line.ordered for line in o.lines)]
    cancelled = next(o for o in purchasing.orders.values() if o.status == "cancelled")
    as_received = full[:6]
    raised_price = full[6:9]
    billed_twice = full[9:11]
    other_vendor = next(o for o in full[11:] if o.vendor_id != full[0].vendor_id)

    def received(order):
        return {line.line_number: line.received for line in order.lines}

    def ordered(order):
        return {line.line_number: line.ordered for line in order.lines}

    expected: dict[str, tuple[str, list[str]]] = {}
    day = 0

    def derive(order, number, quantities, outcome, codes, **options):
        nonlocal day
        day += 10
        xml = invoice_xml(purchasing, order, number, quantities, day=day, **options)
        expected[send(client, tenant, xml, number)] = (outcome, codes)

    for order in as_received + billed_twice:
        derive(order, f"AW-{order.number}", received(order), "matched", [])
    for order in short[:4]:
        derive(order, f"AW-{order.number}", ordered(order), "exception", ["qty_over_received"])
    for order in raised_price:
        first = order.lines[0]
        raised = (first.unit_price * Decimal("1.05")).quantize(Decimal("0.01"))
        derive(
            order,
            f"AW-{order.number}",
            received(order),
            "exception",
            ["price_over"],
            prices={first.line_number: raised},
        )
    derive(cancelled, f"AW-{cancelled.number}", ordered(cancelled), "exception", ["po_closed"])
    derive(
        other_vendor,
        f"AW-X-{other_vendor.number}",
        received(other_vendor),
        "exception",
        ["supplier_mismatch"],
        vendor=full[0].vendor_id,
    )
    drain()
    # The same received goods billed again, as a later invoice: nothing left to bill.
    for order in billed_twice:
        derive(order, f"AW-{order.number}-2", received(order), "exception", ["not_received"])
    drain()

    actual = {document_id: verdict(client, tenant, document_id) for document_id in expected}
    assert actual == expected
