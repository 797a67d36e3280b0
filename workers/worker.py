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
from workers.jobs import on_work_horse_killed
from workers.queue import get_queue, get_redis


def _warm_up() -> None:
    """Load the database driver and dialect and configure mappers once, before any fork."""
    configure_mappers()
    with get_engine().connect():
        pass


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
