"""Matching an invoice against purchase orders and goods receipts: the verdict, as pure code.

:func:`match_invoice_to_orders` takes the invoice, the candidate orders the caller found (the
orders the invoice names, whatever their supplier, or else the supplier's open orders) and the
tolerances, and answers an :class:`InvoiceMatch`: per line the PO line it bills, the outcome and
the reasons, and on the invoice the reasons that concern it as a whole. It reads no database and
keeps no state; :class:`OrderBook` is the in-memory index a batch uses to find candidates.

Decisions worth knowing:

- An invoice that names no PO and of which no line fits any open order of its supplier is
  ``not_po_backed`` (a supplier with open orders may still send an invoice for something else),
  or a ``no_po`` exception when the company requires a PO.
- Orders passed in but not named are used only when they fit (same supplier and currency, not
  closed); only a named order raises ``supplier_mismatch``, ``currency_mismatch``, ``po_closed``.
- A line gets an allocation only when its own outcome is not an exception. Lines that pass keep
  their allocation even when the invoice is an exception for another reason; whether to book
  them then (say after a clerk's approval) is the caller's decision.
- An invoice without lines is allocated whatever is still open on its orders when its net amount
  fits that value; its allocations are carried by line matches numbered
  :data:`WHOLE_INVOICE_LINE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from models.matching import findings
from models.matching.assignment import CandidateLine, candidate_lines, match_lines
from models.matching.fees import fee_line_amount, is_fee_line
from models.matching.findings import CENT
from models.matching.line_checks import LineVerdict, check_matched_line
from models.matching.order_book import OrderBook, apply_allocations
from models.matching.order_numbers import (
    named_order_numbers,
    normalise_order_number,
    prefer_supplier,
)
from models.matching.records import (
    Allocation,
    InvoiceMatch,
    InvoiceToMatch,
    Limit,
    LineMatch,
    MatchMode,
    MatchOutcome,
    MatchReason,
    OrderState,
    ReasonFinding,
    Tolerances,
)
from models.matching.tolerance import within

__all__ = [
    "WHOLE_INVOICE_LINE",
    "OrderBook",
    "apply_allocations",
    "match_invoice_to_orders",
    "normalise_order_number",
]

# The line number of the line matches that carry a line-less invoice's allocations.
WHOLE_INVOICE_LINE = 0
_ZERO = Decimal(0)


def match_invoice_to_orders(
    invoice: InvoiceToMatch,
    orders: Sequence[OrderState],
    tolerances: Tolerances,
    *,
    po_required: bool = False,
) -> InvoiceMatch:
    """Match ``invoice`` against the candidate ``orders`` under ``tolerances``.

    ``po_required``: the company (or supplier) wants every invoice PO-backed, so an invoice
    that fits no order is a ``no_po`` exception rather than ``not_po_backed``.
    """
    named = named_order_numbers(invoice)
    named_orders = _named_orders(named, orders, invoice.supplier_id)
    found = {normalise_order_number(order.number) for order in named_orders}
    reasons = [findings.unknown_order(text) for key, text in named.items() if key not in found]
    named_ids = {order.order_id for order in named_orders}
    eligible: list[OrderState] = []
    for order in orders:
        problems = _order_problems(order, invoice)
        if order.order_id in named_ids:
            reasons.extend(problems)
        if not problems:
            eligible.append(order)

    if not named and not eligible:
        return _not_po_backed(invoice, po_required=po_required)
    if not invoice.lines:
        if named:
            eligible = [order for order in eligible if order.order_id in named_ids]
        return _match_without_lines(
            invoice, eligible, reasons, tolerances, named=bool(named), po_required=po_required
        )

    candidates = candidate_lines(eligible)
    pairs = match_lines(invoice.lines, candidates, credit=invoice.is_credit_note)
    if not named and not pairs:
        return _not_po_backed(invoice, po_required=po_required)
    return _judge_lines(invoice, candidates, pairs, eligible, reasons, tolerances)


def _named_orders(
    named: dict[str, str], orders: Sequence[OrderState], supplier_id: str | None
) -> list[OrderState]:
    """The given orders the invoice names, one supplier's when a number is shared."""
    by_key: dict[str, list[OrderState]] = {}
    for order in orders:
        key = normalise_order_number(order.number)
        if key in named:
            by_key.setdefault(key, []).append(order)
    return [order for same in by_key.values() for order in prefer_supplier(same, supplier_id)]


