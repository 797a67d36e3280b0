"""Documents: upload, look up, list, download the original, reprocess."""

import logging
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import ReadKey, SessionDep, SettingsDep, StoreDep, WriteKey, actor_of
from api.problems import Problem
from api.schemas import DocumentList, DocumentOut, DocumentSummary
from api.upload import stage_upload
from models.documents import (
    InvalidCursorError,
    get_document,
    list_documents,
    load_document_detail,
    restart,
)
from models.ingest import IdempotencyConflictError, IngestResult, StagedFile, ingest_document
from models.media import UNSUPPORTED_MEDIA_TYPE, MediaTypeRejectedError, decide_media_type
from models.status import Channel, DocumentStatus
from models.storage import BlobStore
from models.tables import ApiKey, Document
from workers.corrections import CorrectionError, correct_fields
from workers.jobs import start_pipeline
from workers.match_stage import was_matched
from workers.matching_jobs import rematch_document
from workers.readers import can_read, supported_media_types
from workers.scorer_training import enqueue_scorer_training

log = logging.getLogger(__name__)
router = APIRouter(prefix="/documents", tags=["documents"])


def _check_media_type(staged: StagedFile) -> str:
    """The sniffed type if Bilag can read it; otherwise a 415 that says what the bytes are."""
    try:
        return decide_media_type(
            staged.head,
            staged.filename,
            staged.declared_type,
            can_read,
            supported_media_types(),
        )
    except MediaTypeRejectedError as rejected:
        extra: dict[str, Any] = {"detected_type": rejected.detected_type}
        if rejected.code == UNSUPPORTED_MEDIA_TYPE:
            extra["accepted_types"] = rejected.accepted_types
        else:
            extra["claimed_type"] = rejected.claimed_type
        raise Problem(415, rejected.code, rejected.message, **extra) from rejected


def _ingest_and_start(session: Session, store: BlobStore, **ingest: Any) -> IngestResult:
    """The blocking part of an upload in one thread-pool hand-off: store, record, queue."""
    result = ingest_document(session, store, **ingest)
    if result.created:
        start_pipeline(result.document)
    return result


