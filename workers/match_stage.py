"""The pipeline's "match" stage: refuse a duplicate, then check the invoice against purchase
orders and goods receipts, clear what is within tolerance and say exactly why the rest waits.

The rules are pure (``models.matching``); this stage loads their inputs (the candidate orders
with received and already invoiced quantities, the supplier's earlier invoices, the company's
tolerances with the supplier's overrides), stores the verdict and the quantities it bills, and
turns each reason into an exception case with the figures behind it. An invoice that waits for
goods or for an order the ERP has not sent yet is marked so, and is matched again when the ERP
sends them (``workers.matching_jobs``).
"""

import uuid
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy.orm import load_only
from sqlmodel import Session, col, or_, select

from models.audit import record_audit
from models.column_types import utc_now
from models.decimals import tidy_price, tidy_quantity
from models.exception_cases import ExceptionReason, sync_exception_cases
from models.matching.duplicates import (
    DuplicateFinding,
    InvoiceFingerprint,
    duplicate_reason,
    find_duplicate,
)
from models.matching.engine import match_invoice_to_orders
from models.matching.order_numbers import order_references
from models.matching.records import (
    InvoiceLineToMatch,
    InvoiceMatch,
    InvoiceToMatch,
    MatchOutcome,
    MatchReason,
    ReasonFinding,
)
from models.matching.result_json import finding_json, match_json
from models.matching.tolerance import merge_tolerances, tolerances_from_mapping
from models.status import DocumentStatus, DocumentType
from models.tables import (
    Company,
    Document,
    Invoice,
    InvoiceLine,
    InvoiceMatchRecord,
    MatchAllocation,
    MatchPolicy,
    PurchaseOrder,
    Supplier,
)
from workers.coding_service import invoice_of
from workers.order_loading import (
    candidate_orders,
    match_policy,
    order_states,
)
from workers.stages import StageContext

ACTOR = "worker"
MATCH_OWNS = frozenset(reason.value for reason in MatchReason)
# Reasons the ERP can take away by sending what it has not sent yet: the goods receipt, or the
# order an invoice names.
WAITING_FOR_ERP = frozenset(
    {MatchReason.NOT_RECEIVED, MatchReason.QTY_OVER_RECEIVED, MatchReason.NO_PO}
)


def match_applies(ctx: StageContext) -> bool:
    """Anything read as an invoice is checked; a document with no invoice has nothing to match."""
    return invoice_of(ctx.session, ctx.document) is not None


def was_matched(session: Session, document: Document) -> bool:
    """Whether the document has been through this stage (and has a verdict)."""
    return session.get(InvoiceMatchRecord, document.id) is not None


def match_document(ctx: StageContext) -> DocumentStatus | None:
    """Returns ``needs_review`` while any case (of this stage or an earlier one) is open."""
    session, document = ctx.session, ctx.document
    invoice = invoice_of(session, document)
    if invoice is None:
        return None
    policy = match_policy(session, document.company_id)
    supplier = _locked_supplier(session, invoice.supplier_id)
    duplicate = _duplicate_of(session, document, invoice, policy.duplicate_window_days)
    if duplicate is not None:
        result = _duplicate_match(duplicate)
        allocations: list[MatchAllocation] = []
    else:
        result = _match_against_orders(session, document, invoice, supplier, policy)
        allocations = _allocations(document, result)
    _store(ctx, invoice, result, allocations, duplicate)
    cases = sync_exception_cases(
        session, document, _exception_reasons(result), owned_codes=MATCH_OWNS, actor=ACTOR
    )
    return DocumentStatus.NEEDS_REVIEW if cases else None


def _locked_supplier(session: Session, supplier_id: uuid.UUID | None) -> Supplier | None:
    """The invoice's supplier, locked until the verdict commits: two workers matching two
    invoices of one supplier at once would each miss the other as a duplicate, and could bill
    the same received quantity twice. ``FOR NO KEY UPDATE`` leaves rows that merely refer to
    the supplier free to be written."""
    if supplier_id is None:
        return None
    return session.exec(
        select(Supplier).where(Supplier.id == supplier_id).with_for_update(key_share=True)
    ).first()


