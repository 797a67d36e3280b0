"""Wire schemas for a document's coding: what the model proposed, who decided, and why."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.tables import LineCoding
from workers.coding_confirmations import DocumentCoding, LineView


class SuggestionOut(BaseModel):
    value: str
    probability: float = Field(ge=0, le=1, description="Calibrated on the company's history")


class TargetCodingOut(BaseModel):
    value: str | None = Field(description="The value that stands; null when the model abstained")
    state: str = Field(description="suggested, abstained, auto_accepted or confirmed")
    probability: float | None = Field(
        default=None, description="The model's probability for its top suggestion"
    )
    suggestions: list[SuggestionOut] = Field(
        default_factory=list, description="The model's best values, most likely first"
    )
    explanation: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The past postings behind the top suggestion: date, supplier, description, "
        "amount and their coding",
    )
    model_version: int | None = None
    decided_by: str | None = Field(
        default=None, description="bilag-model when applied with no human, else the person"
    )
    decided_at: datetime | None = None

    @classmethod
    def of(cls, row: LineCoding) -> "TargetCodingOut":
        return cls(
            value=row.value,
            state=row.state,
            probability=row.probability,
            suggestions=[SuggestionOut(**s) for s in row.suggestions],
            explanation=row.explanation,
            model_version=row.model_version,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
        )


class LineCodingOut(BaseModel):
    line_number: int = Field(description="0 is the invoice as a whole, when it has no lines")
    description: str
    amount: str
    targets: dict[str, TargetCodingOut] = Field(
        description="account, vat_code, department, project: those the company codes"
    )

    @classmethod
    def of(cls, line: LineView) -> "LineCodingOut":
        return cls(
            line_number=line.line_number,
            description=line.description,
            amount=line.amount,
            targets={target: TargetCodingOut.of(row) for target, row in line.rows.items()},
        )


class OpenTargetOut(BaseModel):
    line_number: int
    target: str


class DocumentCodingOut(BaseModel):
    complete: bool = Field(
        description="Every line has an account and every value is auto-accepted or confirmed"
    )
    open: list[OpenTargetOut] = Field(description="What still needs a person")
    model_version: int | None = Field(default=None, description="The company's coding model in use")
    thresholds: dict[str, float | None] = Field(
        default_factory=dict,
        description="Per target, the probability at or above which a value is applied with no "
        "human (null: the history cannot yet show the target precision, so nothing is)",
    )
    lines: list[LineCodingOut]

    @classmethod
    def of(cls, coding: DocumentCoding) -> "DocumentCodingOut":
        return cls(
            complete=coding.complete,
            open=[OpenTargetOut(line_number=n, target=t) for n, t in coding.open],
            model_version=coding.model.version if coding.model else None,
            thresholds=coding.thresholds,
            lines=[LineCodingOut.of(line) for line in coding.lines],
        )


class LineCodingIn(BaseModel):
    """A person's values for one line; only the targets given change. ``null`` confirms that
    a VAT code, department or project does not apply to the line; an account is required."""

    model_config = ConfigDict(extra="allow")

    line_number: int = Field(description="As in GET; 0 for an invoice coded as a whole")
    account: str | None = None
    vat_code: str | None = None
    department: str | None = None
    project: str | None = None


class DocumentCodingIn(BaseModel):
    lines: list[LineCodingIn] = Field(
        min_length=1,
        examples=[[{"line_number": 1, "account": "6540", "vat_code": "1"}]],
    )

    def given(self) -> list[dict[str, Any]]:
        """Each line with only the keys the sender wrote (an explicit null is kept: "none" for
        an optional target, refused for the account, never read as "unchanged")."""
        return [line.model_dump(exclude_unset=True) for line in self.lines]
