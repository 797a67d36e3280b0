"""Purchase orders from the database as the matching engine reads them.

Only the candidates of one invoice are loaded: the orders its references name, or the
supplier's open orders. Received and invoiced quantities are summed in the database per line,
the invoice being matched left out of the invoiced sum, so matching it again never counts its
own earlier allocation against it.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from sqlmodel import Session, col, select

from models.decimals import tidy_price, tidy_quantity
from models.master_data import OrderStatus
from models.matching.order_numbers import normalise_order_number
from models.matching.records import MatchMode, OrderLineState, OrderState
from models.tables import (
    GoodsReceiptLine,
    MatchAllocation,
    MatchPolicy,
    PurchaseOrder,
    PurchaseOrderLine,
)


def candidate_orders(
    session: Session,
    company_id: uuid.UUID,
    references: tuple[str, ...],
    supplier_id: uuid.UUID | None,
) -> list[PurchaseOrder]:
    """The named orders (any supplier, so a mismatch can be reported), else the supplier's
    open ones."""
    query = select(PurchaseOrder).where(PurchaseOrder.company_id == company_id)
    if references:
        keys = {normalise_order_number(reference) for reference in references}
        query = query.where(col(PurchaseOrder.number_key).in_(keys))
    elif supplier_id is not None:
        query = query.where(
            PurchaseOrder.supplier_id == supplier_id,
            PurchaseOrder.status == OrderStatus.OPEN.value,
        )
    else:
        return []
    # Locked until the verdict commits, in one order (by id) so two matches never deadlock:
    # an invoice naming another supplier's order must not bill a quantity that supplier's
    # invoice is billing at the same moment.
    query = query.order_by(col(PurchaseOrder.id)).with_for_update(key_share=True)
    return list(session.exec(query))


def order_states(
    session: Session,
    orders: list[PurchaseOrder],
    *,
    three_way_default: bool,
    excluding_document: uuid.UUID | None,
) -> list[OrderState]:
    if not orders:
        return []
    lines = list(
        session.exec(
            select(PurchaseOrderLine)
            .where(col(PurchaseOrderLine.order_id).in_([order.id for order in orders]))
            .order_by(col(PurchaseOrderLine.line_number))
        )
    )
    line_ids = [line.id for line in lines]
    received = quantity_sums(session, GoodsReceiptLine, line_ids)
    invoiced = quantity_sums(session, MatchAllocation, line_ids, excluding_document)
    by_order: dict[uuid.UUID, list[OrderLineState]] = {order.id: [] for order in orders}
    for line in lines:
        by_order[line.order_id].append(
            OrderLineState(
                line_id=str(line.id),
                line_number=line.line_number,
                item_code=line.item_code,
                description=line.description,
                quantity=tidy_quantity(line.quantity),
                unit_price=tidy_price(line.unit_price),
                unit=line.unit,
                received_quantity=tidy_quantity(received.get(line.id, Decimal("0"))),
                invoiced_quantity=tidy_quantity(invoiced.get(line.id, Decimal("0"))),
                account=line.account,
                vat_rate=line.vat_rate,
                closed=line.closed,
            )
        )
    return [
        OrderState(
            order_id=str(order.id),
            number=order.number,
            supplier_id=str(order.supplier_id) if order.supplier_id else None,
            currency=order.currency,
            mode=_mode(order.three_way, three_way_default),
            closed=order.status != OrderStatus.OPEN.value,
            lines=tuple(by_order[order.id]),
        )
        for order in orders
    ]


def _mode(three_way: bool | None, default: bool) -> MatchMode:
    chosen = default if three_way is None else three_way
    return MatchMode.THREE_WAY if chosen else MatchMode.TWO_WAY


def quantity_sums(
    session: Session,
    table: type[GoodsReceiptLine] | type[MatchAllocation],
    line_ids: Iterable[uuid.UUID],
    excluding_document: uuid.UUID | None = None,
) -> dict[uuid.UUID, Decimal]:
    """Received (or invoiced) quantity per order line.

    Summed here, not with SQL ``SUM``: SQLite keeps exact decimals as text, and its ``SUM``
    would turn them into floats.
    """
    ids = list(line_ids)
    if not ids:
        return {}
    query = select(table.order_line_id, table.quantity).where(col(table.order_line_id).in_(ids))
    if excluding_document is not None and table is MatchAllocation:
        query = query.where(MatchAllocation.document_id != excluding_document)
    totals: dict[uuid.UUID, Decimal] = defaultdict(Decimal)
    for line_id, quantity in session.exec(query):
        totals[line_id] += quantity
    return dict(totals)


def match_policy(session: Session, company_id: uuid.UUID) -> MatchPolicy:
    """The company's policy, or the defaults when it never set one."""
    return session.get(MatchPolicy, company_id) or MatchPolicy(company_id=company_id)
