"""A person's coding of an invoice's lines: checked, recorded, audited, and learned from.

The API's PUT (and, later, the inbox) come through :func:`confirm_coding`, so a confirmation is
handled the same wherever it is made: every value is checked before any is applied; each becomes
``confirmed`` by that person and is never overwritten by the model; the audit trail gets old and
new, and says "corrected" when the person chose other than what stood; the line's coding
becomes the posting-history row the model learns from; and once nothing is left open the
``coding_unconfirmed`` case is resolved.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from ml.coding.examples import TARGETS
from models.audit import record_audit
from models.coding import (
    CODING_CASE,
    REQUIRED_TARGET,
    CodingState,
    TargetState,
    is_correction,
    unconfirmed_reason,
    undecided,
)
from models.column_types import utc_now
from models.documents import set_status
from models.exception_cases import sync_exception_cases
from models.status import DocumentStatus
from models.tables import Document, Invoice, LineCoding, ModelVersion
from workers.coding_service import (
    line_codings,
    lines_to_code,
    post_decided_lines,
    thresholds_of,
)
from workers.coding_training import CODING_KIND
from workers.company_extraction import active_version
from workers.match_stage import was_matched

VALUE_LIMIT = 200  # LineCoding.value and the posting-history columns
_CODING_OWNS = frozenset({CODING_CASE})
# States a confirmation may move a document out of; any other (mid-pipeline, failed) is left
# to the pipeline.
_SETTLED = frozenset(
    {
        DocumentStatus.EXTRACTED,
        DocumentStatus.CODED,
        DocumentStatus.MATCHED,
        DocumentStatus.NEEDS_REVIEW,
    }
)


@dataclass(frozen=True)
class CodingProblem:
    """One thing wrong with a confirmation, named so the sender can fix it."""

    line_number: int | None
    target: str | None
    problem: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line_number": self.line_number,
            "target": self.target,
            "problem": self.problem,
            "message": self.message,
        }


class CodingInputError(ValueError):
    """The confirmation names lines or targets the document does not have, or empty values."""

    def __init__(self, problems: list[CodingProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.message for problem in problems))


@dataclass
class ConfirmationResult:
    changed: list[tuple[int, str]] = field(default_factory=list)
    corrected: list[tuple[int, str]] = field(default_factory=list)
    complete: bool = False


def checked_values(
    given: Sequence[Mapping[str, Any]], line_numbers: Sequence[int]
) -> dict[int, dict[str, str | None]]:
    """Line -> target -> value, or :class:`CodingInputError` listing every problem at once."""
    problems: list[CodingProblem] = []
    values: dict[int, dict[str, str | None]] = {}
    known = set(line_numbers)
    for entry in given:
        number = entry.get("line_number")
        if not isinstance(number, int) or isinstance(number, bool):
            problems.append(
                CodingProblem(None, None, "no_line_number", "each line needs a line_number")
            )
            continue
        if number not in known:
            shown = ", ".join(str(n) for n in sorted(known)) or "none"
            problems.append(
                CodingProblem(
                    number,
                    None,
                    "unknown_line",
                    f"line {number} is not a line of this invoice (its lines: {shown})",
                )
            )
            continue
        if number in values:
            problems.append(
                CodingProblem(number, None, "duplicate_line", f"line {number} is given twice")
            )
            continue
        targets = {name: value for name, value in entry.items() if name != "line_number"}
        if not targets:
            problems.append(
                CodingProblem(
                    number, None, "no_targets", f"line {number} gives no {', '.join(TARGETS)}"
                )
            )
        line_values: dict[str, str | None] = {}
        for target, value in targets.items():
            if value is None and target in TARGETS and target != REQUIRED_TARGET:
                # A department or project that does not apply to this line: confirmed empty.
                line_values[target] = None
            elif target not in TARGETS:
                problems.append(
                    CodingProblem(
                        number,
                        target,
                        "unknown_target",
                        f"line {number}: {target!r} is not one of {', '.join(TARGETS)}",
                    )
                )
            elif not isinstance(value, str) or not value.strip():
                problems.append(
                    CodingProblem(
                        number,
                        target,
                        "empty_value",
                        f"line {number}: {target} needs a non-empty text value"
                        + ("" if target == REQUIRED_TARGET else " (or null for none)"),
                    )
                )
            elif len(value.strip()) > VALUE_LIMIT:
                problems.append(
                    CodingProblem(
                        number,
                        target,
                        "too_long",
                        f"line {number}: {target} is longer than {VALUE_LIMIT} characters",
                    )
                )
            else:
                line_values[target] = value.strip()
        values[number] = line_values
    if problems:
        raise CodingInputError(problems)
    return values


def confirm_coding(
    session: Session,
    document: Document,
    invoice: Invoice,
    given: Sequence[Mapping[str, Any]],
    actor: str,
) -> ConfirmationResult:
    """Apply a person's values to the lines' coding; all are checked before any is applied."""
    lines = lines_to_code(session, document, invoice)
    values = checked_values(given, [line.line_number for line in lines])
    rows = {(row.line_number, row.target): row for row in line_codings(session, invoice)}
    result = ConfirmationResult()
    now = utc_now()
    for number, targets in values.items():
        for target, value in targets.items():
            row = rows.get((number, target))
            if row is None:
                row = rows[(number, target)] = LineCoding(
                    company_id=document.company_id,
                    invoice_id=invoice.id,
                    line_number=number,
                    target=target,
                    state=CodingState.ABSTAINED,
                )
            if row.state == CodingState.CONFIRMED and row.value == value:
                continue
            before_state, before_value = row.state, row.value
            corrected = is_correction(before_value, value)
            row.value, row.state = value, CodingState.CONFIRMED
            row.decided_by, row.decided_at = actor, now
            session.add(row)
            record_audit(
                session,
                company_id=document.company_id,
                actor=actor,
                action="coding.corrected" if corrected else "coding.confirmed",
                entity_type="document",
                entity_id=document.id,
                field=f"lines[{number}].{target}",
                old=before_value,
                new=value,
                detail=_why(before_state, row.probability, corrected),
            )
            result.changed.append((number, target))
            if corrected:
                result.corrected.append((number, target))
    session.flush()
    numbers = [line.line_number for line in lines]
    open_pairs = undecided(
        [TargetState(r.line_number, r.target, r.state) for r in rows.values()], numbers
    )
    result.complete = not open_pairs
    # The lines a person touched become history now; once the whole invoice is decided, the
    # lines the model coded alone do too (they were held back while the invoice was open).
    touched = {number for number, _ in result.changed}
    post_decided_lines(
        session, document, lines, list(rows.values()), None if result.complete else touched
    )
    cases = sync_exception_cases(
        session, document, unconfirmed_reason(open_pairs), owned_codes=_CODING_OWNS, actor=actor
    )
    if document.status in _SETTLED:
        wanted = DocumentStatus.NEEDS_REVIEW if cases else _cleared_status(session, document)
        if wanted != document.status:
            set_status(session, document, wanted, actor=actor)
    session.flush()
    return result


def _cleared_status(session: Session, document: Document) -> DocumentStatus:
    """Nothing open any more: the document shows the last stage it passed."""
    return DocumentStatus.MATCHED if was_matched(session, document) else DocumentStatus.CODED


def _why(state: str, probability: float | None, corrected: bool) -> str:
    shown = f" at probability {probability:.4f}" if probability is not None else ""
    if corrected:
        return f"A person chose another value than the {state} one{shown}."
    if state == CodingState.ABSTAINED:
        return "A person coded a value the model abstained on."
    return f"A person confirmed the {state} value{shown}."


@dataclass(frozen=True)
class LineView:
    line_number: int
    description: str
    amount: str
    rows: dict[str, LineCoding]


@dataclass(frozen=True)
class DocumentCoding:
    """What a clerk sees of a document's coding: per line and target, who decided what, how
    sure the model was, its alternatives and the past postings behind them."""

    lines: list[LineView]
    thresholds: dict[str, float | None]
    model: ModelVersion | None
    complete: bool
    open: list[tuple[int, str]]


def document_coding(
    session: Session, document: Document, invoice: Invoice | None
) -> DocumentCoding:
    model = active_version(session, document.company_id, CODING_KIND)
    if invoice is None:
        return DocumentCoding([], thresholds_of(model), model, False, [])
    lines = lines_to_code(session, document, invoice)
    rows = line_codings(session, invoice)
    by_line: dict[int, dict[str, LineCoding]] = {}
    for row in rows:
        by_line.setdefault(row.line_number, {})[row.target] = row
    views = [
        LineView(
            line.line_number,
            line.example.description,
            str(line.example.amount),
            by_line.get(line.line_number, {}),
        )
        for line in lines
    ]
    open_pairs = undecided(
        [TargetState(r.line_number, r.target, r.state) for r in rows],
        [line.line_number for line in lines],
    )
    return DocumentCoding(views, thresholds_of(model), model, not open_pairs, open_pairs)
