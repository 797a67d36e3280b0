"""Inbound email: a mail gateway posts each raw message, and its attachments become documents."""

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import ReadKey, SessionDep, SettingsDep, StoreDep, WriteKey
from api.problems import Problem
from api.schemas_mail import InboundMailOut
from api.upload import stage_upload
from models.inbound_mail import MailLimits
from models.mail_ingest import (
    OUTCOME_NO_ATTACHMENTS,
    OUTCOME_NO_READABLE_ATTACHMENTS,
    MailIngestResult,
    ingest_mail,
    mail_record,
)
from models.status import Channel
from models.storage import BlobStore
from models.tables import ApiKey
from workers.jobs import start_pipeline
from workers.readers import reader_for, supported_media_types

router = APIRouter(prefix="/inbound-email", tags=["inbound email"])

NO_INVOICE_ATTACHMENT = "no_invoice_attachment"
_RAW_MESSAGE_TYPES = ("message/rfc822", "application/octet-stream", "text/plain")


def readable(media_type: str) -> bool:
    """Whether a reader takes ``media_type``: the workers' readers decide, not a list here."""
    return reader_for(media_type) is not None


def ingest_mail_and_start(
    session: Session,
    store: BlobStore,
    *,
    company_id: uuid.UUID,
    raw: bytes,
    channel: str,
    actor: str,
    limits: MailLimits | None = None,
) -> MailIngestResult:
    """Take one message in and queue its new documents; shared with ``bilag ingest-mail``."""
    result = ingest_mail(
        session,
        store,
        company_id=company_id,
        raw=raw,
        channel=channel,
        actor=actor,
        readable=readable,
        accepted=supported_media_types(),
        limits=limits,
    )
    for document in result.created_documents:
        start_pipeline(document)
    return result


def _actor(key: ApiKey) -> str:
    return f"api_key:{key.prefix}"


def _check_content_type(request: Request) -> None:
    declared = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if declared and declared not in _RAW_MESSAGE_TYPES:
        raise Problem(
            415,
            "unsupported_media_type",
            f"Send the whole raw email (RFC 822, headers included) as the request body with "
            f"Content-Type: message/rfc822, not {declared}.",
            accepted_types=list(_RAW_MESSAGE_TYPES),
        )


@router.post(
    "",
    status_code=201,
    response_model=InboundMailOut,
    summary="Receive an email; its attachments become documents",
    description=(
        "The body is one raw RFC 822 message, headers included (`Content-Type: message/rfc822`; "
        "`application/octet-stream` and `text/plain` are accepted too), under the upload size "
        "limit. The message is kept whatever it contains. Each attachment, also inside a "
        "forwarded message, is judged like an upload; readable ones become documents with "
        "channel `email`. `201` when documents were created, `200` when nothing new came of it "
        "(the same message again, or only files Bilag already has). A message without a "
        "readable attachment is a `422` `no_invoice_attachment` that says what was found and "
        "carries `inbound_message_id`."
    ),
    responses={
        200: {"description": "Nothing new: the same message again, or only known files"},
        413: {"description": "Over the upload size limit"},
        415: {"description": "The body is not sent as a raw email"},
        422: {"description": "No attachment Bilag can read, or a message it cannot take apart"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def receive_email(
    request: Request,
    key: WriteKey,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
) -> JSONResponse:
    _check_content_type(request)
    staged = await stage_upload(request, store.staging_dir(), settings.max_upload_bytes)
    try:
        raw = await run_in_threadpool(staged.path.read_bytes)
    finally:
        staged.path.unlink(missing_ok=True)
    result = await run_in_threadpool(
        ingest_mail_and_start,
        session,
        store,
        company_id=key.company_id,
        raw=raw,
        channel=Channel.API,
        actor=_actor(key),
        limits=MailLimits(max_decoded_bytes=settings.max_upload_bytes),
    )
    body = InboundMailOut.of(result)
    location = body.message.links["self"]
    if not result.has_documents:
        outcome = result.message.outcome
        no_invoice = outcome in (OUTCOME_NO_ATTACHMENTS, OUTCOME_NO_READABLE_ATTACHMENTS)
        raise Problem(
            422,
            NO_INVOICE_ATTACHMENT if no_invoice else outcome,
            result.explanation,
            headers={"Location": location},
            inbound_message_id=str(result.message.id),
            outcome=outcome,
            skipped=[part.model_dump(mode="json") for part in body.skipped],
            links=body.message.links,
        )
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=201 if result.created_documents else 200,
        headers={"Location": location},
    )


@router.get(
    "/{message_id}",
    response_model=InboundMailOut,
    summary="A received email with its documents and skipped parts",
)
def get_inbound_email(
    message_id: uuid.UUID, key: ReadKey, session: SessionDep, store: StoreDep
) -> InboundMailOut:
    result = mail_record(session, store, key.company_id, message_id)
    if result is None:
        raise Problem(404, "not_found", f"No inbound email {message_id} in your company.")
    return InboundMailOut.of(result)
