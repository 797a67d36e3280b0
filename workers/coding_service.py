"""A company's coding model and its invoices' lines as the model sees them, from the database.

The model in ``ml/coding`` is pure; this module is the edge that gives it one company's model
(never another's), keeps that model's supplier memory up to date with every posting confirmed
since it was trained, turns an invoice's lines into examples, and writes the lines Bilag coded
back into the posting history.
"""

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, or_, select

from ml.coding.artifact import load_coding_model
from ml.coding.coding_model import CodingModel
from ml.coding.examples import CodingExample, normalised_name, posting_from_record, supplier_key
from models.coding import (
    DECIDED,
    REQUIRED_TARGET,
    WHOLE_INVOICE,
    CodingState,
    posting_row_key,
)
from models.tables import (
    Company,
    Document,
    Invoice,
    InvoiceLine,
    LineCoding,
    ModelVersion,
    PostingHistory,
    Supplier,
)
from workers.coding_training import (
    CODING_KIND,
    history_rows,
    train_company_coding,
)
from workers.company_extraction import active_version

_CACHED_ARTIFACTS = 32


@dataclass
class _Loaded:
    stamp: int
    model: CodingModel


_models: dict[str, _Loaded] = {}
_lock = threading.Lock()


def coding_model_for(
    session: Session, company_id: uuid.UUID
) -> tuple[CodingModel, ModelVersion] | None:
    """The company's coding model in use, knowing every posting stored so far; None without one.

    The artifact is read once per process (and again only when the file changes). Postings that
    arrived after it was trained are then fed to its supplier memory in arrival order, so a
    supplier a clerk recoded this morning is coded the new way this afternoon. An artifact that
    cannot be loaded (written by another scikit-learn, damaged, missing) is rebuilt here and
    now from the history rather than failing every document until someone notices.
    """
    version = active_version(session, company_id, CODING_KIND)
    if version is None:
        return None
    model = _load(version.artifact)
    if model is None:
        rebuilt = train_company_coding(company_id, rebuild=True)
        if rebuilt.model is None or rebuilt.version is None:
            return None
        model, version = rebuilt.model, rebuilt.version
        _remember(version.artifact, model)
    with _lock:
        for record in history_rows(session, company_id, after_seq=model.learned_seq):
            model.learn(posting_from_record(record))
            model.learned_seq = record.seq or model.learned_seq
    return model, version


def _load(artifact: str) -> CodingModel | None:
    path = Path(artifact)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    with _lock:
        cached = _models.get(artifact)
        if cached is not None and cached.stamp == stamp:
            return cached.model
    model = load_coding_model(path)
    if model is not None:
        _remember(artifact, model, stamp)
    return model


def _remember(artifact: str, model: CodingModel, stamp: int | None = None) -> None:
    if stamp is None:
        stamp = Path(artifact).stat().st_mtime_ns
    with _lock:
        _models[artifact] = _Loaded(stamp, model)
        while len(_models) > _CACHED_ARTIFACTS:
            del _models[next(iter(_models))]


@dataclass(frozen=True)
class SupplierIdentity:
    """Who the supplier is to the coding model: ``key`` is its supplier-memory key, and
    ``supplier_id`` what Bilag's own posting rows store so that they mean the same key."""

    key: str
    supplier_id: str | None
    name: str


def choose_supplier_identity(
    known: Sequence[tuple[str | None, str | None, int]],
    org_number: str | None,
    names: Sequence[str],
    external_id: str | None = None,
) -> SupplierIdentity:
    """The identity the history already knows this supplier by, else one made from the invoice.

    ``known`` holds (supplier_id, supplier_name, postings) of history rows that may be this
    supplier. An ERP's history names suppliers by its own ids (or only by name), an invoice by
    org number; the two meet where a history row's id is the org number (Bilag's own postings,
    or an ERP keyed by org number) or the ERP's id of the invoice's supplier (``external_id``,
    from the supplier master data), or its name is the invoice's supplier's. Of those the
    identity with the most postings wins, since that is where the supplier's habits are.
    """
    wanted = {normalised_name(name) for name in names if name and normalised_name(name)}
    name = next((n for n in names if n), "")
    tallies: dict[str, tuple[int, str | None, str]] = {}
    for supplier_id, supplier_name, postings in known:
        same_id = supplier_id is not None and supplier_id in (org_number, external_id)
        same_name = normalised_name(supplier_name or "") in wanted
        if not (same_id or same_name):
            continue
        key = supplier_key(supplier_id, None, supplier_name)
        count, _, _ = tallies.get(key, (0, None, ""))
        tallies[key] = (count + postings, supplier_id, supplier_name or name)
    if tallies:
        key = max(tallies, key=lambda k: (tallies[k][0], k == f"id:{org_number}", k))
        _, supplier_id, known_name = tallies[key]
        return SupplierIdentity(key, supplier_id, known_name)
    if org_number:
        return SupplierIdentity(supplier_key(org_number, None, name), org_number, name)
    return SupplierIdentity(supplier_key(None, None, name), None, name)


def supplier_identity(
    session: Session,
    company_id: uuid.UUID,
    org_number: str | None,
    names: Sequence[str],
    external_id: str | None = None,
) -> SupplierIdentity:
    """:func:`choose_supplier_identity` over the company's history rows that may be the
    supplier (the org number or the ERP's id as the supplier id, or the same name in any
    case)."""
    lowered = sorted({name.lower() for name in names if name})
    conditions = []
    ids = [value for value in (org_number, external_id) if value]
    if ids:
        conditions.append(col(PostingHistory.supplier_id).in_(ids))
    if lowered:
        conditions.append(func.lower(col(PostingHistory.supplier_name)).in_(lowered))
    known: list[tuple[str | None, str | None, int]] = []
    if conditions:
        known = [
            (supplier_id, supplier_name, count)
            for supplier_id, supplier_name, count in session.exec(
                select(PostingHistory.supplier_id, PostingHistory.supplier_name, func.count())
                .where(PostingHistory.company_id == company_id, or_(*conditions))
                .group_by(col(PostingHistory.supplier_id), col(PostingHistory.supplier_name))
            )
        ]
    return choose_supplier_identity(known, org_number, names, external_id)


