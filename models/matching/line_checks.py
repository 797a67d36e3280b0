"""The verdict on one invoice line paired with one PO line: price, quantity and allocation.

Invoices print what they print: a line may lack its quantity, its unit price or its amount. The
missing figure is derived from the others where that is exact, so a reading gap does not turn
into a false exception, and left unchecked where it cannot be derived.

A line gets an allocation only when its outcome is not an exception: the PO line's invoiced
quantity is then only consumed by lines that pass, and an exception line does not block a
corrected invoice that follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from models.decimals import tidy_quantity
from models.matching import findings
from models.matching.assignment import CandidateLine
from models.matching.findings import CENT
from models.matching.records import (
    Allocation,
    InvoiceLineToMatch,
    LineMatch,
    MatchMode,
    MatchOutcome,
    MatchReason,
    ReasonFinding,
    Tolerances,
)
from models.matching.tolerance import within

_QUANTITY_PLACES = Decimal("0.0001")
_PRICE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class LineVerdict:
    """A line's match and what it justifies on the invoice total: |quantity| x the unit price
    accepted for it (the invoice's, when within the price tolerance). The total check is then
    about the invoice's net amount against its accepted lines (rounding, a misread or altered
    total, an invoice without lines), not a second price check that would hold every invoice
    the line tolerances just let through."""

    match: LineMatch
    expected_value: Decimal


def check_matched_line(
    line: InvoiceLineToMatch,
    candidate: CandidateLine,
    tolerances: Tolerances,
    *,
    credit: bool,
) -> LineVerdict:
    """Price and quantity checks of an assigned line (rule 4 of the matching rules)."""
    quantity = line_quantity(line, candidate, credit=credit)
    signed = -abs(quantity) if credit else quantity
    price = line_unit_price(line, candidate, quantity, credit=credit)

    reasons: list[ReasonFinding] = []
    tolerated = False
    if price is not None:
        finding, within_limit = _check_price(price, candidate, tolerances)
        reasons.extend(finding)
        tolerated |= within_limit
    finding, within_limit = _check_quantity(signed, candidate, tolerances)
    reasons.extend(finding)
    tolerated |= within_limit

    if reasons:
        outcome = MatchOutcome.EXCEPTION
    elif tolerated:
        outcome = MatchOutcome.WITHIN_TOLERANCE
    else:
        outcome = MatchOutcome.MATCHED
    order, po_line = candidate.order, candidate.line
    allocation = None
    if outcome is not MatchOutcome.EXCEPTION:
        billed_price = price if price is not None else po_line.unit_price
        allocation = Allocation(
            order_id=order.order_id,
            line_id=po_line.line_id,
            quantity=signed,
            amount=(signed * billed_price).quantize(CENT, rounding=ROUND_HALF_UP),
        )
    match = LineMatch(
        line_number=line.line_number,
        outcome=outcome,
        order_number=order.number,
        order_line=po_line.line_number,
        allocation=allocation,
        reasons=tuple(reasons),
    )
    accepted_price = price if price is not None else po_line.unit_price
    return LineVerdict(match, (abs(signed) * accepted_price).quantize(CENT, rounding=ROUND_HALF_UP))


def line_quantity(line: InvoiceLineToMatch, candidate: CandidateLine, *, credit: bool) -> Decimal:
    """The quantity billed (as printed, positive on a credit note).

    Missing, it is the amount divided by the PO unit price when that comes out exact to four
    decimals (a line of 1 250.00 at 250.00 is 5 units); otherwise it is taken to be what is
    still open to bill (to credit, for a credit note), since a line that prints only an amount
    usually bills the delivery as a whole.
    """
    if line.quantity is not None:
        return abs(line.quantity) if credit else line.quantity
    po_price = candidate.line.unit_price
    if line.amount is not None and po_price != 0:
        amount = abs(line.amount) if credit else line.amount
        derived = amount / po_price
        if derived == derived.quantize(_QUANTITY_PLACES):
            return tidy_quantity(derived.quantize(_QUANTITY_PLACES))
    open_quantity = candidate.line.invoiced_quantity if credit else candidate.open_quantity
    return max(open_quantity, Decimal(0))


def line_unit_price(
    line: InvoiceLineToMatch, candidate: CandidateLine, quantity: Decimal, *, credit: bool
) -> Decimal | None:
    """The invoice's unit price: as printed, else amount / quantity, else unknown (unchecked).

    A derived price is the PO's when quantity x PO price rounds to the printed amount, since the
    amount was rounded to øre from exactly that; otherwise it is cut to four decimals.
    """
    if line.unit_price is not None:
        return abs(line.unit_price) if credit else line.unit_price
    if line.amount is None or quantity == 0:
        return None
    amount = abs(line.amount) if credit else line.amount
    po_price = candidate.line.unit_price
    if (quantity * po_price).quantize(CENT, rounding=ROUND_HALF_UP) == amount.quantize(
        CENT, rounding=ROUND_HALF_UP
    ):
        return po_price
    return (amount / quantity).quantize(_PRICE_PLACES)


def _check_price(
    price: Decimal, candidate: CandidateLine, tolerances: Tolerances
) -> tuple[list[ReasonFinding], bool]:
    """([finding], tolerated): an exception beyond the limit, tolerated within it."""
    expected = candidate.line.unit_price
    deviation = price - expected
    if deviation == 0:
        return [], False
    code, limit = (
        (MatchReason.PRICE_OVER, tolerances.price_over)
        if deviation > 0
        else (MatchReason.PRICE_UNDER, tolerances.price_under)
    )
    if within(limit, expected, abs(deviation)):
        return [], True
    finding = findings.price_deviation(code, candidate.order, candidate.line, price, limit)
    return [finding], False


def _check_quantity(
    signed: Decimal, candidate: CandidateLine, tolerances: Tolerances
) -> tuple[list[ReasonFinding], bool]:
    """Billing (positive) against what is open; crediting (negative) against what was billed.

    3-way: what is open is received less invoiced, so the same received quantity is never
    billed twice; 2-way: ordered less invoiced. A percentage tolerance is of the line's
    received (3-way) or ordered (2-way) quantity, not of what is left of it, so the last part of
    a delivery is allowed the same overrun as the first. Crediting has no tolerance: a credit
    note may not return more than was billed.
    """
    order, line = candidate.order, candidate.line
    if signed < 0:
        credited = -signed
        if credited > line.invoiced_quantity:
            return [findings.credit_over_invoiced(order, line, credited)], False
        return [], False
    if signed == 0:
        return [], False
    three_way = order.mode is MatchMode.THREE_WAY
    available = candidate.open_quantity
    if three_way and available <= 0:
        return [findings.not_received(order, line, signed)], False
    if signed <= available:
        return [], False
    base = max(available, Decimal(0))
    line_basis = line.received_quantity if three_way else line.quantity
    if within(tolerances.quantity_over, line_basis, signed - base):
        return [], True
    code = MatchReason.QTY_OVER_RECEIVED if three_way else MatchReason.QTY_OVER_ORDERED
    return [
        findings.quantity_over(code, order, line, signed, base, tolerances.quantity_over)
    ], False
