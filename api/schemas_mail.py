"""Wire schemas for inbound email: a received message, what became of its parts."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from api.schemas import DocumentSummary
from models.inbound_mail import SkippedPart
from models.mail_ingest import MailDocument, MailIngestResult
from models.tables import InboundMessage


class SkippedPartOut(BaseModel):
    filename: str | None
    reason: str = Field(
        description="Stable code: inline_image, empty_attachment, duplicate_attachment, "
        "file_type_mismatch, unsupported_media_type, or why the whole message could not be "
        "taken apart (unparseable_message, too_many_parts, message_too_large, message_too_deep)"
    )
    message: str

    @classmethod
    def of(cls, part: SkippedPart) -> "SkippedPartOut":
        return cls(filename=part.filename, reason=part.reason, message=part.message)


class InboundMessageOut(BaseModel):
    id: uuid.UUID
    sender: str | None = Field(description="The From address")
    recipients: list[str] = Field(description="To, Cc and Delivered-To addresses")
    subject: str | None
    message_id: str | None = Field(description="The Message-ID header")
    sent_at: datetime | None = Field(description="The Date header, in UTC")
    received_at: datetime
    size_bytes: int
    channel: str = Field(description="How the message reached Bilag: api or email (a Maildir)")
    outcome: str = Field(
        description="documents, no_attachments, no_readable_attachments, or a code saying why "
        "the message could not be taken apart"
    )
    links: dict[str, str]

    @classmethod
    def of(cls, message: InboundMessage) -> "InboundMessageOut":
        return cls(
            id=message.id,
            sender=message.sender,
            recipients=list(message.recipients),
            subject=message.subject,
            message_id=message.message_id,
            sent_at=message.sent_at,
            received_at=message.received_at,
            size_bytes=message.size_bytes,
            channel=message.channel,
            outcome=message.outcome,
            links={"self": f"/api/v1/inbound-email/{message.id}"},
        )


class MailDocumentOut(DocumentSummary):
    created: bool = Field(
        description="On POST: made by this request. On GET: brought in by this message (false: "
        "the file was already in Bilag, for example uploaded or mailed before)"
    )

    @classmethod
    def of_item(cls, item: MailDocument) -> "MailDocumentOut":
        return cls(**DocumentSummary.of(item.document).model_dump(), created=item.created)


class InboundMailOut(BaseModel):
    message: InboundMessageOut
    documents: list[MailDocumentOut]
    skipped: list[SkippedPartOut] = Field(description="Parts that did not become documents")

    @classmethod
    def of(cls, result: MailIngestResult) -> "InboundMailOut":
        return cls(
            message=InboundMessageOut.of(result.message),
            documents=[MailDocumentOut.of_item(item) for item in result.documents],
            skipped=[SkippedPartOut.of(part) for part in result.skipped],
        )
