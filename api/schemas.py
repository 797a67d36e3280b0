"""Wire schemas: what the API promises, kept apart from the tables so columns never leak."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from models.documents import DocumentDetail
from models.tables import Document


class FieldOut(BaseModel):
    value: str | None = Field(description="Normalised: dates ISO, amounts as decimal strings")
    confidence: float = Field(ge=0, le=1)
    source: str = Field(description="text, ocr, xml or human")
    page: int | None = None
    bbox: list[float] | None = Field(
        default=None, description="[x0, top, x1, bottom] in PDF points, top-left origin"
    )


class LineOut(BaseModel):
    line_number: int
    description: str
    item_code: str | None
    quantity: Decimal | None
    unit: str | None
    unit_price: Decimal | None
    vat_rate: Decimal | None
    amount: Decimal | None


class InvoiceOut(BaseModel):
    document_type: str
    invoice_number: str | None
    invoice_date: date | None
    due_date: date | None
    currency: str | None
    net_amount: Decimal | None
    vat_amount: Decimal | None
    total_amount: Decimal | None
    amount_due: Decimal | None
    supplier_org_number: str | None
    kid: str | None
    lines: list[LineOut]


class StatusOut(BaseModel):
    code: str
    reason: str | None = Field(description="Stable reason code when failed, e.g. unreadable_pdf")
    message: str | None
    failed_stage: str | None


class DocumentSummary(BaseModel):
    id: uuid.UUID
    filename: str | None
    media_type: str
    sha256: str
    size_bytes: int
    channel: str
    status: StatusOut
    page_count: int | None
    received_at: datetime
    updated_at: datetime
    links: dict[str, str]

    @classmethod
    def of(cls, document: Document) -> "DocumentSummary":
        base = f"/api/v1/documents/{document.id}"
        return cls(
            id=document.id,
            filename=document.filename,
            media_type=document.media_type,
            sha256=document.sha256,
            size_bytes=document.size_bytes,
            channel=document.channel,
            status=StatusOut(
                code=document.status,
                reason=document.status_reason,
                message=document.status_message,
                failed_stage=document.failed_stage,
            ),
            page_count=document.page_count,
            received_at=document.received_at,
            updated_at=document.updated_at,
            links={"self": base, "original": f"{base}/original", "reprocess": f"{base}/reprocess"},
        )


class DocumentOut(DocumentSummary):
    fields: dict[str, FieldOut]
    invoice: InvoiceOut | None

    @classmethod
    def of_detail(cls, detail: DocumentDetail) -> "DocumentOut":
        invoice = None
        if detail.invoice is not None:
            invoice = InvoiceOut(
                **detail.invoice.model_dump(include=set(InvoiceOut.model_fields) - {"lines"}),
                lines=[LineOut.model_validate(line, from_attributes=True) for line in detail.lines],
            )
        return cls(
            **DocumentSummary.of(detail.document).model_dump(),
            fields={
                f.name: FieldOut.model_validate(f, from_attributes=True) for f in detail.fields
            },
            invoice=invoice,
        )


class DocumentList(BaseModel):
    items: list[DocumentSummary]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )
