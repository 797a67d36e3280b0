"""The RQ job that trains a company's coding model from its posting history.

Only the company's own postings are read, in date order (ties in arrival order), as the model
expects. The job is skipped when the history's fingerprint equals the latest registered
version's, writes its artifact atomically, and registers the version with its held-out metrics;
the new version is put in use only when it is not worse than the one in use
(:func:`ml.coding.promotion.is_not_worse`). `bilag coding train` and the rebuild of an
unloadable artifact run the same function synchronously.
"""

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlmodel import Session, col, func, select

from ml.coding.artifact import load_coding_model, save_coding_model
from ml.coding.coding_model import CodingModel
from ml.coding.examples import TARGETS, HistoryRecord, Posting, posting_from_record
from ml.coding.promotion import is_not_worse
from ml.coding.schedule import RetrainSchedule
from models.audit import record_audit
from models.db import session_scope
from models.settings import get_settings
from models.tables import Company, ModelVersion, PostingHistory
from workers.company_extraction import active_version
from workers.queue import enqueue_once

CODING_KIND = "coding"
JOB_TIMEOUT_SECONDS = 3600
SCHEDULE = RetrainSchedule()
_FIELD_SEPARATOR = "\x1f"
_ROW_SEPARATOR = "\x1e"


class StoredHistoryRecord(HistoryRecord, Protocol):
    """A posting-history row as selected here: the model's view of it plus its arrival order."""

    seq: int | None


_HISTORY_COLUMNS = (
    col(PostingHistory.seq),
    col(PostingHistory.row_key),
    col(PostingHistory.posting_date),
    col(PostingHistory.supplier_id),
    col(PostingHistory.supplier_name),
    col(PostingHistory.description),
    col(PostingHistory.amount),
    col(PostingHistory.currency),
    col(PostingHistory.account),
    col(PostingHistory.vat_code),
    col(PostingHistory.department),
    col(PostingHistory.project),
)


def history_rows(
    session: Session, company_id: uuid.UUID, after_seq: int | None = None
) -> Iterable[StoredHistoryRecord]:
    """The company's rows (never another's): in date order for training, or those that arrived
    after ``after_seq`` in arrival order for the online catch-up."""
    query = select(*_HISTORY_COLUMNS).where(PostingHistory.company_id == company_id)
    if after_seq is None:
        query = query.order_by(col(PostingHistory.posting_date), col(PostingHistory.seq))
    else:
        query = query.where(col(PostingHistory.seq) > after_seq).order_by(col(PostingHistory.seq))
    return session.exec(query)


