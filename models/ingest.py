"""Taking in a document: store the original durably, then record it, exactly once per content.

The blob is written and fsynced before the database row commits, and the row commits before the
API answers, so an accepted document can always be found and re-run. Deduplication is per
company on the SHA-256 of the bytes; an ``Idempotency-Key`` additionally guards retries of one
request that must not silently turn into a different document.
"""

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.audit import record_audit
from models.status import DocumentStatus
from models.storage import BlobStore, write_to_staging
from models.tables import Document

HEAD_BYTES = 8192
"""How much of the start of a file is kept for sniffing its type."""


@dataclass(frozen=True)
class StagedFile:
    """An upload fully written to the store's staging folder, hashed on the way in."""

    path: Path
    sha256: str
    size: int
    head: bytes
    filename: str | None
    declared_type: str | None


@dataclass(frozen=True)
class IngestResult:
    document: Document
    created: bool


class IdempotencyConflictError(Exception):
    """The Idempotency-Key was used before for different bytes."""

    def __init__(self, existing: Document) -> None:
        super().__init__("idempotency key reused for different content")
        self.existing = existing


def _existing(
    session: Session, company_id: uuid.UUID, sha256: str, idempotency_key: str | None
) -> Document | None:
    if idempotency_key:
        by_key = session.exec(
            select(Document).where(
                Document.company_id == company_id, Document.idempotency_key == idempotency_key
            )
        ).first()
        if by_key is not None:
            if by_key.sha256 != sha256:
                raise IdempotencyConflictError(by_key)
            return by_key
    return session.exec(
        select(Document).where(Document.company_id == company_id, Document.sha256 == sha256)
    ).first()


def ingest_document(
    session: Session,
    store: BlobStore,
    *,
    company_id: uuid.UUID,
    staged: StagedFile,
    media_type: str,
    channel: str,
    actor: str,
    idempotency_key: str | None = None,
) -> IngestResult:
    """Store and record ``staged``; return the existing document when these bytes were seen."""
    existing = _existing(session, company_id, staged.sha256, idempotency_key)
    if existing is not None:
        staged.path.unlink(missing_ok=True)
        return IngestResult(existing, created=False)

    store.put_file(staged.path, staged.sha256)
    document = Document(
        company_id=company_id,
        filename=staged.filename,
        media_type=media_type,
        sha256=staged.sha256,
        size_bytes=staged.size,
        channel=channel,
        idempotency_key=idempotency_key,
        status=DocumentStatus.RECEIVED,
    )
    session.add(document)
    record_audit(
        session,
        company_id=company_id,
        actor=actor,
        action="document.received",
        entity_type="document",
        entity_id=document.id,
        field="status",
        new=DocumentStatus.RECEIVED.value,
        detail=f"{media_type}, {staged.size} bytes, via {channel}",
    )
    try:
        session.commit()
    except IntegrityError:
        # A concurrent request stored the same bytes (or key) first: answer with that one.
        session.rollback()
        winner = _existing(session, company_id, staged.sha256, idempotency_key)
        if winner is None:
            raise
        return IngestResult(winner, created=False)
    return IngestResult(document, created=True)


def stage_bytes(
    store: BlobStore, data: bytes, filename: str | None, declared_type: str | None = None
) -> StagedFile:
    """Stage bytes already in memory (mail attachments, demo data) the way an upload is staged."""
    return StagedFile(
        write_to_staging(store, data),
        hashlib.sha256(data).hexdigest(),
        len(data),
        data[:HEAD_BYTES],
        filename,
        declared_type,
    )
