"""Master data from the ERP in the database: suppliers, the chart, purchase orders, receipts.

The API's JSON and the EHF readers both end here, so a record is stored the same whatever the
wire format. Every function works in the caller's transaction and takes records that are
already valid in shape; what only the database can tell (an unknown supplier, an order line
that does not exist) comes back as a :class:`Rejected` outcome for that record, checked before
anything of it is changed, so one bad record never leaves half of itself behind.

An upsert is idempotent: a record equal to what is stored changes nothing, writes no audit
event and answers ``unchanged``. A change writes one audit event per changed field with its old
and new value; a creation one event with the whole record.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, delete, func, insert, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from models.audit import record_audit
from models.column_types import utc_now
from models.cursor import InvalidCursorError, decode_cursor, encode_cursor
from models.decimals import plain_decimal
from models.master_data import (
    GoodsReceiptRecord,
    LedgerCodeRecord,
    MatchPolicyRecord,
    PurchaseOrderLineRecord,
    PurchaseOrderRecord,
    SupplierRecord,
)
from models.matching.order_numbers import normalise_order_number
from models.matching.records import Tolerances
from models.matching.tolerance import tolerances_to_mapping
from models.tables import (
    GoodsReceipt,
    GoodsReceiptLine,
    LedgerCode,
    MatchAllocation,
    MatchPolicy,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierBankAccount,
)
from workers.order_loading import quantity_sums

RowT = TypeVar("RowT")


class UpsertResult(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one record: ``field`` is a path such as ``lines[2].quantity``."""

    field: str | None
    message: str


@dataclass(frozen=True)
class Stored(Generic[RowT]):
    row: RowT
    result: UpsertResult


@dataclass(frozen=True)
class Rejected:
    problems: tuple[FieldProblem, ...]


@dataclass
class StoredBatch(Generic[RowT]):
    """One outcome per record, in order, and the suppliers whose orders or receipts changed
    (their invoices waiting for ERP data are matched again once the transaction commits)."""

    outcomes: list[Stored[RowT] | Rejected]
    affected_suppliers: set[uuid.UUID] = field(default_factory=set)
    # Suppliers whose tolerance overrides or PO requirement changed: their held invoices are
    # judged again.
    rules_changed: set[uuid.UUID] = field(default_factory=set)


# -- Values as the audit trail and comparisons see them ---------------------------------------


def canonical_tolerances(tolerances: Tolerances, keys: Iterable[str] | None = None) -> dict:
    """The stored form of ``tolerances`` (all of them, or only ``keys``) with decimals in
    :func:`plain_decimal` form, so "5", "5.0" and 5 are stored, compared and shown alike."""
    mapping = tolerances_to_mapping(tolerances)
    chosen = mapping if keys is None else {key: mapping[key] for key in keys}
    return _plain_strings(chosen)


def _plain_strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain_strings(item) for key, item in value.items()}
    if isinstance(value, str):
        return plain_decimal(Decimal(value))
    return value


def jsonable(value: Any) -> Any:
    """A value as the audit trail's JSON columns hold it: decimals and dates as text."""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    return value


def _apply(row: Any, values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set ``values`` on ``row``; the fields that really changed, old → new.

    Equal decimals of different scale (12.5 and 12.5000) are no change, and are not written,
    so a record sent again leaves the row untouched.
    """
    changes: dict[str, tuple[Any, Any]] = {}
    for name, new in values.items():
        old = getattr(row, name)
        if old != new:
            changes[name] = (old, new)
            setattr(row, name, new)
    return changes


def _audit_changes(
    session: Session,
    company_id: uuid.UUID,
    actor: str,
    entity_type: str,
    entity_id: uuid.UUID,
    changes: Mapping[str, tuple[Any, Any]],
    detail: str | None = None,
) -> None:
    for name, (old, new) in changes.items():
        record_audit(
            session,
            company_id=company_id,
            actor=actor,
            action=f"{entity_type}.updated",
            entity_type=entity_type,
            entity_id=entity_id,
            field=name[:64],
            old=jsonable(old),
            new=jsonable(new),
            detail=detail,
        )


def _audit_created(
    session: Session,
    company_id: uuid.UUID,
    actor: str,
    entity_type: str,
    entity_id: uuid.UUID,
    values: Mapping[str, Any],
    detail: str | None = None,
) -> None:
    record_audit(
        session,
        company_id=company_id,
        actor=actor,
        action=f"{entity_type}.created",
        entity_type=entity_type,
        entity_id=entity_id,
        new=jsonable(values),
        detail=detail,
    )


def _problem(field_name: str | None, message: str) -> Rejected:
    return Rejected((FieldProblem(field_name, message),))


class _ChildRows:
    """Rows of child tables (order lines, receipt lines, bank accounts), written after their
    parents with one INSERT per table.

    The tables declare foreign keys but no ORM relationships, and without relationships
    SQLAlchemy does not order one flush's inserts by table: a line could go in before its
    order. Plain rows are also far cheaper than SQLModel objects, which at 5,000 orders of
    several lines is most of a bulk request's time.
    """

    def __init__(self) -> None:
        self.rows: dict[type[SQLModel], list[dict[str, Any]]] = defaultdict(list)

    def add(self, table: type[SQLModel], **values: Any) -> None:
        self.rows[table].append({"id": uuid.uuid4(), **values})

    def write(self, session: Session) -> None:
        session.flush()  # the parents first
        connection = session.connection()
        for table, rows in self.rows.items():
            connection.execute(insert(table.__table__), rows)  # type: ignore[attr-defined]
        self.rows.clear()


def _unique_ids(records: Sequence[Any]) -> None:
    """The store functions take each id once; the API keeps the last record of an id."""
    counts = Counter(record.external_id for record in records)
    repeated = sorted(external_id for external_id, count in counts.items() if count > 1)
    if repeated:
        raise ValueError(f"external ids given more than once: {', '.join(repeated[:5])}")


# -- Suppliers --------------------------------------------------------------------------------


def store_suppliers(
    session: Session, company_id: uuid.UUID, records: Sequence[SupplierRecord], *, actor: str
) -> StoredBatch[Supplier]:
    """Upsert suppliers by ``(company, external_id)``.

    A record whose external id is new claims a supplier Bilag created from an invoice (same org
    number, no external id yet) instead of adding a second supplier for the same company;
    the oldest such supplier is claimed.
    """
    _unique_ids(records)
    ids = {record.external_id for record in records}
    by_external = {
        supplier.external_id: supplier
        for supplier in session.exec(
            select(Supplier).where(
                Supplier.company_id == company_id, col(Supplier.external_id).in_(ids)
            )
        )
    }
    orgs = {record.org_number for record in records if record.org_number}
    claimable: dict[str, list[Supplier]] = defaultdict(list)
    for supplier in session.exec(
        select(Supplier)
        .where(
            Supplier.company_id == company_id,
            col(Supplier.external_id).is_(None),
            col(Supplier.org_number).in_(orgs),
        )
        .order_by(col(Supplier.created_at), col(Supplier.id))
    ):
        claimable[supplier.org_number or ""].append(supplier)
    known_ids = [s.id for s in by_external.values()] + [
        s.id for group in claimable.values() for s in group
    ]
    accounts = _bank_account_rows(session, known_ids)
    outcomes: list[Stored[Supplier] | Rejected] = []
    rules_changed: set[uuid.UUID] = set()
    new_accounts = _ChildRows()
    for record in records:
        existing = by_external.get(record.external_id)
        claimed = False
        if existing is None and record.org_number and claimable.get(record.org_number):
            existing = claimable[record.org_number].pop(0)
            claimed = True
        rules_before = _matching_rules(existing) if existing is not None else None
        stored = _upsert_supplier(
            session, company_id, record, existing, accounts, new_accounts, actor, claimed
        )
        outcomes.append(stored)
        if rules_before is not None and rules_before != _matching_rules(stored.row):
            rules_changed.add(stored.row.id)
    new_accounts.write(session)
    return StoredBatch(outcomes, rules_changed=rules_changed)


def _matching_rules(supplier: Supplier) -> tuple[Any, bool]:
    return supplier.match_tolerances, supplier.po_required


def _supplier_values(record: SupplierRecord) -> dict[str, Any]:
    return {
        "external_id": record.external_id,
        "name": record.name,
        "org_number": record.org_number,
        "vat_number": record.vat_number,
        "country": record.country,
        "default_coding": dict(record.default_coding) if record.default_coding else None,
        "payment_terms_days": record.payment_terms_days,
        "match_tolerances": dict(record.match_tolerances) if record.match_tolerances else None,
        "po_required": record.po_required,
        "active": record.active,
    }


def _upsert_supplier(
    session: Session,
    company_id: uuid.UUID,
    record: SupplierRecord,
    existing: Supplier | None,
    accounts: dict[uuid.UUID, dict[str, SupplierBankAccount]],
    new_accounts: _ChildRows,
    actor: str,
    claimed: bool,
) -> Stored[Supplier]:
    values = _supplier_values(record)
    if existing is None:
        supplier = Supplier(company_id=company_id, **values)
        session.add(supplier)
        wanted = record.bank_accounts or ()
        for number in wanted:
            _add_bank_account(new_accounts, company_id, supplier.id, number)
        _audit_created(
            session,
            company_id,
            actor,
            "supplier",
            supplier.id,
            {**values, "bank_accounts": sorted(wanted)},
        )
        return Stored(supplier, UpsertResult.CREATED)
    changes = _apply(existing, values)
    if record.bank_accounts is not None:
        have = accounts.setdefault(existing.id, {})
        wanted_set = set(record.bank_accounts)
        if wanted_set != set(have):
            changes["bank_accounts"] = (sorted(have), sorted(wanted_set))
            for number, row in list(have.items()):
                if number not in wanted_set:
                    session.delete(row)
                    del have[number]
            for number in sorted(wanted_set - set(have)):
                _add_bank_account(new_accounts, company_id, existing.id, number)
    if not changes:
        return Stored(existing, UpsertResult.UNCHANGED)
    existing.updated_at = utc_now()
    detail = f"claimed by the ERP as supplier {record.external_id}" if claimed else None
    _audit_changes(session, company_id, actor, "supplier", existing.id, changes, detail)
    return Stored(existing, UpsertResult.UPDATED)


def _add_bank_account(
    rows: _ChildRows, company_id: uuid.UUID, supplier_id: uuid.UUID, number: str
) -> None:
    rows.add(
        SupplierBankAccount,
        company_id=company_id,
        supplier_id=supplier_id,
        account=number,
        kind="bban" if number.isdigit() else "iban",
        created_at=utc_now(),
    )


def _bank_account_rows(
    session: Session, supplier_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, SupplierBankAccount]]:
    found: dict[uuid.UUID, dict[str, SupplierBankAccount]] = defaultdict(dict)
    if supplier_ids:
        for row in session.exec(
            select(SupplierBankAccount).where(
                col(SupplierBankAccount.supplier_id).in_(supplier_ids)
            )
        ):
            found[row.supplier_id][row.account] = row
    return found


def bank_accounts_of(
    session: Session, supplier_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """Each supplier's account numbers, sorted; one query for all of them."""
    rows = _bank_account_rows(session, supplier_ids)
    return {supplier_id: sorted(rows.get(supplier_id, {})) for supplier_id in supplier_ids}


# -- Ledger codes (accounts, VAT codes, departments, projects) --------------------------------


def store_ledger_codes(
    session: Session, company_id: uuid.UUID, records: Sequence[LedgerCodeRecord], *, actor: str
) -> StoredBatch[LedgerCode]:
    """Upsert codes of the company's chart by ``(company, kind, code)``; the ERP's VAT codes
    replace the seeded SAF-T standard codes of the same code."""
    wanted = {(record.kind.value, record.code) for record in records}
    codes = {code for _, code in wanted}
    existing = {
        (row.kind, row.code): row
        for row in session.exec(
            select(LedgerCode).where(
                LedgerCode.company_id == company_id, col(LedgerCode.code).in_(codes)
            )
        )
    }
    outcomes: list[Stored[LedgerCode] | Rejected] = []
    for record in records:
        values = {
            "name": record.name,
            "active": record.active,
            "vat_rate": record.vat_rate,
            "standard_code": record.standard_code,
            "deductible": record.deductible,
        }
        row = existing.get((record.kind.value, record.code))
        if row is None:
            row = LedgerCode(company_id=company_id, kind=record.kind.value, code=record.code)
            _apply(row, values)
            session.add(row)
            existing[(row.kind, row.code)] = row
            _audit_created(
                session,
                company_id,
                actor,
                "ledger_code",
                row.id,
                {"kind": row.kind, "code": row.code, **values},
            )
            outcomes.append(Stored(row, UpsertResult.CREATED))
            continue
        changes = _apply(row, values)
        if not changes:
            outcomes.append(Stored(row, UpsertResult.UNCHANGED))
            continue
        row.updated_at = utc_now()
        detail = f"{row.kind} {row.code}"
        _audit_changes(session, company_id, actor, "ledger_code", row.id, changes, detail)
        outcomes.append(Stored(row, UpsertResult.UPDATED))
    return StoredBatch(outcomes)


# -- Purchase orders --------------------------------------------------------------------------


def store_purchase_orders(
    session: Session,
    company_id: uuid.UUID,
    records: Sequence[PurchaseOrderRecord],
    *,
    actor: str,
    source: str = "api",
) -> StoredBatch[PurchaseOrder]:
    """Upsert orders by ``(company, external_id)``, their lines by line number.

    The supplier is the ERP's ``supplier_external_id``, else the supplier with the record's
    org number. An EHF order (``source="ehf"``) names only the seller's party, so a seller
    Bilag does not know becomes a new supplier (without external id, for the ERP to claim).
    A line missing from the new version is deleted, unless goods were received or invoiced
    against it: then it stays, closed, so received and invoiced quantities keep their line.
    """
    _unique_ids(records)
    by_external = _orders_by_external_id(session, company_id, {r.external_id for r in records})
    order_ids = [order.id for order in by_external.values()]
    lines = _lines_by_order(session, order_ids)
    used = _lines_with_history(session, order_ids)
    finder = _SupplierFinder(session, company_id, records, actor, create=source == "ehf")
    suppliers = [finder.find(record) for record in records]
    session.flush()  # suppliers created from EHF sellers, before their orders
    batch: StoredBatch[PurchaseOrder] = StoredBatch([])
    new_lines = _ChildRows()
    for record, supplier in zip(records, suppliers, strict=True):
        if isinstance(supplier, Rejected):
            batch.outcomes.append(supplier)
            continue
        order = by_external.get(record.external_id)
        old_supplier = order.supplier_id if order else None
        stored = _upsert_order(
            session, company_id, record, supplier, order, lines, used, new_lines, actor, source
        )
        batch.outcomes.append(stored)
        if stored.result is not UpsertResult.UNCHANGED:
            batch.affected_suppliers.update(s for s in (old_supplier, supplier.id) if s)
    new_lines.write(session)
    return batch


def _orders_by_external_id(
    session: Session, company_id: uuid.UUID, external_ids: set[str]
) -> dict[str, PurchaseOrder]:
    return {
        order.external_id: order
        for order in session.exec(
            select(PurchaseOrder).where(
                PurchaseOrder.company_id == company_id,
                col(PurchaseOrder.external_id).in_(external_ids),
            )
        )
    }


def _lines_by_order(
    session: Session, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PurchaseOrderLine]]:
    grouped: dict[uuid.UUID, list[PurchaseOrderLine]] = defaultdict(list)
    if order_ids:
        for line in session.exec(
            select(PurchaseOrderLine)
            .where(col(PurchaseOrderLine.order_id).in_(order_ids))
            .order_by(col(PurchaseOrderLine.line_number))
        ):
            grouped[line.order_id].append(line)
    return grouped


