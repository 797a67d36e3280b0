"""Wire schemas for posting history: an import's outcome, and the stored rows listed back."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from models.posting_history import COLUMNS, ROW_KEY_COLUMN, RowError
from models.tables import PostingHistory


# Documents the JSON body only: the endpoint also takes CSV, so the route reads the body itself.
class HistoryRowsIn(BaseModel):
    """Posting history as JSON: one object per posted line."""

    rows: list[dict[str, Any]] = Field(
        description=f"One object per posted line with the keys {', '.join(COLUMNS)} and "
        f"optionally {ROW_KEY_COLUMN}; dates YYYY-MM-DD (or DD.MM.YYYY), amounts as decimal "
        "strings or numbers",
        examples=[
            [
                {
                    "date": "2026-03-14",
                    "supplier_id": "10042",
                    "supplier_name": "Kontorrekvisita AS",
                    "description": "Printerpapir",
                    "amount": "1234.50",
                    "currency": "NOK",
                    "account": "6800",
                    "vat_code": "1",
                    "department": "200",
                    "project": None,
                }
            ]
        ],
    )


class HistoryRowErrorOut(BaseModel):
    line: int = Field(
        description="CSV: the physical line, header = 1. JSON: the row's index, 1-based"
    )
    message: str

    @classmethod
    def of(cls, error: RowError) -> "HistoryRowErrorOut":
        return cls(line=error.line, message=error.message)


class HistoryImportOut(BaseModel):
    rows: int = Field(description="Data rows read, good and bad")
    inserted: int = Field(description="Good rows the company did not have yet")
    duplicates: int = Field(description="Good rows already stored (same row key): not stored again")
    errors: list[HistoryRowErrorOut] = Field(description="The first bad rows and why")
    error_count: int = Field(description="All bad rows; each is skipped, the good ones are kept")
    warnings: list[str] = Field(default_factory=list, description="e.g. ignored unknown columns")


class PostingHistoryOut(BaseModel):
    seq: int = Field(description="Arrival order; the list is newest first")
    row_key: str
    posting_date: date
    supplier_id: str | None
    supplier_name: str | None
    description: str
    amount: Decimal
    currency: str
    account: str
    vat_code: str | None
    department: str | None
    project: str | None
    source: str = Field(description="import, posted or confirmed")
    document_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def of(cls, row: PostingHistory) -> "PostingHistoryOut":
        return cls.model_validate(row, from_attributes=True)


class PostingHistoryList(BaseModel):
    items: list[PostingHistoryOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )
