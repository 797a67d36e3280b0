"""Taking in an email: keep the raw message, record it once, and make documents of its attachments.

The raw bytes go into the blob store before anything else, so a message that yields nothing
(only a text body, a Word file, garbage) is still kept and can be looked at. A message is
recorded once per company, keyed on the SHA-256 of its raw bytes: a mail gateway retrying a
delivery, or ``bilag ingest-mail`` run twice, gets the first result back and creates nothing.

Each attachment is judged like an upload (:func:`models.media.decide_media_type`) and taken in
through :func:`models.ingest.ingest_document`. The documents get ``Channel.EMAIL`` whatever
brought the message (the HTTP route or a Maildir), and point at the message through
``Document.inbound_message_id``. The message's own ``channel`` says how the message arrived:
``api`` when a mail gateway posted it, ``email`` when Bilag read it from a Maildir. An attachment
that is already a document (uploaded earlier, or in an earlier mail) stays that document and is
reported as existing; it keeps its own origin.

Nothing here starts the pipeline: the caller does, for the documents marked ``created``.
"""

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from models.audit import record_audit
from models.inbound_mail import (
    INLINE_IMAGE,
    InboundMail,
    MailLimits,
    MailParseError,
    SkippedPart,
    parse_mail,
)
from models.ingest import HEAD_BYTES, ingest_document, stage_bytes
from models.media import MediaTypeRejectedError, decide_media_type
from models.status import Channel, DocumentStatus
from models.storage import BlobMissingError, BlobStore, store_bytes
from models.tables import Document, InboundMessage

OUTCOME_DOCUMENTS = "documents"
OUTCOME_NO_ATTACHMENTS = "no_attachments"
OUTCOME_NO_READABLE_ATTACHMENTS = "no_readable_attachments"
# A message that cannot be taken apart records the parser's code as its outcome
# (unparseable_message, too_many_parts, message_too_large, message_too_deep).

DUPLICATE_ATTACHMENT = "duplicate_attachment"


@dataclass(frozen=True)
class MailDocument:
    document: Document
    created: bool
    """Made by this call (on ingest), or brought in by this message (on a later look-up)."""


@dataclass(frozen=True)
class MailIngestResult:
    message: InboundMessage
    documents: list[MailDocument]
    skipped: list[SkippedPart]
    explanation: str
    """One sentence on what came of the message, for a problem detail or a CLI line."""

    @property
    def has_documents(self) -> bool:
        return self.message.outcome == OUTCOME_DOCUMENTS

    @property
    def created_documents(self) -> list[Document]:
        return [item.document for item in self.documents if item.created]


