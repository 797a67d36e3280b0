"""Every reason a match can fail, as a finding with its numbers and a sentence for a clerk.

All wording lives here so the rules read as rules and the messages stay consistent. Figures are
printed as plain decimals (never "1E+2"); a derived figure such as 100 / 3 is cut to four
decimals for reading, while ``expected`` and ``actual`` keep the values the rule compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from models.matching.records import Limit, MatchReason, OrderLineState, OrderState, ReasonFinding
from models.matching.tolerance import describe

CENT = Decimal("0.01")
_READABLE = Decimal("0.0001")


def fmt(value: Decimal) -> str:
    """A decimal as a clerk reads it: no exponent, at most four decimals."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        value = value.quantize(_READABLE, rounding=ROUND_HALF_UP)
    return f"{value:f}"


def po_line(order: OrderState, line: OrderLineState) -> str:
    return f"PO {order.number} line {line.line_number}"


def unknown_order(printed: str) -> ReasonFinding:
    return ReasonFinding(
        code=MatchReason.NO_PO,
        message=f"PO {printed} is not a known purchase order.",
        expected=printed,
        order_number=printed,
    )


def order_required() -> ReasonFinding:
    return ReasonFinding(
        code=MatchReason.NO_PO,
        message="A purchase order is required, and the invoice names none and fits no open order"
        " of the supplier.",
    )


def supplier_mismatch(order: OrderState, invoice_supplier: str) -> ReasonFinding:
    return ReasonFinding(
        code=MatchReason.SUPPLIER_MISMATCH,
        message=f"PO {order.number} belongs to supplier {order.supplier_id}, not to the"
        f" invoicing supplier {invoice_supplier}.",
        expected=order.supplier_id,
        actual=invoice_supplier,
        order_number=order.number,
    )


def currency_mismatch(order: OrderState, invoice_currency: str) -> ReasonFinding:
    return ReasonFinding(
        code=MatchReason.CURRENCY_MISMATCH,
        message=f"PO {order.number} is in {order.currency}, the invoice in {invoice_currency}.",
        expected=order.currency,
        actual=invoice_currency,
        order_number=order.number,
    )


def order_closed(order: OrderState) -> ReasonFinding:
    return ReasonFinding(
        code=MatchReason.PO_CLOSED,
        message=f"PO {order.number} is closed; nothing more may be invoiced against it.",
        order_number=order.number,
    )


def price_deviation(
    code: MatchReason,
    order: OrderState,
    line: OrderLineState,
    price: Decimal,
    limit: Limit,
) -> ReasonFinding:
    direction = "above" if code is MatchReason.PRICE_OVER else "below"
    tolerance = describe(limit)
    return ReasonFinding(
        code=code,
        message=f"Unit price {fmt(price)} is {fmt(abs(price - line.unit_price))} {direction}"
        f" {po_line(order, line)}'s {fmt(line.unit_price)}; tolerance {tolerance}.",
        expected=line.unit_price,
        actual=price,
        tolerance=tolerance,
        order_number=order.number,
        order_line=line.line_number,
    )


def not_received(order: OrderState, line: OrderLineState, quantity: Decimal) -> ReasonFinding:
    return ReasonFinding(
        code=MatchReason.NOT_RECEIVED,
        message=f"Nothing of {po_line(order, line)} is received and not yet invoiced (received"
        f" {fmt(line.received_quantity)}, invoiced {fmt(line.invoiced_quantity)}); the invoice"
        f" bills {fmt(quantity)}.",
        expected=Decimal(0),
        actual=quantity,
        order_number=order.number,
        order_line=line.line_number,
    )


def quantity_over(
    code: MatchReason,
    order: OrderState,
    line: OrderLineState,
    quantity: Decimal,
    available: Decimal,
    limit: Limit,
) -> ReasonFinding:
    what = "received" if code is MatchReason.QTY_OVER_RECEIVED else "ordered"
    tolerance = describe(limit)
    return ReasonFinding(
        code=code,
        message=f"Quantity {fmt(quantity)} is {fmt(quantity - available)} more than the"
        f" {fmt(available)} {what} and not yet invoiced on {po_line(order, line)};"
        f" tolerance {tolerance}.",
        expected=available,
        actual=quantity,
        tolerance=tolerance,
        order_number=order.number,
        order_line=line.line_number,
    )


def credit_over_invoiced(
    order: OrderState, line: OrderLineState, credited: Decimal
) -> ReasonFinding:
    return ReasonFinding(
        code=MatchReason.QTY_OVER_INVOICED,
        message=f"The credit note returns {fmt(credited)}, more than the"
        f" {fmt(line.invoiced_quantity)} invoiced on {po_line(order, line)}.",
        expected=line.invoiced_quantity,
        actual=credited,
        order_number=order.number,
        order_line=line.line_number,
    )


def no_order_line(line_number: int, description: str, orders: Sequence[str]) -> ReasonFinding:
    where = (
        f"no open line of PO {', '.join(orders)}"
        if orders
        else "no open purchase order line to match against"
    )
    label = f"Line {line_number} ({description.strip()})" if description.strip() else "Line"
    return ReasonFinding(
        code=MatchReason.NO_PO_LINE,
        message=f"{label} fits {where}.",
    )


def fees_over(total: Decimal, allowed: Decimal) -> ReasonFinding:
    return ReasonFinding(
        code=MatchReason.FEE_OVER,
        message=f"Freight and fee lines without a PO line total {fmt(total)}; at most"
        f" {fmt(allowed)} is allowed.",
        expected=allowed,
        actual=total,
        tolerance=fmt(allowed),
    )


def total_deviation(
    code: MatchReason, actual: Decimal, expected: Decimal, basis: str, limit: Limit
) -> ReasonFinding:
    """``basis`` says where the expected figure comes from, e.g. "the matched lines justify"."""
    direction = "above" if code is MatchReason.TOTAL_OVER else "below"
    tolerance = describe(limit)
    return ReasonFinding(
        code=code,
        message=f"Net amount {fmt(actual)} is {fmt(abs(actual - expected))} {direction} the"
        f" {fmt(expected)} {basis}; tolerance {tolerance}.",
        expected=expected,
        actual=actual,
        tolerance=tolerance,
    )


def nothing_to_invoice(orders: Sequence[OrderState], actual: Decimal) -> ReasonFinding:
    """A line-less invoice against orders of which nothing received is left unbilled."""
    numbers = ", ".join(order.number for order in orders)
    return ReasonFinding(
        code=MatchReason.NOT_RECEIVED,
        message=f"Nothing of PO {numbers} is received and not yet invoiced; the invoice bills"
        f" {fmt(actual)}.",
        expected=Decimal(0),
        actual=actual,
        order_number=orders[0].number if len(orders) == 1 else None,
    )