@router.post(
    "",
    status_code=201,
    response_model=DocumentSummary,
    summary="Upload a document",
    description=(
        "Send the file as multipart/form-data (one file field) or as the raw request body with "
        "its Content-Type (and optionally `Content-Disposition: attachment; filename=...`). The "
        "original is stored durably before the answer. Sending the same bytes again returns the "
        "existing document with 200. An `Idempotency-Key` reused for different bytes is a 409."
    ),
    responses={
        200: {"description": "These bytes were already received; the existing document"},
        400: {"description": "Empty body or malformed multipart"},
        409: {"description": "Idempotency-Key reused for different content"},
        413: {"description": "Over the upload size limit"},
        415: {"description": "A file type Bilag cannot read, or not what it claims to be"},
    },
)
async def upload_document(
    request: Request,
    key: WriteKey,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    staged = await stage_upload(request, store.staging_dir(), settings.max_upload_bytes)
    try:
        media_type = _check_media_type(staged)
        result = await run_in_threadpool(
            _ingest_and_start,
            session,
            store,
            staged=staged,
            company_id=key.company_id,
            media_type=media_type,
            channel=Channel.API,
            actor=actor_of(key),
            idempotency_key=idempotency_key,
        )
    except IdempotencyConflictError as conflict:
        raise Problem(
            409,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different file; use a new key.",
            existing_document=str(conflict.existing.id),
        ) from conflict
    finally:
        staged.path.unlink(missing_ok=True)
    summary = DocumentSummary.of(result.document)
    return JSONResponse(
        summary.model_dump(mode="json"),
        status_code=201 if result.created else 200,
        headers={"Location": summary.links["self"]},
    )


def owned_document(session: Session, key: ApiKey, document_id: uuid.UUID) -> Document:
    """The caller's company's document, else a 404: another company's document does not exist."""
    document = get_document(session, key.company_id, document_id)
    if document is None:
        raise Problem(404, "not_found", f"No document {document_id} in your company.")
    return document


@router.get("", response_model=DocumentList, summary="List documents, oldest first")
def list_company_documents(
    key: ReadKey,
    session: SessionDep,
    status: Annotated[DocumentStatus | None, Query(description="Only this status")] = None,
    since: Annotated[datetime | None, Query(description="Received at or after (ISO 8601)")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DocumentList:
    if since is not None and since.tzinfo is None:
        raise Problem(
            422,
            "validation_error",
            "'since' needs a time zone, e.g. 2026-11-21T12:00:00Z.",
        )
    try:
        page = list_documents(
            session, key.company_id, status=status, since=since, cursor=cursor, limit=limit
        )
    except InvalidCursorError as exc:
        raise Problem(400, "invalid_cursor", str(exc)) from exc
    return DocumentList(
        items=[DocumentSummary.of(d) for d in page.items], next_cursor=page.next_cursor
    )


@router.get("/{document_id}", response_model=DocumentOut, summary="A document with its fields")
def get_company_document(document_id: uuid.UUID, key: ReadKey, session: SessionDep) -> DocumentOut:
    document = owned_document(session, key, document_id)
    return DocumentOut.of_detail(load_document_detail(session, document))


@router.get(
    "/{document_id}/original",
    summary="Download the original bytes exactly as received",
    response_class=FileResponse,
)
def download_original(
    document_id: uuid.UUID, key: ReadKey, session: SessionDep, store: StoreDep
) -> FileResponse:
    document = owned_document(session, key, document_id)
    path = store.path_for(document.sha256)
    if not path.is_file():
        log.error("blob %s of document %s is missing", document.sha256, document.id)
        raise Problem(404, "not_found", "The original file is missing from storage.")
    return FileResponse(
        path,
        media_type=document.media_type,
        filename=document.filename or f"{document.id}",
        headers={"ETag": f'"{document.sha256}"'},
    )


@router.post(
    "/{document_id}/reprocess",
    status_code=202,
    response_model=DocumentSummary,
    summary="Run the whole pipeline again for this document",
)
def reprocess_document(
    document_id: uuid.UUID, key: WriteKey, session: SessionDep
) -> DocumentSummary:
    document = owned_document(session, key, document_id)
    restart(session, document, actor=actor_of(key), why="reprocess requested over the API")
    session.commit()
    start_pipeline(document)
    return DocumentSummary.of(document)


class FieldCorrections(BaseModel):
    """Canonical values a person sets; ``null`` clears a field the document does not have."""

    fields: dict[str, Any] = Field(
        description="Field name to value: dates ISO, amounts as decimal strings, "
        "vat_breakdown and lines as lists of objects",
        examples=[{"invoice_number": "10042", "due_date": "2026-11-17", "kid": "1234567890"}],
    )


@router.patch(
    "/{document_id}/fields",
    response_model=DocumentOut,
    summary="Correct extracted fields; Bilag learns the supplier's layout from it",
)
def correct_document_fields(
    document_id: uuid.UUID, body: FieldCorrections, key: WriteKey, session: SessionDep
) -> DocumentOut:
    document = owned_document(session, key, document_id)
    if document.status in (DocumentStatus.RECEIVED, DocumentStatus.READING):
        raise Problem(
            409, "not_ready", "The document has not been read yet; correct it once it has pages."
        )
    if not body.fields:
        raise Problem(422, "no_fields", "Give at least one field to correct.")
    try:
        result = correct_fields(session, document, body.fields, actor=actor_of(key))
    except CorrectionError as error:
        raise Problem(
            422, "invalid_field", f"{error.field}: {error.message}", field=error.field
        ) from None
    session.commit()
    if result.changed:
        enqueue_scorer_training(session, document.company_id)
        if was_matched(session, document):
            rematch_document(document)
    return DocumentOut.of_detail(load_document_detail(session, document))
