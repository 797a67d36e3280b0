"""The pipeline: an explicit, ordered list of stages every document passes through.

Each stage is one RQ job. A job finishing enqueues the next stage, so a document's progress is
visible in its status and a failure is tied to the stage that failed. Later issues append
code → match → approve → post to this list.
"""

from collections.abc import Callable
from dataclasses import dataclass

from models.settings import Settings
from models.status import DocumentStatus
from workers.stages import StageContext, extract_document, read_document, receive_document


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[StageContext], None]
    running: DocumentStatus | None
    done: DocumentStatus | None
    timeout: Callable[[Settings], int]


PIPELINE: tuple[Stage, ...] = (
    Stage("receive", receive_document, None, None, lambda s: s.stage_timeout_seconds),
    Stage(
        "read",
        read_document,
        DocumentStatus.READING,
        DocumentStatus.READ,
        lambda s: s.read_timeout_seconds,
    ),
    Stage(
        "extract",
        extract_document,
        DocumentStatus.EXTRACTING,
        DocumentStatus.EXTRACTED,
        lambda s: s.stage_timeout_seconds,
    ),
)
_BY_NAME = {stage.name: stage for stage in PIPELINE}


def stage_named(name: str) -> Stage:
    return _BY_NAME[name]


def next_stage(stage: Stage) -> Stage | None:
    index = PIPELINE.index(stage)
    return PIPELINE[index + 1] if index + 1 < len(PIPELINE) else None


FIRST_STAGE = PIPELINE[0]
