"""Wire schemas: what the API promises, kept apart from the tables so columns never leak."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

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
    supplier_vat_number: str | None
    supplier_name: str | None
    buyer_org_number: str | None
    buyer_reference: str | None
    po_number: str | None
    kid: str | None
    bank_account: str | None
    supplier_id: uuid.UUID | None = Field(
        default=None, description="The register's supplier this invoice was matched to"
    )
    supplier_matched_by: str | None = Field(
        default=None, description="org_number, vat_number, bank_account or name"
    )
    proposed_supplier: dict[str, Any] | None = Field(
        default=None, description="An unknown supplier, as read, for a clerk to add"
    )
    lines: list[LineOut]


class PageOut(BaseModel):
    number: int
    width: float = Field(description="In PDF points")
    height: float
    source: str = Field(description="text (text layer) or ocr")
    rotation: int = Field(description="Clockwise degrees turned to read the page upright")
    skew: float | None = Field(description="Degrees of skew removed before OCR")
    image: str | None = Field(
        description="Link to the upright page image (text pages are rendered on first view)"
    )
    tokens: str = Field(description="Link to the page's words with boxes and confidences")


class FindingOut(BaseModel):
    rule_id: str
    severity: str = Field(description="fatal, warning or information")
    message: str
    location: str | None
    artefact: str = Field(description="Rule set and version, e.g. PEPPOL-EN16931-UBL 2026.5")


class AttachmentOut(BaseModel):
    position: int
    filename: str | None
    media_type: str | None
    description: str | None
    size_bytes: int | None
    external_uri: str | None
    shown_as_pages: bool
    download: str | None


class ExceptionOut(BaseModel):
    code: str = Field(description="Stable reason code, e.g. einvoice_invalid")
    message: str
    detail: dict[str, Any]
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None


class EmailOriginOut(BaseModel):
    """The email a document came in, so a clerk can see who sent it and why."""

    sender: str | None
    subject: str | None
    message_id: str | None = Field(description="The Message-ID header")
    sent_at: datetime | None
    link: str


class EInvoiceOut(BaseModel):
    syntax: str = Field(description="ubl-invoice, ubl-credit-note, cii or zugferd-1")
    validation: str | None = Field(description="ok, warning, fatal or unavailable")
    findings: list[FindingOut]
    attachments: list[AttachmentOut]
    data: dict[str, Any] = Field(description="The EN 16931 model as parsed")


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
    pages: list[PageOut]
    einvoice: EInvoiceOut | None = Field(description="Set when the invoice came as XML")
    exceptions: list[ExceptionOut] = Field(description="Why it waits for a person, if it does")
    email: EmailOriginOut | None = Field(description="Set when the document came by email")

    @classmethod
    def of_detail(cls, detail: DocumentDetail) -> "DocumentOut":
        invoice = None
        if detail.invoice is not None:
            invoice = InvoiceOut(
                **detail.invoice.model_dump(include=set(InvoiceOut.model_fields) - {"lines"}),
                lines=[LineOut.model_validate(line, from_attributes=True) for line in detail.lines],
            )
        document = detail.document
        base = f"/api/v1/documents/{document.id}"
        return cls(
            **DocumentSummary.of(document).model_dump(),
            fields={
                f.name: FieldOut.model_validate(f, from_attributes=True) for f in detail.fields
            },
            invoice=invoice,
            pages=[
                PageOut(
                    number=p.number,
                    width=p.width,
                    height=p.height,
                    source=p.source,
                    rotation=p.rotation,
                    skew=p.skew,
                    image=f"{base}/pages/{p.number}/image"
                    if p.image_sha256 or p.source == "text"
                    else None,
                    tokens=f"{base}/pages/{p.number}/tokens",
                )
                for p in detail.pages
            ],
            einvoice=_einvoice_out(detail, base),
            exceptions=[
                ExceptionOut.model_validate(e, from_attributes=True) for e in detail.exceptions
            ],
            email=_email_out(detail),
        )


def _email_out(detail: DocumentDetail) -> EmailOriginOut | None:
    message = detail.inbound_message
    if message is None:
        return None
    return EmailOriginOut(
        sender=message.sender,
        subject=message.subject,
        message_id=message.message_id,
        sent_at=message.sent_at,
        link=f"/api/v1/inbound-email/{message.id}",
    )


def _einvoice_out(detail: DocumentDetail, base: str) -> EInvoiceOut | None:
    document = detail.document
    if document.einvoice is None or document.einvoice_syntax is None:
        return None
    return EInvoiceOut(
        syntax=document.einvoice_syntax,
        validation=document.validation_result,
        findings=[FindingOut.model_validate(f, from_attributes=True) for f in detail.findings],
        attachments=[
            AttachmentOut(
                **a.model_dump(include=set(AttachmentOut.model_fields) - {"download"}),
                download=f"{base}/attachments/{a.position}" if a.sha256 else None,
            )
            for a in detail.attachments
        ],
        data=document.einvoice,
    )


class DocumentList(BaseModel):
    items: list[DocumentSummary]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )
