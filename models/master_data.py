"""Master data as an ERP sends it, before it is stored: suppliers, chart codes, the matching
policy, purchase orders and goods receipts.

The API's JSON and the EHF Order / ReceiptAdvice readers both produce these records, so one
upsert path stores them whatever the wire format. References between records use the ERP's own
identifiers (``external_id``, order number, line number): the ERP does not know Bilag's ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from models.chart import LedgerKind
from models.matching.records import Tolerances


class OrderStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # fully handled in the ERP: nothing more may be invoiced against it
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PurchaseOrderLineRecord:
    line_number: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    item_code: str | None = None
    unit: str | None = None
    vat_rate: Decimal | None = None
    account: str | None = None


@dataclass(frozen=True)
class PurchaseOrderRecord:
    """An order. The supplier is named by the ERP's supplier id, or failing that by org number
    and name (an EHF Order carries the seller's party, not the buyer's supplier id)."""

    external_id: str
    number: str
    currency: str
    lines: tuple[PurchaseOrderLineRecord, ...]
    order_date: date | None = None
    supplier_external_id: str | None = None
    supplier_org_number: str | None = None
    supplier_name: str | None = None
    status: OrderStatus = OrderStatus.OPEN
    three_way: bool | None = None  # None: 3-way when the company's policy says so


@dataclass(frozen=True)
class GoodsReceiptLineRecord:
    """``quantity`` received of one order line; negative returns goods."""

    order_line_number: int
    quantity: Decimal
    order_number: str | None = None  # when one receipt covers several orders


@dataclass(frozen=True)
class GoodsReceiptRecord:
    external_id: str
    order_number: str | None
    receipt_date: date
    lines: tuple[GoodsReceiptLineRecord, ...]


@dataclass(frozen=True)
class SupplierRecord:
    """A supplier as the ERP keeps it; identifiers are already normalised.

    ``bank_accounts`` None keeps the accounts Bilag has; a tuple (even an empty one) replaces
    them. ``match_tolerances`` holds only the overridden tolerances, in stored form.
    """

    external_id: str
    name: str
    org_number: str | None = None
    vat_number: str | None = None
    country: str = "NO"
    bank_accounts: tuple[str, ...] | None = None
    default_coding: Mapping[str, str] | None = None
    payment_terms_days: int | None = None
    match_tolerances: Mapping[str, Any] | None = None
    po_required: bool = False
    active: bool = True


@dataclass(frozen=True)
class LedgerCodeRecord:
    kind: LedgerKind
    code: str
    name: str = ""
    active: bool = True
    vat_rate: Decimal | None = None
    standard_code: str | None = None
    deductible: bool | None = None


@dataclass(frozen=True)
class MatchPolicyRecord:
    tolerances: Tolerances
    three_way_default: bool = True
    duplicate_window_days: int = 7
