"""Redis connection and the pipeline queue, built on first use for the configured URL."""

from functools import lru_cache

from redis import Redis
from rq import Queue

from models.settings import get_settings


@lru_cache
def redis_for(url: str) -> Redis:
    return Redis.from_url(url)


def get_redis() -> Redis:
    return redis_for(get_settings().redis_url)


def get_queue() -> Queue:
    return Queue(get_settings().queue_name, connection=get_redis())
