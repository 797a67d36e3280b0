"""A document's matching verdict against purchase orders, and matching it again on demand."""

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import ReadKey, SessionDep, WriteKey, actor_of
from api.problems import Problem
from api.routes.documents import owned_document
from api.schemas_matching import DocumentMatchOut, RematchOut
from models.audit import record_audit
from models.status import IN_PROGRESS, DocumentStatus
from models.tables import InvoiceMatchRecord
from workers.match_stage import was_matched
from workers.matching_jobs import rematch_document

router = APIRouter(prefix="/documents", tags=["matching"])


@router.get(
    "/{document_id}/match",
    response_model=DocumentMatchOut,
    summary="The matching verdict: per line and per invoice, with every reason's numbers",
)
def get_document_match(
    document_id: uuid.UUID, key: ReadKey, session: SessionDep
) -> DocumentMatchOut:
    document = owned_document(session, key, document_id)
    record = session.get(InvoiceMatchRecord, document.id)
    if record is None:
        raise Problem(
            404,
            "not_matched",
            f"Document {document_id} has not been matched (yet): it is {document.status}.",
        )
    return DocumentMatchOut.of(record)


@router.post(
    "/{document_id}/match",
    response_model=RematchOut,
    status_code=202,
    summary="Match the document again, e.g. after the ERP corrected an order",
)
def rematch(document_id: uuid.UUID, key: WriteKey, session: SessionDep) -> JSONResponse:
    document = owned_document(session, key, document_id)
    if document.status == DocumentStatus.FAILED or document.status in IN_PROGRESS:
        raise Problem(
            409,
            "not_ready",
            f"Document {document_id} is {document.status}; reprocess a failed document, and "
            "wait for one in progress to finish.",
        )
    if not was_matched(session, document):
        raise Problem(409, "not_matched", f"Document {document_id} has no invoice to match.")
    if not rematch_document(document):
        raise Problem(503, "queue_unavailable", "The job queue cannot be reached; try again.")
    record_audit(
        session,
        company_id=document.company_id,
        actor=actor_of(key),
        action="match.requested",
        entity_type="document",
        entity_id=document.id,
    )
    session.commit()
    return JSONResponse({"queued": True}, status_code=202)