def _match_against_orders(
    session: Session,
    document: Document,
    invoice: Invoice,
    supplier: Supplier | None,
    policy: MatchPolicy,
) -> InvoiceMatch:
    if not _uses_purchase_orders(session, document.company_id):
        # An order reference on the invoice of a company that keeps no orders in Bilag is just
        # a reference (a requisition, a name): nothing to match it against, nothing to hold.
        return InvoiceMatch(outcome=MatchOutcome.NOT_PO_BACKED, mode=None, lines=())
    references = order_references(invoice.po_number)
    orders = candidate_orders(session, document.company_id, references, invoice.supplier_id)
    states = order_states(
        session,
        orders,
        three_way_default=policy.three_way_default,
        excluding_document=document.id,
    )
    tolerances = tolerances_from_mapping(policy.tolerances)
    if supplier is not None and supplier.match_tolerances:
        tolerances = merge_tolerances(tolerances, supplier.match_tolerances)
    return match_invoice_to_orders(
        _invoice_to_match(session, document, invoice, references),
        states,
        tolerances,
        po_required=bool(supplier and supplier.po_required),
    )


def _uses_purchase_orders(session: Session, company_id: uuid.UUID) -> bool:
    found = session.exec(
        select(PurchaseOrder.id).where(PurchaseOrder.company_id == company_id).limit(1)
    ).first()
    return found is not None


def _invoice_to_match(
    session: Session, document: Document, invoice: Invoice, references: tuple[str, ...]
) -> InvoiceToMatch:
    """The engine reads figures as printed: a credit note's are made positive here, whatever
    sign the reader or a clerk gave them."""
    lines = session.exec(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id)
        .order_by(col(InvoiceLine.line_number))
    )
    currency = invoice.currency or _base_currency(session, document.company_id)
    return InvoiceToMatch(
        supplier_id=str(invoice.supplier_id) if invoice.supplier_id else None,
        currency=currency,
        net_amount=_positive(invoice.net_amount),
        lines=tuple(
            InvoiceLineToMatch(
                line_number=line.line_number,
                description=line.description,
                item_code=line.item_code,
                quantity=_positive(line.quantity, tidy_quantity),
                unit_price=_positive(line.unit_price, tidy_price),
                amount=_positive(line.amount),
            )
            for line in lines
        ),
        order_numbers=references,
        is_credit_note=invoice.document_type == DocumentType.CREDIT_NOTE,
    )


def _positive(
    value: Decimal | None, tidy: Callable[[Decimal], Decimal] | None = None
) -> Decimal | None:
    if value is None:
        return None
    return tidy(abs(value)) if tidy is not None else abs(value)


def _base_currency(session: Session, company_id: uuid.UUID) -> str:
    company = session.get(Company, company_id)
    return company.base_currency if company is not None else "NOK"


def _duplicate_of(
    session: Session, document: Document, invoice: Invoice, window_days: int
) -> DuplicateFinding | None:
    """The earlier document this invoice repeats, among the same supplier's invoices that
    arrived before it and did not fail."""
    this = _fingerprint(document, invoice)
    if this.supplier_key is None:
        return None
    same_supplier = (
        Invoice.supplier_id == invoice.supplier_id
        if invoice.supplier_id is not None
        else Invoice.supplier_org_number == invoice.supplier_org_number
    )
    rows = session.exec(
        select(Invoice, Document)
        .join(Document, col(Document.id) == Invoice.document_id)
        # A supplier may have thousands of invoices: read what a fingerprint needs, not each
        # document's e-invoice JSON.
        .options(
            load_only(*_FINGERPRINT_INVOICE_COLUMNS),
            load_only(*_FINGERPRINT_DOCUMENT_COLUMNS),
        )
        .where(
            Invoice.company_id == document.company_id,
            same_supplier,
            Document.id != document.id,
            Document.status != DocumentStatus.FAILED.value,
            or_(
                col(Document.received_at) < document.received_at,
                (col(Document.received_at) == document.received_at)
                & (col(Document.id) < document.id),
            ),
        )
    )
    earlier = [_fingerprint(other_document, other) for other, other_document in rows]
    return find_duplicate(this, earlier, window_days=window_days)


