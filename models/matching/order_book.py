"""An in-memory index of purchase orders, so candidates for an invoice are found in O(1).

The pipeline's match stage loads candidates from the database; a batch job or ``bilag bench
matching`` instead builds one :class:`OrderBook` over all open orders, asks it for each
invoice's candidates and, as invoices are matched, replaces the orders whose invoiced quantities
changed, so a later invoice does not bill what an earlier one already billed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from models.matching.order_numbers import (
    named_order_numbers,
    normalise_order_number,
    prefer_supplier,
)
from models.matching.records import Allocation, InvoiceToMatch, OrderState


class OrderBook:
    """Orders by id, by comparable number and, for the open ones, by supplier."""

    def __init__(self, orders: Iterable[OrderState]) -> None:
        self._orders: dict[str, OrderState] = {}
        self._by_number: dict[str, dict[str, OrderState]] = {}
        self._open_by_supplier: dict[str, dict[str, OrderState]] = {}
        for order in orders:
            self.replace(order)

    def __len__(self) -> int:
        return len(self._orders)

    def get(self, order_id: str) -> OrderState | None:
        return self._orders.get(order_id)

    def candidates_for(self, invoice: InvoiceToMatch) -> list[OrderState]:
        """The orders to match ``invoice`` against.

        When the invoice names POs (on its head or its lines) exactly those, whoever their
        supplier is, so the engine can report a mismatch; a number nobody has gives nothing,
        which the engine reports as an unknown PO. Otherwise the supplier's orders that are not
        closed.
        """
        named = named_order_numbers(invoice)
        if named:
            found: dict[str, OrderState] = {}
            for key in named:
                same_number = self._by_number.get(key, {}).values()
                for order in prefer_supplier(same_number, invoice.supplier_id):
                    found.setdefault(order.order_id, order)
            return list(found.values())
        if invoice.supplier_id is None:
            return []
        return list(self._open_by_supplier.get(invoice.supplier_id, {}).values())

    def replace(self, order: OrderState) -> None:
        """Add ``order`` or put it in place of the stored order with the same id."""
        previous = self._orders.get(order.order_id)
        if previous is not None:
            self._forget(previous)
        self._orders[order.order_id] = order
        key = normalise_order_number(order.number)
        self._by_number.setdefault(key, {})[order.order_id] = order
        if order.supplier_id is not None and not order.closed:
            self._open_by_supplier.setdefault(order.supplier_id, {})[order.order_id] = order

    def apply(self, allocations: Iterable[Allocation]) -> None:
        """Record allocations of a matched invoice against the stored orders."""
        by_order: dict[str, list[Allocation]] = {}
        for allocation in allocations:
            by_order.setdefault(allocation.order_id, []).append(allocation)
        for order_id, billed in by_order.items():
            order = self._orders.get(order_id)
            if order is not None:
                self.replace(apply_allocations(order, billed))

    def _forget(self, order: OrderState) -> None:
        key = normalise_order_number(order.number)
        self._by_number.get(key, {}).pop(order.order_id, None)
        if order.supplier_id is not None:
            self._open_by_supplier.get(order.supplier_id, {}).pop(order.order_id, None)


def apply_allocations(order: OrderState, allocations: Iterable[Allocation]) -> OrderState:
    """``order`` with each allocation's quantity added to its line's invoiced quantity.

    A credit note's allocations are negative and so reduce it. Allocations for other orders are
    ignored, so the same list can be applied to every order an invoice touched.
    """
    billed: dict[str, Decimal] = {}
    for allocation in allocations:
        if allocation.order_id == order.order_id:
            billed[allocation.line_id] = (
                billed.get(allocation.line_id, Decimal(0)) + allocation.quantity
            )
    if not billed:
        return order
    lines = tuple(
        replace(line, invoiced_quantity=line.invoiced_quantity + billed[line.line_id])
        if line.line_id in billed
        else line
        for line in order.lines
    )
    return replace(order, lines=lines)