def _lines_with_history(session: Session, order_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """The orders' lines that goods were received or invoiced against: they must never vanish."""
    if not order_ids:
        return set()
    found: set[uuid.UUID] = set()
    for table in (GoodsReceiptLine, MatchAllocation):
        query = (
            select(table.order_line_id)
            .join(PurchaseOrderLine, col(PurchaseOrderLine.id) == table.order_line_id)
            .where(col(PurchaseOrderLine.order_id).in_(order_ids))
            .distinct()
        )
        found.update(session.exec(query))
    return found


class _SupplierFinder:
    """Finds each order's supplier with two queries for the whole batch."""

    def __init__(
        self,
        session: Session,
        company_id: uuid.UUID,
        records: Sequence[PurchaseOrderRecord],
        actor: str,
        *,
        create: bool,
    ) -> None:
        self.session = session
        self.company_id = company_id
        self.actor = actor
        self.create = create
        externals = {r.supplier_external_id for r in records if r.supplier_external_id}
        self.by_external = {
            s.external_id: s
            for s in session.exec(
                select(Supplier).where(
                    Supplier.company_id == company_id, col(Supplier.external_id).in_(externals)
                )
            )
        }
        orgs = {r.supplier_org_number for r in records if r.supplier_org_number}
        names = {r.supplier_name.casefold() for r in records if r.supplier_name and create}
        self.by_org: dict[str, Supplier] = {}
        self.by_name: dict[str, Supplier] = {}
        # ERP-known suppliers first, then the oldest: the first one seen for a key is kept.
        candidates = session.exec(
            select(Supplier)
            .where(
                Supplier.company_id == company_id,
                or_(
                    col(Supplier.org_number).in_(orgs),
                    func.lower(col(Supplier.name)).in_(names),
                ),
            )
            .order_by(
                col(Supplier.external_id).is_(None), col(Supplier.created_at), col(Supplier.id)
            )
        )
        for supplier in candidates:
            if supplier.org_number:
                self.by_org.setdefault(supplier.org_number, supplier)
            self.by_name.setdefault(supplier.name.casefold(), supplier)

    def find(self, record: PurchaseOrderRecord) -> Supplier | Rejected:
        if record.supplier_external_id:
            found = self.by_external.get(record.supplier_external_id)
            if found is None:
                return _problem("supplier", f"unknown supplier {record.supplier_external_id}")
            return found
        if record.supplier_org_number:
            found = self.by_org.get(record.supplier_org_number)
            if found is not None or not self.create:
                return found or _problem(
                    "supplier_org_number",
                    f"no supplier has organisation number {record.supplier_org_number}",
                )
        elif not self.create:
            return _problem("supplier", "name the supplier: supplier or supplier_org_number")
        elif record.supplier_name and (found := self.by_name.get(record.supplier_name.casefold())):
            return found
        return self._create(record)

    def _create(self, record: PurchaseOrderRecord) -> Supplier | Rejected:
        name = record.supplier_name or record.supplier_org_number
        if not name:
            return _problem("supplier", "the order names no seller")
        supplier = Supplier(
            company_id=self.company_id, name=name[:200], org_number=record.supplier_org_number
        )
        self.session.add(supplier)
        _audit_created(
            self.session,
            self.company_id,
            self.actor,
            "supplier",
            supplier.id,
            {"name": supplier.name, "org_number": supplier.org_number},
            detail=f"the seller of EHF order {record.number}",
        )
        if supplier.org_number:
            self.by_org[supplier.org_number] = supplier
        self.by_name[supplier.name.casefold()] = supplier
        return supplier


def _order_values(record: PurchaseOrderRecord, supplier: Supplier, source: str) -> dict:
    return {
        "number": record.number,
        "number_key": normalise_order_number(record.number)[:100],
        "supplier_id": supplier.id,
        "supplier_external_id": supplier.external_id,
        "currency": record.currency,
        "order_date": record.order_date,
        "status": record.status.value,
        "three_way": record.three_way,
        "source": source,
    }


def _line_values(line: PurchaseOrderLineRecord) -> dict[str, Any]:
    return {
        "item_code": line.item_code,
        "description": line.description,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "vat_rate": line.vat_rate,
        "account": line.account,
        "closed": False,
    }


def _upsert_order(
    session: Session,
    company_id: uuid.UUID,
    record: PurchaseOrderRecord,
    supplier: Supplier,
    order: PurchaseOrder | None,
    lines: dict[uuid.UUID, list[PurchaseOrderLine]],
    used: set[uuid.UUID],
    new_lines: _ChildRows,
    actor: str,
    source: str,
) -> Stored[PurchaseOrder]:
    values = _order_values(record, supplier, source)
    if order is None:
        order = PurchaseOrder(company_id=company_id, external_id=record.external_id, **values)
        session.add(order)
        for line in record.lines:
            _add_order_line(new_lines, company_id, order.id, line)
        shown = {"external_id": record.external_id, **values, "lines": list(record.lines)}
        _audit_created(session, company_id, actor, "purchase_order", order.id, shown)
        return Stored(order, UpsertResult.CREATED)
    changes = _apply(order, values)
    changes.update(_sync_lines(session, company_id, order, record.lines, lines, used, new_lines))
    if not changes:
        return Stored(order, UpsertResult.UNCHANGED)
    order.updated_at = utc_now()
    _audit_changes(
        session, company_id, actor, "purchase_order", order.id, changes, f"order {order.number}"
    )
    return Stored(order, UpsertResult.UPDATED)


def _sync_lines(
    session: Session,
    company_id: uuid.UUID,
    order: PurchaseOrder,
    wanted: Sequence[PurchaseOrderLineRecord],
    lines: dict[uuid.UUID, list[PurchaseOrderLine]],
    used: set[uuid.UUID],
    new_lines: _ChildRows,
) -> dict[str, tuple[Any, Any]]:
    """Bring the order's lines to ``wanted``; the changes as ``lines[n].field`` → old, new."""
    have = {line.line_number: line for line in lines.get(order.id, [])}
    changes: dict[str, tuple[Any, Any]] = {}
    for line in wanted:
        row = have.pop(line.line_number, None)
        if row is None:
            _add_order_line(new_lines, company_id, order.id, line)
            changes[f"lines[{line.line_number}]"] = (None, line)
            continue
        for name, change in _apply(row, _line_values(line)).items():
            changes[f"lines[{line.line_number}].{name}"] = change
    for number, row in have.items():
        if row.id not in used:
            session.delete(row)
            changes[f"lines[{number}]"] = (_line_values_of(row), None)
        elif not row.closed:
            row.closed = True
            changes[f"lines[{number}].closed"] = (False, True)
    return changes


def _add_order_line(
    rows: _ChildRows,
    company_id: uuid.UUID,
    order_id: uuid.UUID,
    line: PurchaseOrderLineRecord,
) -> None:
    rows.add(
        PurchaseOrderLine,
        company_id=company_id,
        order_id=order_id,
        line_number=line.line_number,
        **_line_values(line),
    )


def _line_values_of(row: PurchaseOrderLine) -> dict[str, Any]:
    names = ("item_code", "description", "quantity", "unit", "unit_price", "vat_rate", "account")
    return {name: getattr(row, name) for name in names}


@dataclass(frozen=True)
class OrderLineView:
    """An order line with what was received and invoiced against it so far."""

    line: PurchaseOrderLine
    received_quantity: Decimal
    invoiced_quantity: Decimal


def order_lines_of(
    session: Session, order_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[OrderLineView]]:
    """The lines of each order with their received and invoiced quantities: three queries
    for any number of orders (lines, then one grouped sum over receipts and one over
    allocations)."""
    lines = _lines_by_order(session, order_ids)
    line_ids = [line.id for group in lines.values() for line in group]
    received = quantity_sums(session, GoodsReceiptLine, line_ids)
    invoiced = quantity_sums(session, MatchAllocation, line_ids)
    zero = Decimal(0)
    return {
        order_id: [
            OrderLineView(line, received.get(line.id, zero), invoiced.get(line.id, zero))
            for line in lines.get(order_id, [])
        ]
        for order_id in order_ids
    }


def suppliers_by_id(
    session: Session, supplier_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, Supplier]:
    """The suppliers of a page of orders, in one query."""
    ids = {supplier_id for supplier_id in supplier_ids if supplier_id}
    if not ids:
        return {}
    return {s.id: s for s in session.exec(select(Supplier).where(col(Supplier.id).in_(ids)))}


# -- Goods receipts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptLineView:
    order: PurchaseOrder
    line_number: int
    quantity: Decimal


class _OrderFinder:
    """Finds the order lines a batch of receipts names, by order number or external id."""

    def __init__(
        self, session: Session, company_id: uuid.UUID, records: Sequence[GoodsReceiptRecord]
    ) -> None:
        texts = {
            text
            for record in records
            for text in (record.order_number, *(line.order_number for line in record.lines))
            if text
        }
        keys = {normalise_order_number(text) for text in texts}
        orders = list(
            session.exec(
                select(PurchaseOrder).where(
                    PurchaseOrder.company_id == company_id,
                    or_(
                        col(PurchaseOrder.number_key).in_(keys),
                        col(PurchaseOrder.external_id).in_(texts),
                    ),
                )
            )
        )
        self.by_external = {order.external_id: order for order in orders}
        self.by_key: dict[str, list[PurchaseOrder]] = defaultdict(list)
        for order in orders:
            self.by_key[order.number_key].append(order)
        self.lines = {
            (line.order_id, line.line_number): line
            for group in _lines_by_order(session, [order.id for order in orders]).values()
            for line in group
        }

    def order(self, text: str) -> PurchaseOrder | str:
        """The order ``text`` names, or why there is none: the external id exactly, else the
        order number however printed; several orders with that number must be told apart by
        the exact number."""
        if text in self.by_external:
            return self.by_external[text]
        candidates = self.by_key.get(normalise_order_number(text), [])
        if len(candidates) > 1:
            candidates = [order for order in candidates if order.number == text] or candidates
        if not candidates:
            return f"unknown order {text}"
        if len(candidates) > 1:
            numbers = ", ".join(sorted(order.external_id for order in candidates))
            return f"order number {text} matches several orders ({numbers}); use its external id"
        return candidates[0]

    def resolve(
        self, record: GoodsReceiptRecord
    ) -> list[tuple[PurchaseOrderLine, PurchaseOrder, Decimal]] | Rejected:
        problems: list[FieldProblem] = []
        resolved: list[tuple[PurchaseOrderLine, PurchaseOrder, Decimal]] = []
        for index, line in enumerate(record.lines):
            text = line.order_number or record.order_number
            if not text:
                problems.append(
                    FieldProblem(
                        f"lines[{index}].order_number",
                        "names no order: give order_number on the receipt or on the line",
                    )
                )
                continue
            order = self.order(text)
            if isinstance(order, str):
                where = f"lines[{index}].order_number" if line.order_number else "order_number"
                problems.append(FieldProblem(where, order))
                continue
            row = self.lines.get((order.id, line.order_line_number))
            if row is None:
                problems.append(
                    FieldProblem(
                        f"lines[{index}].order_line_number",
                        f"order {order.number} has no line {line.order_line_number}",
                    )
                )
                continue
            resolved.append((row, order, line.quantity))
        return Rejected(tuple(problems)) if problems else resolved


def store_goods_receipts(
    session: Session,
    company_id: uuid.UUID,
    records: Sequence[GoodsReceiptRecord],
    *,
    actor: str,
    source: str = "api",
) -> StoredBatch[GoodsReceipt]:
    """Upsert receipts by ``(company, external_id)``; a receipt sent again replaces its lines,
    so an order line's received quantity is always the sum over the receipts' current lines."""
    _unique_ids(records)
    finder = _OrderFinder(session, company_id, records)
    existing = {
        receipt.external_id: receipt
        for receipt in session.exec(
            select(GoodsReceipt).where(
                GoodsReceipt.company_id == company_id,
                col(GoodsReceipt.external_id).in_({record.external_id for record in records}),
            )
        )
    }
    current = receipt_lines_of(session, [receipt.id for receipt in existing.values()])
    batch: StoredBatch[GoodsReceipt] = StoredBatch([])
    new_lines = _ChildRows()
    replaced: list[uuid.UUID] = []
    for record in records:
        resolved = finder.resolve(record)
        if isinstance(resolved, Rejected):
            batch.outcomes.append(resolved)
            continue
        receipt = existing.get(record.external_id)
        old = current.get(receipt.id, []) if receipt else []
        stored = _upsert_receipt(session, company_id, record, receipt, old, resolved, actor, source)
        batch.outcomes.append(stored)
        if stored.lines_changed:
            if receipt is not None:
                replaced.append(receipt.id)
            for row, _, quantity in resolved:
                new_lines.add(
                    GoodsReceiptLine,
                    company_id=company_id,
                    receipt_id=stored.row.id,
                    order_line_id=row.id,
                    quantity=quantity,
                )
        if stored.result is not UpsertResult.UNCHANGED:
            touched = [view.order for view in old] + [order for _, order, _ in resolved]
            batch.affected_suppliers.update(o.supplier_id for o in touched if o.supplier_id)
    if replaced:
        session.connection().execute(
            delete(GoodsReceiptLine.__table__).where(  # type: ignore[arg-type]
                col(GoodsReceiptLine.receipt_id).in_(replaced)
            )
        )
    new_lines.write(session)
    return batch


@dataclass(frozen=True)
class _StoredReceipt(Stored[GoodsReceipt]):
    lines_changed: bool = False


def _receipt_lines_shown(views: Iterable[ReceiptLineView]) -> list[dict[str, Any]]:
    """Receipt lines as compared and audited, in a stable order."""
    shown = [
        {
            "order_number": view.order.number,
            "order_line_number": view.line_number,
            "quantity": plain_decimal(view.quantity),
        }
        for view in views
    ]
    return sorted(shown, key=lambda line: (line["order_number"], line["order_line_number"]))


def _upsert_receipt(
    session: Session,
    company_id: uuid.UUID,
    record: GoodsReceiptRecord,
    receipt: GoodsReceipt | None,
    old: list[ReceiptLineView],
    resolved: list[tuple[PurchaseOrderLine, PurchaseOrder, Decimal]],
    actor: str,
    source: str,
) -> _StoredReceipt:
    """The receipt's own row; whether its lines must be replaced is in ``lines_changed``."""
    shown_lines = _receipt_lines_shown(
        ReceiptLineView(order, row.line_number, quantity) for row, order, quantity in resolved
    )
    values = {"receipt_date": record.receipt_date, "source": source}
    if receipt is None:
        receipt = GoodsReceipt(company_id=company_id, external_id=record.external_id, **values)
        session.add(receipt)
        changes: dict[str, tuple[Any, Any]] = {}
        result = UpsertResult.CREATED
    else:
        changes = _apply(receipt, values)
        old_lines = _receipt_lines_shown(old)
        if old_lines != shown_lines:
            changes["lines"] = (old_lines, shown_lines)
        if not changes:
            return _StoredReceipt(receipt, UpsertResult.UNCHANGED)
        result = UpsertResult.UPDATED
    if result is UpsertResult.CREATED:
        shown = {"external_id": record.external_id, **values, "lines": shown_lines}
        _audit_created(session, company_id, actor, "goods_receipt", receipt.id, shown)
    else:
        receipt.updated_at = utc_now()
        _audit_changes(session, company_id, actor, "goods_receipt", receipt.id, changes)
    lines_changed = result is UpsertResult.CREATED or "lines" in changes
    return _StoredReceipt(receipt, result, lines_changed)


def receipt_lines_of(
    session: Session, receipt_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ReceiptLineView]]:
    """Each receipt's lines with the order and line number they received: one query."""
    found: dict[uuid.UUID, list[ReceiptLineView]] = defaultdict(list)
    if not receipt_ids:
        return found
    query = (
        select(GoodsReceiptLine, PurchaseOrderLine, PurchaseOrder)
        .join(PurchaseOrderLine, col(PurchaseOrderLine.id) == GoodsReceiptLine.order_line_id)
        .join(PurchaseOrder, col(PurchaseOrder.id) == PurchaseOrderLine.order_id)
        .where(col(GoodsReceiptLine.receipt_id).in_(receipt_ids))
        .order_by(col(PurchaseOrder.number), col(PurchaseOrderLine.line_number))
    )
    for receipt_line, order_line, order in session.exec(query):
        found[receipt_line.receipt_id].append(
            ReceiptLineView(order, order_line.line_number, receipt_line.quantity)
        )
    return found