@dataclass(frozen=True)
class LineToCode:
    """One invoice line (or the invoice as a whole, line 0) and what the model is told of it."""

    line_number: int
    example: CodingExample
    supplier: SupplierIdentity


def invoice_of(session: Session, document: Document) -> Invoice | None:
    return session.exec(select(Invoice).where(Invoice.document_id == document.id)).first()


def invoice_lines(session: Session, invoice: Invoice) -> list[InvoiceLine]:
    return list(
        session.exec(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(col(InvoiceLine.line_number))
        )
    )


def lines_to_code(session: Session, document: Document, invoice: Invoice) -> list[LineToCode]:
    """The invoice's lines as coding examples; an invoice read without lines is one line, 0.

    The posting date is the invoice date (the received date when none was read), the currency
    the invoice's (else the company's), and the supplier the register's when the invoice was
    matched to it, else what the invoice says.
    """
    supplier = session.get(Supplier, invoice.supplier_id) if invoice.supplier_id else None
    org_number = (supplier.org_number if supplier else None) or invoice.supplier_org_number
    names = [n for n in (supplier.name if supplier else None, invoice.supplier_name) if n]
    external_id = supplier.external_id if supplier else None
    identity = supplier_identity(session, document.company_id, org_number, names, external_id)
    company = session.get(Company, document.company_id)
    currency = invoice.currency or (company.base_currency if company else "NOK")
    posting_date = invoice.invoice_date or document.received_at.date()
    whole = invoice.net_amount if invoice.net_amount is not None else invoice.total_amount
    lines = invoice_lines(session, invoice)
    items: list[tuple[int, str, Decimal | None]] = [
        (line.line_number, line.description, line.amount) for line in lines
    ]
    if not items:
        items = [(WHOLE_INVOICE, "", whole)]
    elif len(items) == 1 and items[0][2] is None:
        items = [(items[0][0], items[0][1], whole)]
    return [
        LineToCode(
            number,
            CodingExample(
                posting_date=posting_date,
                supplier_key=identity.key,
                supplier_name=identity.name,
                description=description or "",
                amount=amount if amount is not None else Decimal("0"),
                currency=currency,
            ),
            identity,
        )
        for number, description, amount in items
    ]


def line_codings(session: Session, invoice: Invoice) -> list[LineCoding]:
    return list(
        session.exec(
            select(LineCoding)
            .where(LineCoding.invoice_id == invoice.id)
            .order_by(col(LineCoding.line_number), col(LineCoding.target))
        )
    )


def post_decided_lines(
    session: Session,
    document: Document,
    lines: Sequence[LineToCode],
    rows: Sequence[LineCoding],
    only: set[int] | None = None,
) -> bool:
    """Write each line's decided coding (of ``only`` those line numbers, when given) as its
    posting-history row: "confirmed" where a person decided a value, "auto" where the model
    alone did. True when a row was written."""
    by_line: dict[int, list[LineCoding]] = {}
    for row in rows:
        by_line.setdefault(row.line_number, []).append(row)
    wrote = False
    for line in lines:
        if only is not None and line.line_number not in only:
            continue
        own = by_line.get(line.line_number, [])
        confirmed = any(row.state == CodingState.CONFIRMED for row in own)
        wrote |= post_decided_line(
            session, document, line, own, "confirmed" if confirmed else "auto"
        )
    return wrote


def post_decided_line(
    session: Session,
    document: Document,
    line: LineToCode,
    rows: Sequence[LineCoding],
    source: str,
) -> bool:
    """Write the line's decided coding as the posting-history row of the line.

    Only decided values (auto-accepted or confirmed) are truth the model may learn from, and a
    posting needs an account, so nothing is written before the account is decided. An earlier
    row of the line is replaced (deleted and inserted, so it arrives anew and the model learns
    it) only when something in it changed. True when a row was written.
    """
    coding = {row.target: row.value for row in rows if row.state in DECIDED and row.value}
    if not coding.get(REQUIRED_TARGET):
        return False
    key = posting_row_key(document.id, line.line_number)
    example = line.example
    values: dict[str, Any] = {
        "posting_date": example.posting_date,
        "supplier_id": line.supplier.supplier_id,
        "supplier_name": line.supplier.name[:200] or None,
        "description": example.description,
        "amount": example.amount,
        "currency": example.currency,
        "account": coding[REQUIRED_TARGET],
        "vat_code": coding.get("vat_code"),
        "department": coding.get("department"),
        "project": coding.get("project"),
        "source": source,
        "document_id": document.id,
    }
    existing = session.exec(
        select(PostingHistory).where(
            PostingHistory.company_id == document.company_id, PostingHistory.row_key == key
        )
    ).first()
    if existing is not None:
        if all(getattr(existing, name) == value for name, value in values.items()):
            return False
        session.delete(existing)
        session.flush()
    session.add(PostingHistory(company_id=document.company_id, row_key=key, **values))
    return True


def thresholds_of(version: ModelVersion | None) -> dict[str, float | None]:
    """Each target's auto-accept threshold, as the version's held-out slice chose it."""
    if version is None:
        return {}
    return {
        target: figures.get("threshold")
        for target, figures in version.metrics.items()
        if isinstance(figures, dict) and "threshold" in figures
    }
