"""The RQ job that retrains a company's candidate scorer from its corrections.

Every corrected document is re-read from its stored page tokens, its candidates regenerated,
and each labelled right or wrong by the fields as they now stand. The job is skipped when the
training data's fingerprint equals the active model's, writes its artifact atomically, and
registers the new version with its metrics; a new version replaces the active one only when its
cross-validated ROC AUC is not worse.
"""

import uuid
from typing import Any

from sqlmodel import Session, col, func, select

from ml.extraction.extractor import candidates_for
from ml.extraction.line_items import extract_line_items
from ml.extraction.page_lines import page_lines
from ml.extraction.scorer import save_scorer, train_scorer, training_set
from models.canonical_fields import HEADER_FIELDS
from models.db import session_scope
from models.settings import get_settings
from models.tables import ExtractedField, FieldCorrection, ModelVersion, Page
from models.tokens import PageTokens
from workers.company_extraction import SCORER_KIND, active_version, layout_memory
from workers.queue import enqueue_once


def enqueue_scorer_training(session: Session, company_id: uuid.UUID) -> bool:
    """Queue a retrain once the company has ``scorer_retrain_after`` new corrected documents.

    The job id names the number of corrections it was queued for, so the same state is never
    queued twice while a later state still is. False when Redis is away: the next correction
    queues it again, and nothing is lost, corrections are in the database.
    """
    corrections = session.exec(
        select(func.count()).where(FieldCorrection.company_id == company_id)
    ).one()
    documents = len(_corrected_documents(session, company_id))
    if documents % get_settings().scorer_retrain_after:
        return True
    return enqueue_once(
        retrain_candidate_scorer,
        str(company_id),
        job_id=f"bilag-scorer-{company_id}-{corrections}",
        timeout=900,
    )


def retrain_candidate_scorer(company_id: str) -> str:
    """Train, compare, register; the return value says what happened, for RQ's records."""
    company = uuid.UUID(company_id)
    with session_scope() as session:
        lessons = _lessons(session, company)
        data = training_set(lessons)
        active = active_version(session, company, SCORER_KIND)
        if active is not None and active.fingerprint == data.fingerprint:
            return "skipped: training data unchanged"
        scorer = train_scorer(data)
        if scorer is None:
            return f"skipped: {data.documents} corrected document(s) are not enough to learn from"
        version = _next_version(session, company)
        path = get_settings().models_dir / str(company) / f"candidate-scorer-v{version}.joblib"
        save_scorer(scorer, path)
        better = active is None or scorer.metrics.get("cv_roc_auc", 0.0) >= active.metrics.get(
            "cv_roc_auc", 0.0
        )
        if better and active is not None:
            active.active = False
            session.add(active)
        session.add(
            ModelVersion(
                company_id=company,
                kind=SCORER_KIND,
                version=version,
                fingerprint=data.fingerprint,
                rows=len(data.labels),
                metrics=scorer.metrics | {"documents": data.documents},
                artifact=str(path),
                active=better,
            )
        )
        return f"trained v{version} ({'promoted' if better else 'kept previous'})"


def _lessons(session: Session, company: uuid.UUID) -> list[tuple[list, dict[str, Any]]]:
    memory = layout_memory(session, company)
    documents = _corrected_documents(session, company)
    lessons = []
    for document_id in documents:
        pages = [
            PageTokens.from_json(row.tokens)
            for row in session.exec(
                select(Page).where(Page.document_id == document_id).order_by(col(Page.number))
            )
        ]
        lines = page_lines(pages)
        if not lines:
            continue
        truth = {
            row.name: row.value
            for row in session.exec(
                select(ExtractedField).where(ExtractedField.document_id == document_id)
            )
            if row.name in HEADER_FIELDS
        }
        template = memory.match(lines)
        lessons.append((candidates_for(lines, template, extract_line_items(pages)), truth))
    return lessons


def _corrected_documents(session: Session, company: uuid.UUID) -> list[uuid.UUID]:
    rows = session.exec(
        select(FieldCorrection.document_id).where(FieldCorrection.company_id == company)
    )
    return sorted(set(rows), key=str)


def _next_version(session: Session, company: uuid.UUID) -> int:
    latest = session.exec(
        select(ModelVersion.version)
        .where(ModelVersion.company_id == company, ModelVersion.kind == SCORER_KIND)
        .order_by(col(ModelVersion.version).desc())
    ).first()
    return (latest or 0) + 1