# -- The company's matching policy ------------------------------------------------------------


def store_match_policy(
    session: Session, company_id: uuid.UUID, record: MatchPolicyRecord, *, actor: str
) -> Stored[MatchPolicy]:
    values = {
        "tolerances": canonical_tolerances(record.tolerances),
        "three_way_default": record.three_way_default,
        "duplicate_window_days": record.duplicate_window_days,
    }
    policy = session.get(MatchPolicy, company_id)
    if policy is None:
        policy = MatchPolicy(company_id=company_id, **values)
        session.add(policy)
        _audit_created(session, company_id, actor, "match_policy", company_id, values)
        return Stored(policy, UpsertResult.CREATED)
    stored_tolerances = policy.tolerances
    changes = _apply(policy, values)
    if "tolerances" in changes and _plain_strings(stored_tolerances) == values["tolerances"]:
        del changes["tolerances"]
    if not changes:
        return Stored(policy, UpsertResult.UNCHANGED)
    policy.updated_at = utc_now()
    _audit_changes(session, company_id, actor, "match_policy", company_id, changes)
    return Stored(policy, UpsertResult.UPDATED)


# -- Listing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[RowT]):
    items: list[RowT]
    next_cursor: str | None


def keyset_page(
    session: Session,
    query: SelectOfScalar[RowT],
    sort_key: ColumnElement[Any],
    row_id: ColumnElement[Any],
    key_of: Callable[[RowT], str],
    *,
    cursor: str | None,
    limit: int,
) -> Page[RowT]:
    """One page of ``query`` in ``(sort_key, id)`` order. The cursor holds the last row's key
    and id, so rows added or changed meanwhile never make a page skip or repeat a row."""
    if cursor:
        after_key, after_id = _decode_position(cursor)
        query = query.where(
            or_(sort_key > after_key, and_(sort_key == after_key, row_id > after_id))
        )
    rows = list(session.exec(query.order_by(sort_key, row_id).limit(limit + 1)))
    items = rows[:limit]
    if len(rows) <= limit or not items:
        return Page(items, None)
    last = items[-1]
    return Page(items, encode_cursor({"k": key_of(last), "i": str(last.id)}))  # type: ignore[attr-defined]


def _decode_position(cursor: str) -> tuple[str, uuid.UUID]:
    position = decode_cursor(cursor)
    key = position.get("k")
    try:
        row_id = uuid.UUID(str(position["i"]))
    except (KeyError, ValueError) as exc:
        raise InvalidCursorError("the cursor is not one this API returned") from exc
    if not isinstance(key, str):
        raise InvalidCursorError("the cursor is not one this API returned")
    return key, row_id
