"""Microsoft's AdventureWorks purchasing data (../shared/data/purchasing) as ERP master data.

Only the mapping to Bilag's API is ours; the orders, lines and received quantities are the
sample ERP's. Two things are our construction and labelled so: AdventureWorks vendors have no
Norwegian organisation numbers, so each gets a valid made-up one (from its id), and the data
has no supplier invoices, so tests derive them from the orders (see ``DerivedInvoice``).

Mapping: a vendor is a supplier (its BusinessEntityID the external id); a PurchaseOrderHeader
an order in USD (pending, approved and complete orders are open for invoicing, rejected ones
cancelled), its PurchaseOrderDetail rows the lines in id order (item code = ProductNumber,
description = product name); a line's StockedQty (received less rejected) one goods receipt
per order, dated the order's ShipDate.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from stdnum.no import orgnr

_STATUS = {"1": "open", "2": "open", "3": "cancelled", "4": "open"}


def made_up_org_number(vendor_id: int) -> str:
    """A valid Norwegian org number per vendor (ours: AdventureWorks has none)."""
    for bump in range(100):
        stem = f"9{(vendor_id * 97 + bump) % 10_000_000:07d}"
        for check in "0123456789":
            if orgnr.is_valid(stem + check):
                return stem + check
    raise ValueError(f"no org number for vendor {vendor_id}")


@dataclass(frozen=True)
class OrderLine:
    line_number: int
    item_code: str
    description: str
    ordered: Decimal
    unit_price: Decimal
    received: Decimal  # StockedQty: received less rejected


@dataclass(frozen=True)
class Order:
    number: str
    vendor_id: str
    status: str
    ship_date: str
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True)
class Purchasing:
    vendors: list[dict[str, str]]
    orders: dict[str, Order]

    def supplier_records(self) -> list[dict[str, Any]]:
        return [
            {
                "external_id": vendor["BusinessEntityID"],
                "name": vendor["Name"],
                "org_number": made_up_org_number(int(vendor["BusinessEntityID"])),
                "active": vendor["ActiveFlag"] == "1",
            }
            for vendor in self.vendors
        ]

    def order_records(self) -> list[dict[str, Any]]:
        return [
            {
                "external_id": order.number,
                "number": order.number,
                "supplier": order.vendor_id,
                "currency": "USD",
                "status": order.status,
                "three_way": True,
                "lines": [
                    {
                        "line_number": line.line_number,
                        "item_code": line.item_code,
                        "description": line.description,
                        "quantity": str(line.ordered),
                        "unit_price": str(line.unit_price),
                    }
                    for line in order.lines
                ],
            }
            for order in self.orders.values()
        ]

    def receipt_records(self) -> list[dict[str, Any]]:
        return [
            {
                "external_id": f"GR-{order.number}",
                "order_number": order.number,
                "receipt_date": order.ship_date,
                "lines": [
                    {"order_line_number": line.line_number, "quantity": str(line.received)}
                    for line in order.lines
                    if line.received > 0
                ],
            }
            for order in self.orders.values()
            if any(line.received > 0 for line in order.lines)
        ]


def read_purchasing(root: Path) -> Purchasing:
    """The vendors and orders of ``root`` (the ``purchasing/csv`` folder)."""
    vendors = _rows(root / "Vendor.csv")
    products = {row["ProductID"]: row for row in _rows(root / "Product.csv")}
    details: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows(root / "PurchaseOrderDetail.csv"):
        details[row["PurchaseOrderID"]].append(row)
    orders = {}
    for header in _rows(root / "PurchaseOrderHeader.csv"):
        number = header["PurchaseOrderID"]
        rows = sorted(details[number], key=lambda row: int(row["PurchaseOrderDetailID"]))
        orders[number] = Order(
            number=number,
            vendor_id=header["VendorID"],
            status=_STATUS[header["Status"]],
            ship_date=header["ShipDate"][:10],
            lines=tuple(
                OrderLine(
                    line_number=position,
                    item_code=products[row["ProductID"]]["ProductNumber"],
                    description=products[row["ProductID"]]["Name"],
                    ordered=Decimal(row["OrderQty"]),
                    unit_price=Decimal(row["UnitPrice"]).normalize(),
                    received=Decimal(row["StockedQty"]),
                )
                for position, row in enumerate(rows, start=1)
            ),
        )
    return Purchasing(vendors, orders)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
