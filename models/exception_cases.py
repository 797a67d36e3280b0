"""Opening and closing exception cases: the reasons a document waits for a person.

Each pipeline run re-derives the reasons it owns; a reason that no longer holds is closed and a
new one opened, with audit rows either way, so the queue always reflects the latest run and its
history shows how it got there.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from models.audit import record_audit
from models.column_types import utc_now
from models.tables import Document, ExceptionCase


@dataclass(frozen=True)
class ExceptionReason:
    """Why a document cannot go through untouched, with the figures behind it."""

    code: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


def open_cases(session: Session, document: Document) -> list[ExceptionCase]:
    return list(
        session.exec(
            select(ExceptionCase)
            .where(
                ExceptionCase.document_id == document.id,
                col(ExceptionCase.resolved_at).is_(None),
            )
            .order_by(col(ExceptionCase.created_at))
        )
    )


def sync_exception_cases(
    session: Session,
    document: Document,
    reasons: list[ExceptionReason],
    *,
    owned_codes: frozenset[str],
    actor: str,
) -> list[ExceptionCase]:
    """Make the open cases with ``owned_codes`` match ``reasons``; return all open cases.

    Only codes the caller owns are touched, so one stage never closes another's reasons.
    """
    wanted = {reason.code: reason for reason in reasons}
    still_open: list[ExceptionCase] = []
    for case in open_cases(session, document):
        if case.code in owned_codes and case.code not in wanted:
            case.resolved_at = utc_now()
            case.resolved_by = actor
            session.add(case)
            _audit(session, document, case, actor, "exception.resolved")
            continue
        if case.code in wanted:
            reason = wanted.pop(case.code)
            case.message, case.detail = reason.message, reason.detail
            session.add(case)
        still_open.append(case)
    for reason in wanted.values():
        case = ExceptionCase(
            company_id=document.company_id,
            document_id=document.id,
            code=reason.code,
            message=reason.message,
            detail=reason.detail,
        )
        session.add(case)
        _audit(session, document, case, actor, "exception.opened")
        still_open.append(case)
    return still_open


def _audit(
    session: Session, document: Document, case: ExceptionCase, actor: str, action: str
) -> None:
    record_audit(
        session,
        company_id=document.company_id,
        actor=actor,
        action=action,
        entity_type="document",
        entity_id=document.id,
        field="exception",
        old=case.code if action == "exception.resolved" else None,
        new=case.code if action == "exception.opened" else None,
        detail=case.message,
    )