def fingerprint_of(postings: Sequence[Posting]) -> str:
    """A digest of what the model learns: each row's key and coding, in training order.

    Two runs over the same confirmed codings give the same digest; recoding one line or adding
    one posting changes it.
    """
    digest = hashlib.sha256()
    for posting in postings:
        values = [posting.reference, *(posting.coding.get(target, "") for target in TARGETS)]
        digest.update((_FIELD_SEPARATOR.join(values) + _ROW_SEPARATOR).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class TrainingOutcome:
    """What a training run did. ``version`` is the entry it registered, or when skipped the
    latest (or active) one; ``model`` is the model that entry names, when it was at hand."""

    trained: bool
    message: str
    version: ModelVersion | None
    model: CodingModel | None


def train_company_coding(
    company_id: uuid.UUID, *, rebuild: bool = False, actor: str = "worker"
) -> TrainingOutcome:
    """Train, compare, register and maybe promote, in one transaction of its own.

    ``rebuild`` is for an active version whose artifact cannot be loaded (another scikit-learn,
    a damaged file): the fingerprint does not make it skip, and the new version is put in use
    whatever the comparison says, since the old one cannot be used at all.

    The company row is locked for the run, so two trainings of one company (a queued job and a
    rebuild, say) take turns instead of both claiming the same version number.
    """
    with session_scope() as session:
        company = session.exec(
            # FOR NO KEY UPDATE (key_share=True): documents and postings referencing the company
            # keep being inserted while a training runs (FOR UPDATE would block their FK checks).
            select(Company).where(Company.id == company_id).with_for_update(key_share=True)
        ).first()
        if company is None:
            return TrainingOutcome(False, "skipped: no such company", None, None)
        latest = _latest_version(session, company_id)
        active = active_version(session, company_id, CODING_KIND)
        if rebuild and active is not None:
            usable = load_coding_model(Path(active.artifact))
            if usable is not None:
                return TrainingOutcome(False, "skipped: rebuilt meanwhile", active, usable)
        records = list(history_rows(session, company_id))
        if not records:
            return TrainingOutcome(
                False, "skipped: the company has no posting history", latest, None
            )
        postings = [posting_from_record(record) for record in records]
        fingerprint = fingerprint_of(postings)
        if not rebuild and latest is not None and latest.fingerprint == fingerprint:
            return TrainingOutcome(
                False, f"skipped: posting history unchanged since v{latest.version}", latest, None
            )
        model = CodingModel().fit(postings)
        model.learned_seq = max(record.seq or 0 for record in records)
        number = (latest.version if latest else 0) + 1
        path = get_settings().models_dir / str(company_id) / f"coding-v{number}.pkl"
        save_coding_model(model, path)
        metrics = _plain(model.metrics())
        if rebuild:
            promoted, reason = True, "rebuilt: the model in use could not be loaded"
        else:
            promoted, reason = is_not_worse(metrics, active.metrics if active else None)
        if promoted and active is not None:
            active.active = False
            session.add(active)
        entry = ModelVersion(
            company_id=company_id,
            kind=CODING_KIND,
            version=number,
            fingerprint=fingerprint,
            rows=len(postings),
            metrics=metrics
            | {"promoted": promoted, "reason": reason, "learned_seq": model.learned_seq},
            artifact=str(path),
            active=promoted,
        )
        session.add(entry)
        session.flush()
        record_audit(
            session,
            company_id=company_id,
            actor=actor,
            action="coding_model.trained",
            entity_type="model_version",
            entity_id=entry.id,
            old=active.version if active else None,
            new=number,
            detail=f"{len(postings)} postings; {'promoted' if promoted else 'not promoted'}: "
            f"{reason}",
        )
    kept = "promoted" if promoted else f"kept v{active.version}" if active else "not promoted"
    return TrainingOutcome(True, f"trained v{number} ({kept}): {reason}", entry, model)


def train_coding_model(company_id: str) -> str:
    """RQ job: the return value says what happened, for RQ's records."""
    return train_company_coding(uuid.UUID(company_id)).message


def enqueue_coding_training(session: Session, company_id: uuid.UUID) -> bool:
    """Queue a training of the company's coding model for its history as it stands.

    The job id names the history's row count and newest row, so the same state is never queued
    twice while a later state still is. False when Redis is away: the next confirmation queues
    it again, and nothing is lost, the history is in the database.
    """
    rows, newest = session.exec(
        select(func.count(), func.max(PostingHistory.seq)).where(
            PostingHistory.company_id == company_id
        )
    ).one()
    return enqueue_once(
        train_coding_model,
        str(company_id),
        job_id=f"bilag-coding-{company_id}-{rows}-{newest or 0}",
        timeout=JOB_TIMEOUT_SECONDS,
    )


def enqueue_coding_training_if_due(session: Session, company_id: uuid.UUID) -> bool:
    """Queue a training when the company has history but no model, or when the postings that
    arrived since the model in use was trained are enough by :data:`SCHEDULE`. Between
    trainings, supplier memory already knows every new posting (``coding_model_for``)."""
    active = active_version(session, company_id, CODING_KIND)
    if active is None:
        has_history = session.exec(
            select(PostingHistory.seq).where(PostingHistory.company_id == company_id).limit(1)
        ).first()
        return enqueue_coding_training(session, company_id) if has_history is not None else True
    learned_seq = active.metrics.get("learned_seq")
    query = select(func.count()).where(PostingHistory.company_id == company_id)
    if isinstance(learned_seq, int):
        new_rows = session.exec(query.where(col(PostingHistory.seq) > learned_seq)).one()
    else:
        new_rows = max(session.exec(query).one() - active.rows, 0)
    if not SCHEDULE.due(active.rows, new_rows):
        return True
    return enqueue_coding_training(session, company_id)


def _latest_version(session: Session, company_id: uuid.UUID) -> ModelVersion | None:
    return session.exec(
        select(ModelVersion)
        .where(ModelVersion.company_id == company_id, ModelVersion.kind == CODING_KIND)
        .order_by(col(ModelVersion.version).desc())
    ).first()


def _plain(metrics: dict[str, Any]) -> dict[str, Any]:
    """Metrics as plain JSON values (numpy floats become floats) for the registry's column."""
    return json.loads(json.dumps(metrics, default=float))
