"""Redis connection and the pipeline queue, built on first use for the configured URL."""

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError

from models.settings import get_settings

log = logging.getLogger(__name__)


@lru_cache
def redis_for(url: str) -> Redis:
    return Redis.from_url(url)


def get_redis() -> Redis:
    return redis_for(get_settings().redis_url)


def get_queue() -> Queue:
    return Queue(get_settings().queue_name, connection=get_redis())


def enqueue_once(job: Callable[..., Any], *args: str, job_id: str, timeout: int) -> bool:
    """Queue ``job`` under ``job_id`` unless a job of that id is already queued.

    For background work whose inputs are in the database (training a company's models): the id
    names the state it is queued for, so one state is never queued twice. False when Redis is
    away; the caller's next trigger queues it again, and nothing is lost.
    """
    try:
        get_queue().enqueue(
            job,
            *args,
            job_id=job_id,
            unique=True,
            job_timeout=timeout,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
        )
    except DuplicateJobError:
        return True
    except RedisError:
        log.exception("could not queue %s", job_id)
        return False
    return True
