"""Human corrections of extracted fields: recorded, audited, and learned from.

The API's PATCH, the inbox and `bilag teach` all come through :func:`correct_fields`, so a
correction is handled the same wherever it is made: the field becomes the person's value
(source ``human``, never overwritten by a re-run), the audit trail gets old and new, the place
on the page is found and stored, and the company's layout memory learns the supplier's layout.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from ml.extraction.layout_memory import LayoutMemory, locate_value
from ml.extraction.page_lines import page_lines, union
from models.audit import record_audit
from models.canonical_fields import HEADER_FIELDS, canonical_field
from models.tables import Document, ExtractedField, FieldCorrection, Invoice, Page
from models.tokens import PageTokens, TokenSource
from workers.company_extraction import layout_memory, save_template, supplier_key
from workers.stages import save_invoice


class CorrectionError(ValueError):
    """A correction that names an unknown field or carries a value of the wrong kind."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CorrectionResult:
    changed: list[str]
    learned_template: str | None


def canonical_corrections(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate every value before anything is written: all or nothing."""
    values: dict[str, Any] = {}
    for name, value in raw.items():
        try:
            values[name] = canonical_field(name, value)
        except (ValueError, TypeError, AttributeError) as error:
            raise CorrectionError(name, str(error)) from None
    return values


def correct_fields(
    session: Session, document: Document, raw: Mapping[str, Any], actor: str
) -> CorrectionResult:
    """Apply a person's values to a document's fields and learn the layout from them."""
    values = canonical_corrections(raw)
    pages = [
        PageTokens.from_json(row.tokens)
        for row in session.exec(
            select(Page).where(Page.document_id == document.id).order_by(Page.number)
        )
    ]
    lines = page_lines(pages)
    existing = {
        row.name: row
        for row in session.exec(
            select(ExtractedField).where(ExtractedField.document_id == document.id)
        )
    }
    changed: list[str] = []
    for name, value in values.items():
        stored = json.dumps(value) if isinstance(value, list) else value
        row = existing.get(name)
        old = row.value if row else None
        if row is not None and row.value == stored and row.source == TokenSource.HUMAN:
            continue
        found = locate_value(lines, name, value) if name in HEADER_FIELDS else None
        page, bbox, tokens = None, None, None
        if found is not None:
            line, run = found
            page, bbox, tokens = line.page, union(run).as_list(), [t.text for t in run]
        row = row or ExtractedField(
            company_id=document.company_id, document_id=document.id, name=name
        )
        row.value, row.confidence, row.source = stored, 1.0, TokenSource.HUMAN.value
        row.page, row.bbox = page, bbox
        session.add(row)
        session.add(
            FieldCorrection(
                company_id=document.company_id,
                document_id=document.id,
                name=name,
                old_value=old,
                new_value=value,
                page=page,
                bbox=bbox,
                tokens=tokens,
                actor=actor,
            )
        )
        record_audit(
            session,
            company_id=document.company_id,
            actor=actor,
            action="field.corrected",
            entity_type="document",
            entity_id=document.id,
            field=name,
            old=old,
            new=value,
        )
        changed.append(name)
    current = {name: row.value for name, row in existing.items()}
    current |= {name: value for name, value in values.items() if name in HEADER_FIELDS}
    invoice = save_invoice(session, document, current)
    learned = _learn_layout(session, document, lines, current, invoice) if changed else None
    session.flush()
    return CorrectionResult(changed, learned)


def _learn_layout(
    session: Session, document: Document, lines: list, truth: dict[str, Any], invoice: Invoice
) -> str | None:
    """Teach the layout memory with the document's current truth: the corrected values plus
    the fields the person left standing (they saw them and did not object)."""
    memory: LayoutMemory = layout_memory(session, document.company_id)
    template = memory.learn(lines, truth, supplier_key(truth))
    if template is None:
        return None
    save_template(session, document.company_id, template, invoice.supplier_id)
    return template.id
