"""What each pipeline stage does to one document: load, call pure code, save.

Stages raise :class:`PermanentError` for input that can never be processed; any other exception
is transient and the job is retried.
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete
from sqlmodel import Session, col, select

from ml.extraction.header_fields import FieldValue, extract_header_fields
from models.column_types import utc_now
from models.errors import PermanentError
from models.settings import Settings
from models.storage import BlobStore
from models.tables import Company, Document, ExtractedField, Invoice, Page
from models.tokens import PageTokens, TokenSource
from workers.readers import Reader, reader_for


@dataclass
class StageContext:
    session: Session
    document: Document
    store: BlobStore
    settings: Settings


def _reader(document: Document) -> Reader:
    reader = reader_for(document.media_type)
    if reader is None:
        raise PermanentError(
            "unsupported_media_type", f"Bilag has no reader for {document.media_type} yet."
        )
    return reader


def _verified_original(ctx: StageContext) -> bytes:
    data = ctx.store.read(ctx.document.sha256)
    if hashlib.sha256(data).hexdigest() != ctx.document.sha256:
        raise PermanentError(
            "blob_corrupt", "The stored original no longer matches its SHA-256; restore it."
        )
    return data


def receive_document(ctx: StageContext) -> None:
    """Check the stored original is intact and within the page limit before spending work on it."""
    data = _verified_original(ctx)
    pages = _reader(ctx.document).count_pages(data)
    if pages > ctx.settings.max_pdf_pages:
        raise PermanentError(
            "too_many_pages",
            f"The document has {pages} pages; the limit is {ctx.settings.max_pdf_pages}.",
        )
    ctx.document.page_count = pages
    ctx.session.add(ctx.document)


def read_document(ctx: StageContext) -> None:
    """Turn the original into page tokens, replacing those of any earlier run.

    The receive stage has just checked the original against its digest; no need to hash again.
    """
    data = ctx.store.read(ctx.document.sha256)
    pages = _reader(ctx.document).read(data, ctx.settings.max_pdf_pages)
    ctx.session.exec(delete(Page).where(col(Page.document_id) == ctx.document.id))
    for page in pages:
        ctx.session.add(
            Page(
                company_id=ctx.document.company_id,
                document_id=ctx.document.id,
                number=page.number,
                width=page.width,
                height=page.height,
                source=page.source.value,
                tokens=page.to_json(),
            )
        )


def _load_pages(session: Session, document: Document) -> list[PageTokens]:
    rows = session.exec(
        select(Page).where(Page.document_id == document.id).order_by(col(Page.number))
    )
    return [PageTokens.from_json(row.tokens) for row in rows]


def extract_document(ctx: StageContext) -> None:
    """Find header fields and keep them; a clerk's correction is never overwritten."""
    document = ctx.document
    company = ctx.session.get(Company, document.company_id)
    found = extract_header_fields(
        _load_pages(ctx.session, document),
        default_currency=company.base_currency if company else None,
    )
    existing = {
        row.name: row
        for row in ctx.session.exec(
            select(ExtractedField).where(ExtractedField.document_id == document.id)
        )
    }
    corrected = {name for name, row in existing.items() if row.source == TokenSource.HUMAN}
    for name, value in found.items():
        if name in corrected:
            continue
        row = existing.get(name) or ExtractedField(
            company_id=document.company_id, document_id=document.id, name=name
        )
        _apply_field(row, value)
        ctx.session.add(row)
    for name, row in existing.items():
        if name not in found and name not in corrected:
            ctx.session.delete(row)
    current = {name: value.value for name, value in found.items()}
    current |= {name: existing[name].value for name in corrected}
    _save_invoice(ctx.session, document, current)


def _apply_field(row: ExtractedField, value: FieldValue) -> None:
    row.value = value.value
    row.confidence = value.confidence
    row.page = value.page
    row.bbox = value.box.as_list() if value.box else None
    row.source = value.source.value


def _save_invoice(session: Session, document: Document, values: dict[str, str | None]) -> None:
    invoice = session.exec(select(Invoice).where(Invoice.document_id == document.id)).first()
    invoice = invoice or Invoice(company_id=document.company_id, document_id=document.id)
    invoice.invoice_number = values.get("invoice_number")
    invoice.invoice_date = _as_date(values.get("invoice_date"))
    invoice.due_date = _as_date(values.get("due_date"))
    invoice.currency = values.get("currency")
    invoice.total_amount = _as_decimal(values.get("total_amount"))
    invoice.supplier_org_number = values.get("supplier_org_number")
    invoice.updated_at = utc_now()
    session.add(invoice)


def _as_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _as_decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value else None
