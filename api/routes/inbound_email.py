"""Inbound email: a mail gateway posts each raw message, and its attachments become documents."""

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import ReadKey, SessionDep, SettingsDep, StoreDep, WriteKey, actor_of
from api.problems import Problem
from api.schemas_mail import InboundMailOut
from api.upload import stage_upload
from models.inbound_mail import MailLimits
from models.ingest import StagedFile
from models.mail_ingest import (
    OUTCOME_NO_ATTACHMENTS,
    OUTCOME_NO_READABLE_ATTACHMENTS,
    MailIngestResult,
    ingest_mail,
    mail_record,
)
from models.settings import Settings
from models.status import Channel
from models.storage import BlobStore
from workers.jobs import start_pipeline
from workers.readers import can_read, supported_media_types

router = APIRouter(prefix="/inbound-email", tags=["inbound email"])

NO_INVOICE_ATTACHMENT = "no_invoice_attachment"
_RAW_MESSAGE_TYPES = ("message/rfc822", "application/octet-stream", "text/plain")


def mail_limits(settings: Settings) -> MailLimits:
    """The same limits on every reading of a message, so a GET rebuilds what the POST saw."""
    return MailLimits(max_decoded_bytes=settings.max_upload_bytes)


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
        readable=can_read,
        accepted=supported_media_types(),
        limits=limits,
    )
    for document in result.created_documents:
        start_pipeline(document)
    return result


def _read_and_keep(store: BlobStore, staged: StagedFile) -> bytes:
    """The body's bytes, its staged file moved into the store as the raw message's blob.

    The body was written and hashed once as it streamed in; moving that file in is a rename, so
    ``ingest_mail`` finds the blob already kept and does not write the bytes a second time.
    """
    try:
        raw = staged.path.read_bytes()
        store.put_file(staged.path, staged.sha256)
    finally:
        staged.path.unlink(missing_ok=True)
    return raw


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
    raw = await run_in_threadpool(_read_and_keep, store, staged)
    result = await run_in_threadpool(
        ingest_mail_and_start,
        session,
        store,
        company_id=key.company_id,
        raw=raw,
        channel=Channel.API,
        actor=actor_of(key),
        limits=mail_limits(settings),
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
    message_id: uuid.UUID, key: ReadKey, session: SessionDep, store: StoreDep, settings: SettingsDep
) -> InboundMailOut:
    result = mail_record(session, store, key.company_id, message_id, mail_limits(settings))
    if result is None:
        raise Problem(404, "not_found", f"No inbound email {message_id} in your company.")
    return InboundMailOut.of(result)
