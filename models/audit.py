"""The audit trail: one append-only row for every state change and every human edit."""

import uuid
from typing import Any

from sqlmodel import Session

from models.tables import AuditEvent


def record_audit(
    session: Session,
    *,
    company_id: uuid.UUID,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    detail: str | None = None,
) -> None:
    """Add an audit row to the caller's transaction, so it commits or rolls back with the change."""
    session.add(
        AuditEvent(
            company_id=company_id,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            field=field,
            old_value=old,
            new_value=new,
            detail=detail[:500] if detail else None,
        )
    )
