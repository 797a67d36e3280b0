"""What the matching engine reads and what it answers, as plain frozen data.

The engine never touches the database: the pipeline's match stage (and ``bilag bench
matching``) load the candidate purchase orders into :class:`OrderState` values, call
:func:`models.matching.engine.match_invoice_to_orders`, and store the :class:`InvoiceMatch`.
Quantities and money are ``Decimal``; a PO line's ``received_quantity`` and
``invoiced_quantity`` are its totals so far, the invoice being matched excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class MatchMode(StrEnum):
    """2-way: invoice against the order. 3-way: against what was received as well."""

    TWO_WAY = "two_way"
    THREE_WAY = "three_way"


class MatchOutcome(StrEnum):
    """A line's or an invoice's verdict. ``not_po_backed``: an invoice nothing asks to match."""

    MATCHED = "matched"
    WITHIN_TOLERANCE = "within_tolerance"
    EXCEPTION = "exception"
    NOT_PO_BACKED = "not_po_backed"


class MatchReason(StrEnum):
    """Stable reason codes of a matching exception; clients switch on them."""

    PRICE_OVER = "price_over"  # unit price above the PO's, beyond tolerance
    PRICE_UNDER = "price_under"  # unit price below the PO's, beyond tolerance
    QTY_OVER_RECEIVED = "qty_over_received"  # 3-way: more invoiced than received and not billed
    QTY_OVER_ORDERED = "qty_over_ordered"  # 2-way: more invoiced than ordered and not billed
    QTY_OVER_INVOICED = "qty_over_invoiced"  # a credit note returns more than was invoiced
    NOT_RECEIVED = "not_received"  # 3-way: nothing received that is not already billed
    NO_PO = "no_po"  # the referenced PO is unknown, or a PO is required and none fits
    NO_PO_LINE = "no_po_line"  # an invoice line that fits no line of the candidate POs
    PO_CLOSED = "po_closed"  # the referenced PO is closed or cancelled
    SUPPLIER_MISMATCH = "supplier_mismatch"  # the PO belongs to another supplier
    CURRENCY_MISMATCH = "currency_mismatch"  # the PO is in another currency
    FEE_OVER = "fee_over"  # freight and fee lines without a PO line above the allowed amount
    TOTAL_OVER = "total_over"  # the invoice's net total above what the matched lines justify
    TOTAL_UNDER = "total_under"
    DUPLICATE_INVOICE = "duplicate_invoice"  # see models.matching.duplicates


@dataclass(frozen=True)
class Limit:
    """How far a figure may deviate one way: a percentage of the expected value and/or an
    absolute amount. A limit that is None does not apply; when both are None no deviation is
    allowed. When both are set the deviation must be within both (the stricter wins), as in
    SAP's tolerance keys. Exactly at the limit passes."""

    percent: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class Tolerances:
    """A company's matching tolerances; a supplier may override any of them.

    Prices are compared per unit, quantities against what may still be invoiced, totals as the
    invoice's net amount against the matched lines' expected value plus tolerated fees.
    ``fee_amount`` is how much freight and fee lines without a PO line may add in total.
    """

    price_over: Limit = field(default_factory=Limit)
    price_under: Limit = field(default_factory=Limit)
    quantity_over: Limit = field(default_factory=Limit)
    total_over: Limit = field(default_factory=Limit)
    total_under: Limit = field(default_factory=Limit)
    fee_amount: Decimal = Decimal("0")


@dataclass(frozen=True)
class OrderLineState:
    """One PO line as the engine needs it. ``line_id`` is the stored line's id (opaque)."""

    line_id: str
    line_number: int
    item_code: str | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    unit: str | None = None
    received_quantity: Decimal = Decimal("0")
    invoiced_quantity: Decimal = Decimal("0")
    account: str | None = None
    vat_rate: Decimal | None = None
    closed: bool = False


@dataclass(frozen=True)
class OrderState:
    """One purchase order. ``supplier_id`` is the Bilag supplier id (opaque), when known."""

    order_id: str
    number: str
    supplier_id: str | None
    currency: str
    mode: MatchMode
    closed: bool
    lines: tuple[OrderLineState, ...]


@dataclass(frozen=True)
class InvoiceLineToMatch:
    """An invoice line; any of the figures may be missing from what was read."""

    line_number: int
    description: str
    item_code: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    order_reference: str | None = None  # a PO number given on the line itself (EHF)


@dataclass(frozen=True)
class InvoiceToMatch:
    """An invoice or credit note. Credit notes carry positive figures, as printed; the engine
    turns them into negative allocations."""

    supplier_id: str | None
    currency: str
    net_amount: Decimal | None
    lines: tuple[InvoiceLineToMatch, ...]
    order_numbers: tuple[str, ...] = ()
    is_credit_note: bool = False


@dataclass(frozen=True)
class ReasonFinding:
    """One reason with the numbers behind it, so a clerk sees why without opening the PO."""

    code: MatchReason
    message: str
    expected: Decimal | str | None = None
    actual: Decimal | str | None = None
    tolerance: str | None = None  # the limit applied, in words: "2 % or 1.00, the stricter"
    order_number: str | None = None
    order_line: int | None = None


@dataclass(frozen=True)
class Allocation:
    """Quantity of one PO line billed by one invoice line; negative for a credit note."""

    order_id: str
    line_id: str
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class LineMatch:
    line_number: int
    outcome: MatchOutcome
    order_number: str | None = None
    order_line: int | None = None
    allocation: Allocation | None = None
    is_fee: bool = False
    reasons: tuple[ReasonFinding, ...] = ()


@dataclass(frozen=True)
class InvoiceMatch:
    """The verdict: the worst of the lines' outcomes and the invoice's own reasons."""

    outcome: MatchOutcome
    mode: MatchMode | None
    lines: tuple[LineMatch, ...]
    reasons: tuple[ReasonFinding, ...] = ()

    @property
    def allocations(self) -> tuple[Allocation, ...]:
        return tuple(line.allocation for line in self.lines if line.allocation is not None)

    @property
    def all_reasons(self) -> tuple[ReasonFinding, ...]:
        return self.reasons + tuple(r for line in self.lines for r in line.reasons)
