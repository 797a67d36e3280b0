"""Run Alembic migrations programmatically, so `bilag migrate` and tests share one path."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from models.db import get_engine

_INI = Path(__file__).with_name("alembic.ini")


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config(str(_INI))
    config.attributes["engine"] = engine or get_engine()
    return config


def upgrade_to_head(engine: Engine | None = None) -> None:
    command.upgrade(alembic_config(engine), "head")
