"""RQ jobs: thin functions taking ids. They load, call a stage, save, and enqueue the next stage.

Job ids are deterministic (document, run, stage) and enqueued with ``unique=True``, so a stage
is never queued twice for the same run. A reprocess bumps the run; jobs of an older run stop.
"""

import logging
import uuid
from datetime import timedelta
from types import TracebackType
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Callback, Retry
from rq.exceptions import AbandonedJobError, DuplicateJobError
from rq.job import Job
from rq.timeouts import JobTimeoutException
from sqlmodel import Session, col, select

from models.column_types import utc_now
from models.db import session_scope
from models.documents import restart, set_status
from models.errors import PermanentError
from models.settings import get_settings
from models.status import IN_PROGRESS, DocumentStatus
from models.storage import get_blob_store
from models.tables import Document
from workers.pipeline import FIRST_STAGE, Stage, next_stage, stage_named
from workers.queue import get_queue
from workers.stages import StageContext

log = logging.getLogger(__name__)
ACTOR = "worker"
_MESSAGE_LIMIT = 1000


def job_id_for(document_id: uuid.UUID | str, run: int, stage: Stage) -> str:
    return f"bilag-{document_id}-r{run}-{stage.name}"


def enqueue_stage(
    document_id: uuid.UUID | str,
    run: int,
    stage: Stage = FIRST_STAGE,
    pages: int | None = None,
    *,
    job_id: str | None = None,
) -> None:
    """Queue ``stage`` for this run of the document, once; ``pages`` sizes its time limit."""
    settings = get_settings()
    try:
        get_queue().enqueue(
            run_stage,
            str(document_id),
            run,
            stage.name,
            job_id=job_id or job_id_for(document_id, run, stage),
            unique=True,
            job_timeout=stage.timeout(settings, pages),
            retry=Retry(max=settings.job_retries, interval=settings.job_retry_intervals)
            if settings.job_retries
            else None,
            on_failure=Callback(on_stage_failure),
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
    except DuplicateJobError:
        log.debug("stage %s of run %s for %s is already queued", stage.name, run, document_id)


def enqueue_stage_again(document_id: uuid.UUID | str, run: int, stage: Stage) -> None:
    """Queue a stage that already ran for this run (new data for it arrived), under a job id of
    its own; the stages after it follow as usual."""
    again = f"{job_id_for(document_id, run, stage)}-again-{uuid.uuid4().hex[:12]}"
    enqueue_stage(document_id, run, stage, job_id=again)


def start_pipeline(document: Document) -> bool:
    """Queue the first stage of the document's current run.

    False when Redis cannot be reached: the original and its row are already safe, the
    document stays ``received``, and `bilag requeue --stalled` picks it up later.
    """
    try:
        enqueue_stage(document.id, document.run)
    except RedisError:
        log.exception("could not queue document %s; it stays 'received'", document.id)
        return False
    return True


def run_stage(document_id: str, run: int, stage_name: str) -> str:
    """Run one stage for one document; the return value says what happened, for RQ's records."""
    stage = stage_named(stage_name)
    try:
        with session_scope() as session:
            document = session.get(Document, uuid.UUID(document_id))
            if document is None or document.run != run or document.status == DocumentStatus.FAILED:
                return "skipped: superseded, failed or deleted"
            context = StageContext(session, document, get_blob_store(), get_settings())
            if stage.applies is None or stage.applies(context):
                _run_applying_stage(session, document, stage, context)
            pages = document.page_count
    except PermanentError as error:
        mark_failed(document_id, run, stage.name, error.code, error.message)
        return f"failed: {error.code}"
    following = next_stage(stage)
    if following is not None:
        enqueue_stage(document_id, run, following, pages)
    return "ok"


def _run_applying_stage(
    session: Session, document: Document, stage: Stage, context: StageContext
) -> None:
    """Show the stage running, run it, show its outcome.

    A document held for a person (``needs_review``) keeps showing that while a later stage
    runs, so it never drops out of the exception queue for the length of a stage; the stage's
    outcome then says whether it is still held.
    """
    held = document.status == DocumentStatus.NEEDS_REVIEW
    if stage.running is not None and document.status != stage.running and not held:
        set_status(session, document, stage.running, actor=ACTOR)
        session.commit()
    done = stage.run(context) or stage.done
    if done is not None and done != document.status:
        set_status(session, document, done, actor=ACTOR)


def mark_failed(document_id: str, run: int, stage_name: str, code: str, message: str) -> None:
    """Put the document in the visible ``failed`` state, unless a newer run has taken over."""
    with session_scope() as session:
        document = session.get(Document, uuid.UUID(document_id))
        if document is None or document.run != run:
            return
        set_status(
            session,
            document,
            DocumentStatus.FAILED,
            actor=ACTOR,
            reason=code,
            message=message[:_MESSAGE_LIMIT],
            stage=stage_name,
        )


def on_stage_failure(
    job: Job,
    connection: Redis,
    exc_type: type[BaseException] | None,
    exc_value: BaseException | None,
    traceback: TracebackType | None,
) -> None:
    """RQ failure callback: once retries are used up, the document shows why it failed."""
    if job.should_retry:
        log.warning("job %s failed (%s); it will be retried", job.id, exc_value)
        return
    document_id, run, stage_name = job.args
    if isinstance(exc_value, JobTimeoutException):
        code, message = "timeout", f"The {stage_name} stage ran past its time limit."
    elif isinstance(exc_value, AbandonedJobError):
        code, message = "worker_crashed", f"The worker died while running the {stage_name} stage."
    else:
        name = exc_type.__name__ if exc_type else "Error"
        code, message = "internal_error", f"{name}: {exc_value}"
    mark_failed(document_id, run, stage_name, code, message)


def on_work_horse_killed(job: Job, retpid: int, ret_val: int, rusage: Any) -> None:
    """The process running a job died (out of memory, a crash in a native library)."""
    if job.should_retry or job.func_name != f"{__name__}.run_stage":
        return
    document_id, run, stage_name = job.args
    mark_failed(
        document_id,
        run,
        stage_name,
        "worker_crashed",
        f"The process running the {stage_name} stage died (exit status {ret_val}).",
    )


def requeue_failed(company_id: uuid.UUID | None = None) -> int:
    """Start a new run of every failed document (of one company, or all); returns how many."""
    return _restart(
        Document.status == DocumentStatus.FAILED.value,
        company_id=company_id,
        why="requeue of failed document",
    )


def requeue_stalled(older_than: timedelta, company_id: uuid.UUID | None = None) -> int:
    """Restart documents stuck mid-pipeline, e.g. after Redis lost its queue; returns how many."""
    cutoff = utc_now() - older_than
    return _restart(
        col(Document.status).in_([s.value for s in IN_PROGRESS]),
        col(Document.updated_at) < cutoff,
        company_id=company_id,
        why=f"requeue of document stalled since before {cutoff.isoformat()}",
    )


def _restart(*conditions: Any, company_id: uuid.UUID | None, why: str) -> int:
    with session_scope() as session:
        query = select(Document).where(*conditions)
        if company_id is not None:
            query = query.where(Document.company_id == company_id)
        restarted = [
            (doc.id, restart(session, doc, actor="cli", why=why)) for doc in session.exec(query)
        ]
    for document_id, run in restarted:
        enqueue_stage(document_id, run)
    return len(restarted)
