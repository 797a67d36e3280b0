"""The pipeline's "code" stage: propose each invoice line's account, VAT code, department and
project, and apply, with no human, only what the company's own history shows to be safe.

A value is applied unseen only when its probability reaches the threshold at which the model's
held-out postings were right at the target precision (98 %); everything else is shown to a
clerk with its alternatives and the past postings behind it, and the document waits in the
exception queue (``coding_unconfirmed``). A person's confirmation is never overwritten. The
stage owns only its own case: the extract stage's reasons stay open, and a document extract
held stays held.
"""

from ml.coding.coding_model import TargetSuggestion
from models.audit import record_audit
from models.coding import (
    CODING_CASE,
    MODEL_ACTOR,
    CodingState,
    TargetState,
    unconfirmed_reason,
    undecided,
)
from models.column_types import utc_now
from models.exception_cases import open_cases, sync_exception_cases
from models.status import DocumentStatus
from models.tables import LineCoding
from workers.coding_service import (
    LineToCode,
    coding_model_for,
    invoice_of,
    line_codings,
    lines_to_code,
    post_decided_lines,
)
from workers.coding_training import CODING_KIND, enqueue_coding_training_if_due
from workers.company_extraction import active_version
from workers.stages import StageContext

ACTOR = "worker"
_CODING_OWNS = frozenset({CODING_CASE})


def coding_applies(ctx: StageContext) -> bool:
    """Only a company with a coding model has anything to code with; without one (no history
    yet) the stage is skipped and the document stays as extraction left it."""
    return active_version(ctx.session, ctx.document.company_id, CODING_KIND) is not None


def code_document(ctx: StageContext) -> DocumentStatus | None:
    """Suggest, auto-accept what is safe, record why; ``needs_review`` while anything is open.

    Returns None (the stage's ``coded``) when every line's every target is decided and the
    document has no open case of any stage.
    """
    session, document = ctx.session, ctx.document
    invoice = invoice_of(session, document)
    found = coding_model_for(session, document.company_id) if invoice is not None else None
    if invoice is None or found is None:
        held = open_cases(session, document)
        return DocumentStatus.NEEDS_REVIEW if held else DocumentStatus.EXTRACTED
    model, version = found
    lines = lines_to_code(session, document, invoice)
    rows = {(row.line_number, row.target): row for row in line_codings(session, invoice)}
    refreshed: set[tuple[int, str]] = set()
    for line in lines:
        for target, suggestion in model.suggest(line.example).items():
            key = (line.line_number, target)
            refreshed.add(key)
            row = rows.get(key)
            if row is not None and row.state == CodingState.CONFIRMED:
                continue
            if row is None:
                row = rows[key] = LineCoding(
                    company_id=document.company_id,
                    invoice_id=invoice.id,
                    line_number=line.line_number,
                    target=target,
                    state=CodingState.ABSTAINED,
                )
            _apply_suggestion(ctx, row, suggestion, version.version)
    for key, row in list(rows.items()):
        if key not in refreshed and row.state != CodingState.CONFIRMED:
            session.delete(row)
            del rows[key]
    numbers = [line.line_number for line in lines]
    open_pairs = undecided(
        [TargetState(r.line_number, r.target, r.state) for r in rows.values()], numbers
    )
    if not open_pairs:
        _post_lines(ctx, lines, list(rows.values()))
    cases = sync_exception_cases(
        session, document, unconfirmed_reason(open_pairs), owned_codes=_CODING_OWNS, actor=ACTOR
    )
    return DocumentStatus.NEEDS_REVIEW if cases else None


def _apply_suggestion(
    ctx: StageContext, row: LineCoding, suggestion: TargetSuggestion, version: int
) -> None:
    """The model's latest word on a value no person has decided."""
    before = (row.state, row.value)
    row.value = str(suggestion.value) if suggestion.value is not None else None
    row.probability = float(suggestion.probability)
    row.suggestions = [
        {"value": str(value), "probability": float(probability)}
        for value, probability in suggestion.alternatives
    ]
    row.explanation = [dict(past) for past in suggestion.explanation]
    row.model_version = version
    if suggestion.auto_accept and suggestion.threshold is not None:
        row.state = CodingState.AUTO_ACCEPTED
        row.decided_by = MODEL_ACTOR
        row.decided_at = utc_now()
        if before != (CodingState.AUTO_ACCEPTED, row.value):
            _audit_auto_accept(ctx, row, suggestion.threshold, version, before[1])
    else:
        row.state = CodingState.SUGGESTED if row.value is not None else CodingState.ABSTAINED
        row.decided_by = None
        row.decided_at = None
    ctx.session.add(row)


def _audit_auto_accept(
    ctx: StageContext,
    row: LineCoding,
    threshold: float,
    version: int,
    previous: str | None,
) -> None:
    record_audit(
        ctx.session,
        company_id=ctx.document.company_id,
        actor=MODEL_ACTOR,
        action="coding.auto_accepted",
        entity_type="document",
        entity_id=ctx.document.id,
        field=f"lines[{row.line_number}].{row.target}",
        old=previous,
        new=row.value,
        detail=(
            f"Applied with no human review: probability {row.probability:.4f} is at or above "
            f"the auto-accept threshold {threshold:.4f} of coding model v{version}."
        ),
    )


def _post_lines(ctx: StageContext, lines: list[LineToCode], rows: list[LineCoding]) -> None:
    """Every line decided: the invoice's coding becomes history the model learns from."""
    if post_decided_lines(ctx.session, ctx.document, lines, rows):
        ctx.session.flush()
        enqueue_coding_training_if_due(ctx.session, ctx.document.company_id)
