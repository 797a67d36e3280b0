"""The pipeline: an explicit, ordered list of stages every document passes through.

Each stage is one RQ job. A job finishing enqueues the next stage, so a document's progress is
visible in its status and a failure is tied to the stage that failed. Later issues append
approve → post to this list.
"""

from collections.abc import Callable
from dataclasses import dataclass

from models.settings import Settings
from models.status import DocumentStatus
from workers.coding_stage import code_document, coding_applies
from workers.match_stage import match_applies, match_document
from workers.stages import StageContext, extract_document, read_document, receive_document


@dataclass(frozen=True)
class Stage:
    """One step. ``run`` may return a status that replaces ``done`` (e.g. ``needs_review``).

    ``timeout`` gets the settings and the document's page count (None before it is known).
    ``applies`` (always, when None) says whether the stage has anything to do for this document;
    a stage that does not apply is passed over without a status change, so a company that does
    not use a stage sees its documents exactly as before the stage existed.
    """

    name: str
    run: Callable[[StageContext], DocumentStatus | None]
    running: DocumentStatus | None
    done: DocumentStatus | None
    timeout: Callable[[Settings, int | None], int]
    applies: Callable[[StageContext], bool] | None = None


def _read_timeout(settings: Settings, pages: int | None) -> int:
    """OCR time grows with pages; a one-page budget would time out every long scan."""
    extra_pages = max((pages or 1) - 1, 0)
    return settings.read_timeout_seconds + extra_pages * settings.read_seconds_per_page


# Coding is fast, but an artifact that cannot be loaded is rebuilt from the whole posting
# history inside the stage, which for a large company takes minutes, not seconds.
CODING_REBUILD_SECONDS = 600


def _code_timeout(settings: Settings, _pages: int | None) -> int:
    return settings.stage_timeout_seconds + CODING_REBUILD_SECONDS


PIPELINE: tuple[Stage, ...] = (
    Stage("receive", receive_document, None, None, lambda s, _: s.stage_timeout_seconds),
    Stage("read", read_document, DocumentStatus.READING, DocumentStatus.READ, _read_timeout),
    Stage(
        "extract",
        extract_document,
        DocumentStatus.EXTRACTING,
        DocumentStatus.EXTRACTED,
        lambda s, _: s.stage_timeout_seconds,
    ),
    Stage(
        "code",
        code_document,
        DocumentStatus.CODING,
        DocumentStatus.CODED,
        _code_timeout,
        applies=coding_applies,
    ),
    Stage(
        "match",
        match_document,
        DocumentStatus.MATCHING,
        DocumentStatus.MATCHED,
        lambda s, _: s.stage_timeout_seconds,
        applies=match_applies,
    ),
)
_BY_NAME = {stage.name: stage for stage in PIPELINE}


def stage_named(name: str) -> Stage:
    return _BY_NAME[name]


def next_stage(stage: Stage) -> Stage | None:
    index = PIPELINE.index(stage)
    return PIPELINE[index + 1] if index + 1 < len(PIPELINE) else None


FIRST_STAGE = PIPELINE[0]
