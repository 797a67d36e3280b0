"""Running RQ workers for the pipeline queue.

The forking worker is the default: every job runs in a fresh child process, so a crash or a
leak in a native PDF or image library takes down one job, not the worker.
"""

import logging

from rq import SimpleWorker, Worker

from workers.jobs import on_work_horse_killed
from workers.queue import get_queue, get_redis


def build_worker(*, fork: bool = True, name: str | None = None) -> Worker | SimpleWorker:
    queue = get_queue()
    if fork:
        return Worker(
            [queue],
            connection=get_redis(),
            name=name,
            work_horse_killed_handler=on_work_horse_killed,
        )
    return SimpleWorker([queue], connection=get_redis(), name=name)


def run_worker(*, burst: bool = False, fork: bool = True, name: str | None = None) -> bool:
    """Work the pipeline queue; with ``burst`` stop once it is empty. True if any job ran."""
    worker = build_worker(fork=fork, name=name)
    return worker.work(burst=burst, with_scheduler=True, logging_level=logging.INFO)
