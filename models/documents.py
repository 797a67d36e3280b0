"""Loading documents for one company and moving them between states, with an audit row each time."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, and_, col, or_, select

from models.audit import record_audit
from models.column_types import utc_now
from models.cursor import InvalidCursorError, decode_cursor, encode_cursor
from models.status import DocumentStatus
from models.tables import (
    Document,
    DocumentAttachment,
    ExceptionCase,
    ExtractedField,
    InboundMessage,
    Invoice,
    InvoiceLine,
    Page,
    ValidationFinding,
)


def get_document(
    session: Session, company_id: uuid.UUID, document_id: uuid.UUID
) -> Document | None:
    """The document if it belongs to ``company_id``; another company's document does not exist."""
    return session.exec(
        select(Document).where(Document.id == document_id, Document.company_id == company_id)
    ).first()


def set_status(
    session: Session,
    document: Document,
    status: DocumentStatus,
    *,
    actor: str,
    reason: str | None = None,
    message: str | None = None,
    stage: str | None = None,
) -> None:
    """Change status (and reason) in the caller's transaction, recording old and new."""
    old = document.status
    document.status = status.value
    document.status_reason = reason
    document.status_message = message
    document.failed_stage = stage if status is DocumentStatus.FAILED else None
    document.updated_at = utc_now()
    session.add(document)
    record_audit(
        session,
        company_id=document.company_id,
        actor=actor,
        action="document.status_changed",
        entity_type="document",
        entity_id=document.id,
        field="status",
        old=old,
        new=status.value,
        detail=f"{reason}: {message}" if reason else None,
    )


def restart(session: Session, document: Document, *, actor: str, why: str) -> int:
    """Start a new processing run; jobs of the old run see a stale run number and stop."""
    document.run += 1
    set_status(session, document, DocumentStatus.RECEIVED, actor=actor)
    record_audit(
        session,
        company_id=document.company_id,
        actor=actor,
        action="document.reprocess",
        entity_type="document",
        entity_id=document.id,
        field="run",
        old=document.run - 1,
        new=document.run,
        detail=why,
    )
    return document.run


@dataclass(frozen=True)
class DocumentPage:
    items: list[Document]
    next_cursor: str | None


def _encode_cursor(document: Document) -> str:
    return encode_cursor({"r": document.received_at.isoformat(), "i": str(document.id)})


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    position = decode_cursor(cursor)
    try:
        return datetime.fromisoformat(position["r"]), uuid.UUID(position["i"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidCursorError("the cursor is not one this API returned") from exc


def list_documents(
    session: Session,
    company_id: uuid.UUID,
    *,
    status: DocumentStatus | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> DocumentPage:
    """Documents in the order received (oldest first), a stable keyset page at a time."""
    query = select(Document).where(Document.company_id == company_id)
    if status is not None:
        query = query.where(Document.status == status.value)
    if since is not None:
        query = query.where(Document.received_at >= since)
    if cursor:
        after_time, after_id = _decode_cursor(cursor)
        query = query.where(
            or_(
                Document.received_at > after_time,
                and_(Document.received_at == after_time, col(Document.id) > after_id),
            )
        )
    query = query.order_by(col(Document.received_at), col(Document.id)).limit(limit + 1)
    rows = list(session.exec(query))
    has_more = len(rows) > limit
    items = rows[:limit]
    return DocumentPage(items, _encode_cursor(items[-1]) if has_more and items else None)


@dataclass(frozen=True)
class DocumentDetail:
    document: Document
    fields: list[ExtractedField]
    invoice: Invoice | None
    lines: list[InvoiceLine]
    pages: list[Page]
    findings: list[ValidationFinding]
    attachments: list[DocumentAttachment]
    exceptions: list[ExceptionCase]
    inbound_message: InboundMessage | None = None


def load_document_detail(session: Session, document: Document) -> DocumentDetail:
    fields = list(
        session.exec(
            select(ExtractedField)
            .where(
                ExtractedField.document_id == document.id,
                ExtractedField.company_id == document.company_id,
            )
            .order_by(col(ExtractedField.name))
        )
    )
    invoice = session.exec(
        select(Invoice).where(
            Invoice.document_id == document.id, Invoice.company_id == document.company_id
        )
    ).first()
    lines: list[InvoiceLine] = []
    if invoice is not None:
        lines = list(
            session.exec(
                select(InvoiceLine)
                .where(
                    InvoiceLine.invoice_id == invoice.id,
                    InvoiceLine.company_id == document.company_id,
                )
                .order_by(col(InvoiceLine.line_number))
            )
        )
    return DocumentDetail(
        document,
        fields,
        invoice,
        lines,
        pages=_owned_rows(session, Page, document, Page.number),
        findings=_owned_rows(session, ValidationFinding, document, ValidationFinding.id),
        attachments=_owned_rows(session, DocumentAttachment, document, DocumentAttachment.position),
        exceptions=_owned_rows(session, ExceptionCase, document, ExceptionCase.created_at),
        inbound_message=_inbound_message(session, document),
    )


def _inbound_message(session: Session, document: Document) -> InboundMessage | None:
    if document.inbound_message_id is None:
        return None
    return session.exec(
        select(InboundMessage).where(
            InboundMessage.id == document.inbound_message_id,
            InboundMessage.company_id == document.company_id,
        )
    ).first()


def _owned_rows(session: Session, table: Any, document: Document, order: Any) -> list[Any]:
    """Rows of ``table`` that belong to the document, scoped to its company like every query."""
    return list(
        session.exec(
            select(table)
            .where(table.document_id == document.id, table.company_id == document.company_id)
            .order_by(col(order))
        )
    )
