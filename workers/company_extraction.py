"""A company's extraction: its layout memory and learned scorer, loaded from the database.

The extractor in ``ml/`` is pure; this module is the edge that gives it one company's
memory (never another's) and persists what a correction teaches.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from ml.extraction.extractor import Extraction, extract_invoice
from ml.extraction.layout_memory import LayoutMemory, LayoutTemplate
from ml.extraction.page_lines import page_lines
from ml.extraction.scorer import LearnedScorer, load_scorer
from models.column_types import utc_now
from models.tables import LayoutTemplateRecord, ModelVersion
from models.tokens import PageTokens

SCORER_KIND = "candidate_scorer"


@dataclass
class CompanyExtraction:
    extraction: Extraction
    template: LayoutTemplate | None


def layout_memory(session: Session, company_id: uuid.UUID) -> LayoutMemory:
    rows = session.exec(
        select(LayoutTemplateRecord)
        .where(LayoutTemplateRecord.company_id == company_id)
        .order_by(col(LayoutTemplateRecord.updated_at))
    )
    return LayoutMemory([LayoutTemplate.from_json(row.template) for row in rows])


def save_template(
    session: Session,
    company_id: uuid.UUID,
    template: LayoutTemplate,
    supplier_id: uuid.UUID | None = None,
) -> None:
    """Insert or update the template's row; the template id is the row id."""
    row = session.get(LayoutTemplateRecord, uuid.UUID(template.id))
    if row is None or row.company_id != company_id:
        row = LayoutTemplateRecord(id=uuid.UUID(template.id), company_id=company_id)
    row.template = template.to_json()
    row.examples = template.examples
    row.supplier_id = row.supplier_id or supplier_id
    row.updated_at = utc_now()
    session.add(row)


def active_version(session: Session, company_id: uuid.UUID, kind: str) -> ModelVersion | None:
    """The model of this kind the company uses now, from the registry."""
    return session.exec(
        select(ModelVersion)
        .where(
            ModelVersion.company_id == company_id,
            ModelVersion.kind == kind,
            col(ModelVersion.active).is_(True),
        )
        .order_by(col(ModelVersion.version).desc())
    ).first()


def active_scorer(session: Session, company_id: uuid.UUID) -> LearnedScorer | None:
    version = active_version(session, company_id, SCORER_KIND)
    if version is None:
        return None
    path = Path(version.artifact)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    return _cached_scorer(str(path), stamp)


@lru_cache(maxsize=64)
def _cached_scorer(path: str, stamp: int) -> LearnedScorer | None:
    """Loaded once per artifact version; ``stamp`` makes a rewritten file a new entry."""
    del stamp
    return load_scorer(Path(path))


def extract_for_company(
    session: Session,
    company_id: uuid.UUID,
    pages: Sequence[PageTokens],
    default_currency: str | None,
) -> CompanyExtraction:
    """Extraction with the company's layout memory and, if trained, its scorer."""
    memory = layout_memory(session, company_id)
    scorer = active_scorer(session, company_id)
    return extract_with_memory(pages, memory, scorer, default_currency)


def extract_with_memory(
    pages: Sequence[PageTokens],
    memory: LayoutMemory,
    scorer: LearnedScorer | None,
    default_currency: str | None,
) -> CompanyExtraction:
    """Without database: the same path `bilag eval extraction` measures."""
    lines = page_lines(pages)
    template = memory.match(lines) if memory.templates else None
    if template is None and any(t.supplier_key for t in memory.templates):
        first = extract_invoice(pages, default_currency=default_currency, scorer=scorer)
        key = supplier_key(first.values())
        template = memory.match(lines, key) if key else None
    extraction = extract_invoice(
        pages, default_currency=default_currency, scorer=scorer, template=template
    )
    return CompanyExtraction(extraction, template)


def supplier_key(values: dict[str, Any]) -> str | None:
    """What identifies a supplier across its invoices: org number, else VAT number."""
    return values.get("supplier_org_number") or values.get("supplier_vat_number")
