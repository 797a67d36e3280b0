"""What a document contains after reading: page images, page words, embedded attachments.

Served from the blob store by content address, so an image or attachment is immutable and its
SHA-256 is a perfect ETag.
"""

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from sqlmodel import Session, col, select

from api.deps import ReadKey, SessionDep, SettingsDep, StoreDep
from api.problems import Problem
from api.routes.documents import owned_document
from models.errors import PermanentError
from models.settings import Settings
from models.storage import FileBlobStore, store_bytes
from models.tables import Document, DocumentAttachment, Page
from workers.readers import ReadOptions
from workers.readers.pdf import render_page_image

router = APIRouter(prefix="/documents", tags=["documents"])


def _page(session: Session, document: Document, number: int) -> Page:
    page = session.exec(
        select(Page).where(
            Page.document_id == document.id,
            Page.company_id == document.company_id,
            Page.number == number,
        )
    ).first()
    if page is None:
        raise Problem(404, "not_found", f"Document {document.id} has no page {number}.")
    return page


def _blob(store: FileBlobStore, sha256: str, media_type: str, filename: str) -> FileResponse:
    path = store.path_for(sha256)
    if not path.is_file():
        raise Problem(404, "not_found", "The file is missing from storage.")
    return FileResponse(
        path,
        media_type=media_type,
        filename=filename,
        content_disposition_type="inline",
        headers={"ETag": f'"{sha256}"', "Cache-Control": "private, max-age=86400, immutable"},
    )


@router.get(
    "/{document_id}/pages/{number}/image",
    summary="The page as an upright image, as the inbox viewer shows it",
    response_class=FileResponse,
)
def page_image(
    document_id: uuid.UUID,
    number: int,
    key: ReadKey,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
) -> FileResponse:
    """A scanned page's image is the cleaned page OCR read; a text page's is rendered from its
    PDF the first time anyone looks, then kept."""
    document = owned_document(session, key, document_id)
    page = _page(session, document, number)
    sha256 = page.image_sha256 or _render_text_page_image(session, store, settings, document, page)
    media_type = page.image_media_type or "application/octet-stream"
    extension = media_type.rsplit("/", 1)[-1]
    return _blob(store, sha256, media_type, f"page-{number}.{extension}")


def _render_text_page_image(
    session: Session, store: FileBlobStore, settings: Settings, document: Document, page: Page
) -> str:
    """Render, keep and return the image of a text page (its row is updated)."""
    pdf_sha256 = _pdf_behind_pages(session, document)
    if page.source != "text" or pdf_sha256 is None:
        raise Problem(404, "not_found", f"Page {page.number} has no image.")
    options = ReadOptions.from_settings(settings).ocr
    try:
        image, media_type = render_page_image(store.read(pdf_sha256), page.number, options)
    except PermanentError as error:
        message = f"Page {page.number} cannot be shown: {error.message}"
        raise Problem(404, "not_found", message) from error
    sha256 = store_bytes(store, image)
    page.image_sha256, page.image_media_type = sha256, media_type
    session.add(page)
    session.commit()
    return sha256


def _pdf_behind_pages(session: Session, document: Document) -> str | None:
    """The PDF a document's pages come from: the original, or an e-invoice's embedded PDF."""
    if document.media_type == "application/pdf":
        return document.sha256
    shown = session.exec(
        select(DocumentAttachment).where(
            DocumentAttachment.document_id == document.id,
            DocumentAttachment.company_id == document.company_id,
            col(DocumentAttachment.shown_as_pages).is_(True),
        )
    ).first()
    return shown.sha256 if shown else None


@router.get(
    "/{document_id}/pages/{number}/tokens",
    summary="The page's words: [text, x0, top, x1, bottom, confidence, source] in PDF points",
)
def page_tokens(
    document_id: uuid.UUID, number: int, key: ReadKey, session: SessionDep
) -> dict[str, Any]:
    return _page(session, owned_document(session, key, document_id), number).tokens


@router.get(
    "/{document_id}/attachments/{position}",
    summary="A file embedded in the e-invoice, e.g. the PDF rendering or a time sheet",
    response_class=FileResponse,
)
def attachment(
    document_id: uuid.UUID, position: int, key: ReadKey, session: SessionDep, store: StoreDep
) -> FileResponse:
    document = owned_document(session, key, document_id)
    row = session.exec(
        select(DocumentAttachment).where(
            DocumentAttachment.document_id == document.id,
            DocumentAttachment.company_id == key.company_id,
            DocumentAttachment.position == position,
        )
    ).first()
    if row is None or row.sha256 is None:
        raise Problem(404, "not_found", f"Document {document_id} has no attachment {position}.")
    return _blob(
        store,
        row.sha256,
        row.media_type or "application/octet-stream",
        row.filename or f"attachment-{position}",
    )
