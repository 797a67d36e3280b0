"""The matching verdict of a document as the API shows it: decimals as strings, as stored."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from models.tables import InvoiceMatchRecord


class MatchFindingOut(BaseModel):
    code: str = Field(description="price_over, not_received, duplicate_invoice, …")
    message: str
    expected: str | None = None
    actual: str | None = None
    tolerance: str | None = None
    order_number: str | None = None
    order_line: int | None = None


class MatchLineOut(BaseModel):
    line_number: int
    outcome: str = Field(description="matched, within_tolerance or exception")
    order_number: str | None = None
    order_line: int | None = None
    quantity: str | None = Field(None, description="Quantity billed against the order line")
    amount: str | None = None
    is_fee: bool = False
    reasons: list[MatchFindingOut] = []


class DocumentMatchOut(BaseModel):
    document_id: uuid.UUID
    outcome: str = Field(description="matched, within_tolerance, exception or not_po_backed")
    mode: str | None = Field(None, description="two_way or three_way")
    duplicate_of: uuid.UUID | None = None
    awaiting_erp_data: bool = Field(
        description="Held for a goods receipt or an order; matched again when the ERP sends it"
    )
    matched_at: datetime
    reasons: list[MatchFindingOut] = Field(description="Reasons of the invoice as a whole")
    lines: list[MatchLineOut]

    @classmethod
    def of(cls, record: InvoiceMatchRecord) -> "DocumentMatchOut":
        return cls(
            document_id=record.document_id,
            outcome=record.outcome,
            mode=record.mode,
            duplicate_of=record.duplicate_of,
            awaiting_erp_data=record.awaiting_erp_data,
            matched_at=record.matched_at,
            reasons=record.result.get("reasons", []),
            lines=record.result.get("lines", []),
        )


class RematchOut(BaseModel):
    queued: bool