def _order_problems(order: OrderState, invoice: InvoiceToMatch) -> list[ReasonFinding]:
    """Why nothing on this invoice may be billed against ``order`` (rule 2)."""
    problems: list[ReasonFinding] = []
    if invoice.supplier_id and order.supplier_id and order.supplier_id != invoice.supplier_id:
        problems.append(findings.supplier_mismatch(order, invoice.supplier_id))
    if order.currency.strip().upper() != invoice.currency.strip().upper():
        problems.append(findings.currency_mismatch(order, invoice.currency))
    if order.closed:
        problems.append(findings.order_closed(order))
    return problems


def _not_po_backed(invoice: InvoiceToMatch, *, po_required: bool) -> InvoiceMatch:
    """No order fits: an ordinary non-PO invoice, or a ``no_po`` exception when PO is a must."""
    lines = tuple(
        LineMatch(line.line_number, MatchOutcome.NOT_PO_BACKED, is_fee=is_fee_line(line))
        for line in invoice.lines
    )
    if po_required:
        return InvoiceMatch(
            MatchOutcome.EXCEPTION, None, lines, reasons=(findings.order_required(),)
        )
    return InvoiceMatch(MatchOutcome.NOT_PO_BACKED, None, lines)


def _judge_lines(
    invoice: InvoiceToMatch,
    candidates: Sequence[CandidateLine],
    pairs: dict[int, int],
    eligible: Sequence[OrderState],
    reasons: list[ReasonFinding],
    tolerances: Tolerances,
) -> InvoiceMatch:
    """Verdicts for assigned lines (rule 4), fees and strays (rule 5), the total (rule 6)."""
    credit = invoice.is_credit_note
    verdicts: dict[int, LineVerdict] = {
        index: check_matched_line(line, candidates[pairs[index]], tolerances, credit=credit)
        for index, line in enumerate(invoice.lines)
        if index in pairs
    }
    unassigned = [index for index in range(len(invoice.lines)) if index not in pairs]
    fee_indices = [index for index in unassigned if is_fee_line(invoice.lines[index])]
    fee_matches, fee_total, fee_reasons = _judge_fees(invoice, fee_indices, tolerances)
    # With every named order unknown or blocked the invoice's own reasons say why no line
    # found a PO line; a no_po_line on each line would only repeat them.
    orders_explain = not candidates and bool(reasons)
    reasons.extend(fee_reasons)
    order_numbers = [order.number for order in eligible]

    matches: list[LineMatch] = []
    for index, line in enumerate(invoice.lines):
        if index in verdicts:
            matches.append(verdicts[index].match)
        elif index in fee_matches:
            matches.append(fee_matches[index])
        elif orders_explain:
            matches.append(LineMatch(line.line_number, MatchOutcome.EXCEPTION))
        else:
            finding = findings.no_order_line(line.line_number, line.description, order_numbers)
            matches.append(LineMatch(line.line_number, MatchOutcome.EXCEPTION, reasons=(finding,)))

    if all(match.outcome is not MatchOutcome.EXCEPTION for match in matches):
        expected = sum((v.expected_value for v in verdicts.values()), _ZERO) + fee_total
        reasons.extend(_check_total(invoice, expected, tolerances))

    modes = {candidates[pairs[index]].order.mode for index in verdicts}
    return InvoiceMatch(_outcome(matches, reasons), _mode(modes), tuple(matches), tuple(reasons))


def _judge_fees(
    invoice: InvoiceToMatch, fee_indices: Sequence[int], tolerances: Tolerances
) -> tuple[dict[int, LineMatch], Decimal, list[ReasonFinding]]:
    """Freight and fee lines without a PO line: tolerated together up to ``fee_amount``.

    Answers their line matches, the tolerated total (what they add to the expected invoice
    total; 0 when they are over) and the invoice-level finding when they are over.
    """
    if not fee_indices:
        return {}, _ZERO, []
    lines = [invoice.lines[index] for index in fee_indices]
    amounts = [fee_line_amount(line) for line in lines]
    if invoice.is_credit_note:
        amounts = [abs(amount) for amount in amounts]
    total = sum(amounts, _ZERO)
    allowed = total <= tolerances.fee_amount
    matches = {}
    for index, line, amount in zip(fee_indices, lines, amounts, strict=True):
        if not allowed:
            outcome = MatchOutcome.EXCEPTION
        elif amount == 0:
            outcome = MatchOutcome.MATCHED
        else:
            outcome = MatchOutcome.WITHIN_TOLERANCE
        matches[index] = LineMatch(line.line_number, outcome, is_fee=True)
    if allowed:
        return matches, total, []
    return matches, _ZERO, [findings.fees_over(total, tolerances.fee_amount)]


def _check_total(
    invoice: InvoiceToMatch, expected: Decimal, tolerances: Tolerances
) -> list[ReasonFinding]:
    """The net amount against what the lines justify: catches rounding and misread totals."""
    actual = _net_amount(invoice)
    if actual is None:
        return []
    return _total_findings(
        actual, expected, "the matched lines and allowed fees justify", tolerances
    )


def _net_amount(invoice: InvoiceToMatch) -> Decimal | None:
    """The printed net amount, else the sum of the lines' amounts when each can be told."""
    if invoice.net_amount is not None:
        net = invoice.net_amount
    else:
        amounts = [
            _line_amount(line.amount, line.quantity, line.unit_price) for line in invoice.lines
        ]
        if any(amount is None for amount in amounts):
            return None
        net = sum((amount for amount in amounts if amount is not None), _ZERO)
    return abs(net) if invoice.is_credit_note else net


def _line_amount(
    amount: Decimal | None, quantity: Decimal | None, unit_price: Decimal | None
) -> Decimal | None:
    if amount is not None:
        return amount
    if quantity is not None and unit_price is not None:
        return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
    return None


def _total_findings(
    actual: Decimal, expected: Decimal, basis: str, tolerances: Tolerances
) -> list[ReasonFinding]:
    deviation = actual - expected
    if deviation == 0:
        return []
    code, limit = _total_limit(deviation, tolerances)
    if within(limit, expected, abs(deviation)):
        return []
    return [findings.total_deviation(code, actual, expected, basis, limit)]


def _total_limit(deviation: Decimal, tolerances: Tolerances) -> tuple[MatchReason, Limit]:
    if deviation > 0:
        return MatchReason.TOTAL_OVER, tolerances.total_over
    return MatchReason.TOTAL_UNDER, tolerances.total_under


def _match_without_lines(
    invoice: InvoiceToMatch,
    eligible: Sequence[OrderState],
    reasons: list[ReasonFinding],
    tolerances: Tolerances,
    *,
    named: bool,
    po_required: bool,
) -> InvoiceMatch:
    """An invoice with only a net amount (rule 7): it bills what is open on its orders.

    Named orders are taken together. When the invoice names none, the one order of the
    supplier whose open value fits the net amount best is taken, if any fits.
    """
    actual = _net_amount(invoice)
    if not named:
        chosen = _order_fitting(actual, eligible, tolerances, credit=invoice.is_credit_note)
        if chosen is None:
            return _not_po_backed(invoice, po_required=po_required)
        eligible = [chosen]
    if not eligible:
        return InvoiceMatch(_outcome((), reasons), None, (), tuple(reasons))
    actual = actual if actual is not None else _ZERO
    credit = invoice.is_credit_note
    open_lines = _open_lines(eligible, credit=credit)
    expected = sum((_open_value(c, credit=credit) for c in open_lines), _ZERO)

    if not open_lines:
        three_way = [order for order in eligible if order.mode is MatchMode.THREE_WAY]
        if three_way and not credit:
            reasons.append(findings.nothing_to_invoice(three_way, actual))
        else:
            reasons.extend(_total_findings(actual, expected, _open_basis(eligible), tolerances))
        return InvoiceMatch(_outcome((), reasons), None, (), tuple(reasons))

    total_reasons = _total_findings(actual, expected, _open_basis(eligible), tolerances)
    if total_reasons:
        reasons.extend(total_reasons)
        return InvoiceMatch(MatchOutcome.EXCEPTION, None, (), tuple(reasons))
    outcome = MatchOutcome.MATCHED if actual == expected else MatchOutcome.WITHIN_TOLERANCE
    matches = tuple(_whole_invoice_match(c, outcome, credit=credit) for c in open_lines)
    modes = {c.order.mode for c in open_lines}
    return InvoiceMatch(_outcome(matches, reasons), _mode(modes), matches, tuple(reasons))


def _open_lines(orders: Iterable[OrderState], *, credit: bool) -> list[CandidateLine]:
    """Lines with something left to bill (to credit, for a credit note)."""
    return [c for c in candidate_lines(list(orders)) if _open_quantity(c, credit=credit) > 0]


def _open_quantity(candidate: CandidateLine, *, credit: bool) -> Decimal:
    return candidate.line.invoiced_quantity if credit else candidate.open_quantity


def _open_value(candidate: CandidateLine, *, credit: bool) -> Decimal:
    return (_open_quantity(candidate, credit=credit) * candidate.line.unit_price).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def _open_basis(orders: Sequence[OrderState]) -> str:
    return f"still open to invoice on PO {', '.join(order.number for order in orders)}"


def _order_fitting(
    actual: Decimal | None,
    orders: Sequence[OrderState],
    tolerances: Tolerances,
    *,
    credit: bool,
) -> OrderState | None:
    """Of the supplier's orders, the one whose open value is nearest the net amount and
    within the total tolerances; None when none fits."""
    if actual is None:
        return None
    best: tuple[Decimal, OrderState] | None = None
    for order in orders:
        value = sum(
            (_open_value(c, credit=credit) for c in _open_lines([order], credit=credit)), _ZERO
        )
        if value == 0:
            continue
        deviation = actual - value
        _, limit = _total_limit(deviation, tolerances)
        if within(limit, value, abs(deviation)) and (best is None or abs(deviation) < best[0]):
            best = (abs(deviation), order)
    return None if best is None else best[1]


def _whole_invoice_match(
    candidate: CandidateLine, outcome: MatchOutcome, *, credit: bool
) -> LineMatch:
    quantity = _open_quantity(candidate, credit=credit)
    signed = -quantity if credit else quantity
    allocation = Allocation(
        order_id=candidate.order.order_id,
        line_id=candidate.line.line_id,
        quantity=signed,
        amount=(signed * candidate.line.unit_price).quantize(CENT, rounding=ROUND_HALF_UP),
    )
    return LineMatch(
        WHOLE_INVOICE_LINE,
        outcome,
        order_number=candidate.order.number,
        order_line=candidate.line.line_number,
        allocation=allocation,
    )


def _outcome(matches: Iterable[LineMatch], reasons: Sequence[ReasonFinding]) -> MatchOutcome:
    """The worst of the lines' outcomes and the invoice's own reasons (rule 8)."""
    outcomes = {match.outcome for match in matches}
    if reasons or MatchOutcome.EXCEPTION in outcomes:
        return MatchOutcome.EXCEPTION
    if MatchOutcome.WITHIN_TOLERANCE in outcomes:
        return MatchOutcome.WITHIN_TOLERANCE
    return MatchOutcome.MATCHED


def _mode(modes: set[MatchMode]) -> MatchMode | None:
    """3-way when any order matched against is 3-way; None when no line met an order."""
    if not modes:
        return None
    return MatchMode.THREE_WAY if MatchMode.THREE_WAY in modes else MatchMode.TWO_WAY