_FINGERPRINT_INVOICE_COLUMNS = (
    Invoice.supplier_id,
    Invoice.supplier_org_number,
    Invoice.invoice_number,
    Invoice.document_type,
    Invoice.currency,
    Invoice.total_amount,
    Invoice.invoice_date,
)
_FINGERPRINT_DOCUMENT_COLUMNS = (
    Document.received_at,
    Document.channel,
    Document.einvoice_syntax,
)


def _fingerprint(document: Document, invoice: Invoice) -> InvoiceFingerprint:
    supplier_key = str(invoice.supplier_id) if invoice.supplier_id else invoice.supplier_org_number
    return InvoiceFingerprint(
        document_id=str(document.id),
        supplier_key=supplier_key,
        invoice_number=invoice.invoice_number,
        document_type=invoice.document_type,
        currency=invoice.currency,
        total_amount=invoice.total_amount,
        invoice_date=invoice.invoice_date,
        received_at=document.received_at,
        channel="ehf" if document.einvoice_syntax else document.channel,
    )


def _duplicate_match(duplicate: DuplicateFinding) -> InvoiceMatch:
    reasons = (duplicate_reason(duplicate),)
    return InvoiceMatch(outcome=MatchOutcome.EXCEPTION, mode=None, lines=(), reasons=reasons)


def _allocations(document: Document, result: InvoiceMatch) -> list[MatchAllocation]:
    return [
        MatchAllocation(
            company_id=document.company_id,
            document_id=document.id,
            order_line_id=uuid.UUID(allocation.line_id),
            quantity=allocation.quantity,
            amount=allocation.amount,
        )
        for allocation in result.allocations
    ]


def _store(
    ctx: StageContext,
    invoice: Invoice,
    result: InvoiceMatch,
    allocations: list[MatchAllocation],
    duplicate: DuplicateFinding | None,
) -> None:
    """Replace the document's verdict and allocations; audit a changed outcome."""
    session, document = ctx.session, ctx.document
    for old in session.exec(
        select(MatchAllocation).where(MatchAllocation.document_id == document.id)
    ):
        session.delete(old)
    session.flush()
    session.add_all(allocations)
    record = session.get(InvoiceMatchRecord, document.id)
    before = record.outcome if record is not None else None
    if record is None:
        record = InvoiceMatchRecord(
            document_id=document.id, company_id=document.company_id, invoice_id=invoice.id
        )
    codes = {reason.code for reason in result.all_reasons}
    record.invoice_id = invoice.id
    record.outcome = result.outcome.value
    record.mode = result.mode.value if result.mode else None
    record.duplicate_of = uuid.UUID(duplicate.original_document_id) if duplicate else None
    record.awaiting_erp_data = bool(codes & WAITING_FOR_ERP)
    record.supplier_id = invoice.supplier_id
    record.result = match_json(result)
    record.matched_at = utc_now()
    session.add(record)
    if before != record.outcome:
        record_audit(
            session,
            company_id=document.company_id,
            actor=ACTOR,
            action="match.outcome",
            entity_type="document",
            entity_id=document.id,
            field="match",
            old=before,
            new=record.outcome,
            detail=_summary(result),
        )


def _summary(result: InvoiceMatch) -> str:
    codes = sorted({reason.code.value for reason in result.all_reasons})
    shown = f": {', '.join(codes)}" if codes else ""
    return f"Matching outcome {result.outcome.value}{shown}."[:500]


def _exception_reasons(result: InvoiceMatch) -> list[ExceptionReason]:
    """One case per reason code; a code found on several lines lists every finding."""
    by_code: dict[str, list[ReasonFinding]] = defaultdict(list)
    for finding in result.all_reasons:
        by_code[finding.code.value].append(finding)
    reasons = []
    for code, findings in by_code.items():
        message = findings[0].message
        if len(findings) > 1:
            message += f" (and {len(findings) - 1} more like it)"
        reasons.append(
            ExceptionReason(
                code=code,
                message=message,
                detail={"findings": [finding_json(finding) for finding in findings]},
            )
        )
    return reasons