def ingest_mail(
    session: Session,
    store: BlobStore,
    *,
    company_id: uuid.UUID,
    raw: bytes,
    channel: str,
    actor: str,
    readable: Callable[[str], bool],
    accepted: Sequence[str] = (),
    limits: MailLimits | None = None,
) -> MailIngestResult:
    """Keep, record and take apart one raw RFC 822 message for ``company_id``.

    ``readable`` says which media types have a reader and ``accepted`` lists them for messages;
    both come from the caller because readers belong to the workers.
    """
    digest = store_bytes(store, raw)
    parsed = _parse(raw, limits)
    mail = parsed if isinstance(parsed, InboundMail) else None

    known = _message_by_sha(session, company_id, digest)
    if known is not None:
        return _recorded(session, known, mail, created_ids=set(), accepted=accepted)

    if isinstance(parsed, MailParseError):
        documents: list[MailDocument] = []
        skipped = [SkippedPart(None, parsed.code, parsed.message)]
        outcome = parsed.code
    else:
        documents, skipped = _take_attachments(
            session,
            store,
            parsed,
            company_id=company_id,
            actor=actor,
            readable=readable,
            accepted=accepted,
        )
        outcome = _outcome(parsed, documents)
    message = InboundMessage(
        company_id=company_id,
        sha256=digest,
        size_bytes=len(raw),
        message_id=mail.message_id if mail else None,
        sender=mail.sender if mail else None,
        recipients=mail.recipients if mail else [],
        subject=mail.subject if mail else None,
        sent_at=mail.sent_at if mail else None,
        channel=channel,
        outcome=outcome,
        skipped=[part.as_json() for part in skipped],
    )
    session.add(message)
    try:
        session.flush()
    except IntegrityError:
        # The same message is being taken in concurrently and the other one was recorded first.
        session.rollback()
        winner = _message_by_sha(session, company_id, digest)
        if winner is None:
            raise
        # Documents this call made are still ours to start, even though the other call
        # recorded the message (and adopts them, see _orphaned).
        made_here = {item.document.id for item in documents if item.created}
        return _recorded(session, winner, mail, created_ids=made_here, accepted=accepted)
    for index, item in enumerate(documents):
        if item.created or _orphaned(item.document):
            item.document.inbound_message_id = message.id
            session.add(item.document)
            if not item.created and item.document.status == DocumentStatus.RECEIVED:
                documents[index] = MailDocument(item.document, created=True)
    record_audit(
        session,
        company_id=company_id,
        actor=actor,
        action="inbound_message.received",
        entity_type="inbound_message",
        entity_id=message.id,
        field="outcome",
        new={
            "outcome": outcome,
            "documents": [str(item.document.id) for item in documents],
            "created": [str(item.document.id) for item in documents if item.created],
            "skipped": [part.reason for part in skipped],
        },
        detail=f"from {message.sender or 'unknown sender'}, {len(raw)} bytes, via {channel}",
    )
    session.commit()
    return MailIngestResult(
        message, documents, skipped, explain(outcome, skipped, mail, documents, accepted)
    )


def mail_record(
    session: Session,
    store: BlobStore,
    company_id: uuid.UUID,
    message_id: uuid.UUID,
    limits: MailLimits | None = None,
) -> MailIngestResult | None:
    """A recorded message with its documents, or None if ``company_id`` has no such message.

    Documents that were already in Bilag are found again from the kept raw message, so the
    answer is the same as when the message arrived.
    """
    message = session.exec(
        select(InboundMessage).where(
            InboundMessage.id == message_id, InboundMessage.company_id == company_id
        )
    ).first()
    if message is None:
        return None
    try:
        mail: InboundMail | None = parse_mail(store.read(message.sha256), limits)
    except (BlobMissingError, MailParseError):
        mail = None  # its own documents are still found through inbound_message_id
    return _recorded(session, message, mail, created_ids=None, accepted=())


def explain(
    outcome: str,
    skipped: Sequence[SkippedPart],
    mail: InboundMail | None,
    documents: Sequence[MailDocument],
    accepted: Sequence[str] = (),
) -> str:
    """Why the message gave what it gave, in words a mail sender or an operator can act on."""
    if outcome == OUTCOME_DOCUMENTS:
        created = sum(1 for item in documents if item.created)
        text = f"{len(documents)} document(s): {created} new, {len(documents) - created} existing"
        return text + (f"; {len(skipped)} part(s) skipped." if skipped else ".")
    if outcome == OUTCOME_NO_ATTACHMENTS:
        has_body = mail is not None and mail.has_text_body
        text = "The message has only a text body" if has_body else "The message has no text"
        inline = sum(1 for part in skipped if part.reason == INLINE_IMAGE)
        if inline:
            text += f" and {inline} image(s) shown inside it (logo or signature)"
        text += "; it has no attached file."
        if accepted:
            text += f" Attach the invoice as a file ({', '.join(accepted)})."
        return text
    if outcome == OUTCOME_NO_READABLE_ATTACHMENTS:
        reasons = " ".join(
            f"{part.filename or 'An unnamed part'} ({part.reason}): {part.message}"
            for part in skipped
            if part.reason != INLINE_IMAGE
        )
        return f"No attachment of the message is a file Bilag can read. {reasons}"
    return skipped[0].message if skipped else f"Nothing came of the message ({outcome})."


