"""Matching an invoice again when what it waited for arrives.

An invoice held because goods were not received yet, or because it names an order the ERP has
not sent, is matched again as soon as the ERP sends a receipt or an order of that supplier;
invoices held for any matching reason are matched again when the tolerances that held them
change (the company's policy, or a supplier's overrides); a clerk's correction of an invoice
that was already matched re-runs the match as well. The job is
the pipeline's own match stage (``run_stage``), queued under a fresh job id so it runs even when
the stage already ran for this run of the document.
"""

import logging
import uuid
from typing import Any

from redis.exceptions import RedisError
from sqlmodel import Session, col, select

from models.matching.records import MatchOutcome
from models.status import IN_PROGRESS, DocumentStatus
from models.tables import Document, InvoiceMatchRecord
from workers.jobs import enqueue_stage_again
from workers.pipeline import stage_named

log = logging.getLogger(__name__)
MATCH_STAGE = "match"


def rematch_waiting_invoices(
    session: Session, company_id: uuid.UUID, supplier_ids: set[uuid.UUID]
) -> int:
    """Queue the match of every invoice of these suppliers that waits for ERP data; returns
    how many were queued. Call it after the ERP's data is committed."""
    if not supplier_ids:
        return 0
    return _rematch_where(
        session,
        company_id,
        col(InvoiceMatchRecord.awaiting_erp_data).is_(True),
        col(InvoiceMatchRecord.supplier_id).in_(supplier_ids),
    )


def rematch_held_invoices(
    session: Session, company_id: uuid.UUID, supplier_ids: set[uuid.UUID] | None
) -> int:
    """Queue the match of every invoice held by matching (of these suppliers, or all of the
    company's when None), after its tolerances changed; duplicates stay as they are."""
    if supplier_ids is not None and not supplier_ids:
        return 0
    of_suppliers = (
        [col(InvoiceMatchRecord.supplier_id).in_(supplier_ids)] if supplier_ids is not None else []
    )
    return _rematch_where(
        session,
        company_id,
        InvoiceMatchRecord.outcome == MatchOutcome.EXCEPTION.value,
        col(InvoiceMatchRecord.duplicate_of).is_(None),
        *of_suppliers,
    )


def _rematch_where(session: Session, company_id: uuid.UUID, *conditions: Any) -> int:
    documents = session.exec(
        select(Document)
        .join(InvoiceMatchRecord, col(InvoiceMatchRecord.document_id) == Document.id)
        .where(InvoiceMatchRecord.company_id == company_id, *conditions)
    )
    return sum(rematch_document(document) for document in documents)


def rematch_document(document: Document) -> bool:
    """Queue the match stage of ``document`` again, unless it is failed or mid-pipeline (its
    run reaches the match stage anyway). False when nothing was queued."""
    if document.status == DocumentStatus.FAILED or document.status in IN_PROGRESS:
        return False
    try:
        enqueue_stage_again(document.id, document.run, stage_named(MATCH_STAGE))
    except RedisError:
        log.exception("could not queue matching of document %s again", document.id)
        return False
    return True
