"""Running RQ workers for the pipeline queue.

By default a worker runs jobs in its own process: a job then costs a few milliseconds of queue
work instead of a fork, a fresh database connection and re-imported drivers (measured: 12-18
documents/s per process in-process against about 1 forked). Nothing is lost if the process dies
mid-job: RQ's registry maintenance finds the abandoned job, and `on_stage_failure` retries it or
marks the document `worker_crashed`. ``fork=True`` runs every job in a child process instead,
for isolation from crashes in native libraries; its parent is warmed first so each child
inherits loaded drivers and mappers rather than importing them again.
"""

import logging

from rq import SimpleWorker, Worker
from sqlalchemy.orm import configure_mappers

import models.tables  # noqa: F401  (mappers to configure before forking)
import workers.stages  # noqa: F401  (readers and extractors imported once, in the parent)
from models.db import get_engine
from models.settings import get_settings
from workers.jobs import on_work_horse_killed
from workers.queue import get_queue, get_redis
from workers.readers.einvoice_validation import ValidationUnavailable
from workers.validation import validator_for

log = logging.getLogger(__name__)


def _warm_up() -> None:
    """Load the database driver and dialect, configure mappers and compile the e-invoice rules
    once, before any fork, so no job pays for them (compiling the rules takes about 1.5 s)."""
    configure_mappers()
    with get_engine().connect():
        pass
    try:
        validator_for(get_settings().validation_artifacts_dir).preload()
    except ValidationUnavailable as error:
        log.warning("e-invoices will not be validated: %s", error)


def build_worker(*, fork: bool = False, name: str | None = None) -> Worker:
    queue = get_queue()
    if not fork:
        return SimpleWorker([queue], connection=get_redis(), name=name)
    _warm_up()
    return Worker(
        [queue],
        connection=get_redis(),
        name=name,
        work_horse_killed_handler=on_work_horse_killed,
    )


def run_worker(*, burst: bool = False, fork: bool = False, name: str | None = None) -> bool:
    """Work the pipeline queue; with ``burst`` stop once it is empty. True if any job ran."""
    worker = build_worker(fork=fork, name=name)
    return worker.work(burst=burst, with_scheduler=True, logging_level=logging.INFO)
