"""A document's coding: the model's proposals per line, and a person's confirmations."""

import uuid

from fastapi import APIRouter

from api.deps import ReadKey, SessionDep, WriteKey, actor_of
from api.problems import Problem
from api.routes.documents import owned_document
from api.schemas_coding import DocumentCodingIn, DocumentCodingOut
from models.status import IN_PROGRESS
from workers.coding_confirmations import CodingInputError, confirm_coding, document_coding
from workers.coding_service import invoice_of
from workers.coding_training import enqueue_coding_training_if_due

router = APIRouter(prefix="/documents", tags=["coding"])


@router.get(
    "/{document_id}/coding",
    response_model=DocumentCodingOut,
    summary="The coding of each line: value, who decided it, probability, alternatives, why",
)
def get_document_coding(
    document_id: uuid.UUID, key: ReadKey, session: SessionDep
) -> DocumentCodingOut:
    document = owned_document(session, key, document_id)
    return DocumentCodingOut.of(document_coding(session, document, invoice_of(session, document)))


@router.put(
    "/{document_id}/coding",
    response_model=DocumentCodingOut,
    summary="Confirm or correct the coding of lines; Bilag learns from it",
    description=(
        'The body is `{"lines": [{"line_number": 1, "account": "6540", "vat_code": "1"}]}`; '
        "only the targets given change (account, vat_code, department, project); `null` "
        "confirms that a VAT code, department or project does not apply. Each value "
        "given is confirmed by the caller and never overwritten by the model; a value other "
        "than the one that stood is recorded as a correction. The lines' coding becomes posting "
        "history the model learns from. Once every line is decided the `coding_unconfirmed` "
        "case is resolved. `422 invalid_coding` names unknown lines, unknown targets and empty "
        "values; nothing is applied then."
    ),
    responses={
        409: {"description": "The document is still being processed, or has no invoice"},
        422: {"description": "Unknown line numbers or targets, or empty values"},
    },
)
def put_document_coding(
    document_id: uuid.UUID, body: DocumentCodingIn, key: WriteKey, session: SessionDep
) -> DocumentCodingOut:
    document = owned_document(session, key, document_id)
    invoice = invoice_of(session, document)
    if document.status in IN_PROGRESS or invoice is None:
        raise Problem(
            409,
            "not_ready",
            "The document is still being processed or has no invoice yet; code it once it has.",
        )
    try:
        confirm_coding(session, document, invoice, body.given(), actor=actor_of(key))
    except CodingInputError as error:
        raise Problem(
            422,
            "invalid_coding",
            str(error),
            problems=[problem.as_dict() for problem in error.problems],
        ) from None
    session.commit()
    enqueue_coding_training_if_due(session, document.company_id)
    return DocumentCodingOut.of(document_coding(session, document, invoice))