def _take_attachments(
    session: Session,
    store: BlobStore,
    mail: InboundMail,
    *,
    company_id: uuid.UUID,
    actor: str,
    readable: Callable[[str], bool],
    accepted: Sequence[str],
) -> tuple[list[MailDocument], list[SkippedPart]]:
    documents: list[MailDocument] = []
    skipped = list(mail.skipped)
    seen: dict[str, str | None] = {}
    for attachment in mail.attachments:
        digest = hashlib.sha256(attachment.data).hexdigest()
        if digest in seen:
            earlier = seen[digest] or "another attachment"
            skipped.append(
                SkippedPart(
                    attachment.filename,
                    DUPLICATE_ATTACHMENT,
                    f"The same file as {earlier}, attached twice to this message.",
                )
            )
            continue
        seen[digest] = attachment.filename
        try:
            media_type = decide_media_type(
                attachment.data[:HEAD_BYTES],
                attachment.filename,
                attachment.declared_type,
                readable,
                accepted,
            )
        except MediaTypeRejectedError as rejected:
            skipped.append(SkippedPart(attachment.filename, rejected.code, rejected.message))
            continue
        staged = stage_bytes(store, attachment.data, attachment.filename, attachment.declared_type)
        try:
            result = ingest_document(
                session,
                store,
                company_id=company_id,
                staged=staged,
                media_type=media_type,
                channel=Channel.EMAIL,
                actor=actor,
            )
        finally:
            staged.path.unlink(missing_ok=True)
        documents.append(MailDocument(result.document, result.created))
    return documents, skipped


def _parse(raw: bytes, limits: MailLimits | None) -> InboundMail | MailParseError:
    try:
        return parse_mail(raw, limits)
    except MailParseError as error:
        return error


def _outcome(mail: InboundMail | None, documents: Sequence[MailDocument]) -> str:
    if documents:
        return OUTCOME_DOCUMENTS
    if mail is not None and (
        mail.attachments or any(part.reason != INLINE_IMAGE for part in mail.skipped)
    ):
        return OUTCOME_NO_READABLE_ATTACHMENTS
    return OUTCOME_NO_ATTACHMENTS


def _orphaned(document: Document) -> bool:
    """An email document without its message.

    A take-in that stopped between committing a document and recording the message (a crash,
    or losing a race to the same message posted twice) leaves one. The next take-in of the
    message adopts it, so the link is not lost; if it never left ``received`` it is reported as
    created, so that caller starts its pipeline (job ids are unique, so that is safe).
    """
    return document.channel == Channel.EMAIL and document.inbound_message_id is None


def _message_by_sha(session: Session, company_id: uuid.UUID, sha256: str) -> InboundMessage | None:
    return session.exec(
        select(InboundMessage).where(
            InboundMessage.company_id == company_id, InboundMessage.sha256 == sha256
        )
    ).first()


def _recorded(
    session: Session,
    message: InboundMessage,
    mail: InboundMail | None,
    *,
    created_ids: set[uuid.UUID] | None,
    accepted: Sequence[str],
) -> MailIngestResult:
    """The result of a message recorded earlier.

    ``created_ids`` are the documents this call made (none on a plain repeat); None means a
    look-up, where ``created`` says whether the message brought the document in.
    """
    attachments = mail.attachments if mail else []
    shas = list(dict.fromkeys(hashlib.sha256(item.data).hexdigest() for item in attachments))
    found = session.exec(
        select(Document)
        .where(
            Document.company_id == message.company_id,
            or_(col(Document.sha256).in_(shas), Document.inbound_message_id == message.id),
        )
        .order_by(col(Document.received_at), col(Document.id))
    ).all()
    # In the message's order, then those linked to it that the parse did not give (no blob).
    by_sha = {document.sha256: document for document in found}
    ordered = [by_sha.pop(digest) for digest in shas if digest in by_sha]
    ordered += by_sha.values()
    documents = [
        MailDocument(
            document,
            document.inbound_message_id == message.id
            if created_ids is None
            else document.id in created_ids,
        )
        for document in ordered
    ]
    skipped = [SkippedPart.from_json(entry) for entry in message.skipped]
    return MailIngestResult(
        message, documents, skipped, explain(message.outcome, skipped, mail, documents, accepted)
    )
