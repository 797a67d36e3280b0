"""Posting history: an ERP pushes the postings its clerks made, and lists back what Bilag has.

The import is for what fits in one request (at most ``MAX_ROWS`` rows); years of history go
through ``bilag history import``, which reads the same formats through the same parser and store.
"""

import json
import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import ReadKey, SessionDep, SettingsDep, StoreDep, WriteKey, actor_of
from api.problems import Problem
from api.schemas_postings import (
    HistoryImportOut,
    HistoryRowErrorOut,
    HistoryRowsIn,
    PostingHistoryList,
    PostingHistoryOut,
)
from api.upload import stage_upload
from models.cursor import InvalidCursorError
from models.posting_history import HistoryReader, HistoryRow
from models.tables import Company
from workers.coding_training import enqueue_coding_training_if_due
from workers.posting_history_store import (
    HistoryTooLargeError,
    list_history,
    open_history_text,
    store_history_rows,
)

router = APIRouter(prefix="/postings", tags=["postings"])

MAX_ROWS = 50_000
ERRORS_SHOWN = 100
_JSON_TYPES = ("application/json",)
_CSV_TYPES = ("text/csv", "application/csv", "application/gzip", "application/x-gzip")
ACCEPTED_TYPES = [*_JSON_TYPES, *_CSV_TYPES]
_ENCODINGS = ("", "identity", "gzip", "x-gzip")


def _body_format(request: Request) -> str:
    """``json`` or ``csv`` from the Content-Type; anything else is a 415 before a byte is read.

    A gzip body is recognised by its bytes whatever the headers say, so ``Content-Encoding:
    gzip`` and ``application/gzip`` (taken as gzipped CSV) both work, and only an encoding
    Bilag cannot undo is refused.
    """
    declared = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in _ENCODINGS:
        raise Problem(
            415,
            "unsupported_media_type",
            f"Content-Encoding {encoding} is not supported; send the body as is or gzipped.",
            accepted_encodings=["gzip"],
        )
    if declared in _JSON_TYPES:
        return "json"
    if declared in _CSV_TYPES:
        return "csv"
    raise Problem(
        415,
        "unsupported_media_type",
        f'Send the rows as application/json ({{"rows": [...]}}) or as text/csv, optionally '
        f"gzipped; not {declared or 'a body without a Content-Type'}.",
        accepted_types=ACCEPTED_TYPES,
    )


@router.post(
    "/history",
    response_model=HistoryImportOut,
    summary="Import posting history (what the coding model learns from)",
    description=(
        'The body is `{"rows": [...]}` as `application/json`, or a CSV file as `text/csv` '
        "with a header line (`,`, `;` or tab separated), either optionally gzipped "
        "(`Content-Encoding: gzip` or `application/gzip`). Columns: `date`, `supplier_id` "
        "and/or `supplier_name`, `description`, `amount`, `currency` (default: the company's), "
        "`account`, `vat_code`, `department`, `project`, and optionally `row_key`, your own id "
        f"for the row. At most {MAX_ROWS} rows per request. Bad rows are listed with their line "
        "and skipped, the good ones stored; sending a row again (same `row_key`, or without "
        "one the same content) stores nothing and counts it as a duplicate, so a retried "
        "import is safe. `422` `no_valid_rows` when no row is good."
    ),
    responses={
        400: {"description": "Empty body, not UTF-8, damaged gzip or invalid JSON"},
        413: {"description": "Over the size limit (also decompressed) or over the row limit"},
        415: {"description": "Neither JSON nor CSV"},
        422: {"description": "No row is good; the errors say why"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": HistoryRowsIn.model_json_schema()},
                "text/csv": {"schema": {"type": "string"}},
                "application/gzip": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_history(
    request: Request,
    key: WriteKey,
    session: SessionDep,
    store: StoreDep,
    settings: SettingsDep,
) -> HistoryImportOut:
    body_format = _body_format(request)
    limit = settings.max_upload_bytes
    staged = await stage_upload(request, store.staging_dir(), limit)
    try:
        return await run_in_threadpool(
            _import_body, session, key.company_id, actor_of(key), staged.path, body_format, limit
        )
    finally:
        staged.path.unlink(missing_ok=True)


def _import_body(
    session: Session,
    company_id: uuid.UUID,
    actor: str,
    path: Path,
    body_format: str,
    max_bytes: int,
) -> HistoryImportOut:
    """Parse the whole body first, then store: a request over the row limit stores nothing."""
    company = session.get(Company, company_id)
    if company is None:  # the key's company cannot vanish, but say so if it did
        raise Problem(404, "not_found", "Your company does not exist.")
    reader = HistoryReader(company.base_currency)
    try:
        with path.open("rb") as binary:
            text = open_history_text(binary, max_bytes)
            if body_format == "json":
                rows = list(reader.record_rows(_json_rows(text.read())))
            else:
                rows = _csv_rows(reader, text)
    except HistoryTooLargeError as error:
        raise Problem(413, "payload_too_large", str(error), max_bytes=error.limit) from None
    except UnicodeDecodeError as error:
        raise Problem(
            400, "unreadable_body", f"The body is not UTF-8 text: {error.reason}."
        ) from None
    except (OSError, EOFError) as error:
        raise Problem(400, "unreadable_body", f"The gzip body is damaged: {error}.") from None
    errors = [HistoryRowErrorOut.of(error) for error in reader.errors[:ERRORS_SHOWN]]
    if reader.error_count and not rows:
        raise Problem(
            422,
            "no_valid_rows",
            f"None of the {reader.records} rows could be read; the errors say why."
            if reader.records
            else "The body could not be read as posting history; the errors say why.",
            rows=reader.records,
            errors=[error.model_dump() for error in errors],
            error_count=reader.error_count,
            warnings=reader.warnings,
        )
    stored = store_history_rows(
        session, company_id, rows, actor=actor, detail=f"API import ({body_format})"
    )
    session.commit()
    if stored.inserted:
        # The first history trains the company's first model; later imports retrain on schedule.
        enqueue_coding_training_if_due(session, company_id)
    return HistoryImportOut(
        rows=reader.records,
        inserted=stored.inserted,
        duplicates=stored.duplicates,
        errors=errors,
        error_count=reader.error_count,
        warnings=reader.warnings,
    )


def _json_rows(text: str) -> list[object]:
    try:
        body = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise Problem(400, "unreadable_body", f"The body is not valid JSON: {error}.") from None
    rows = body.get("rows") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise Problem(
            422, "validation_error", 'The body must be an object {"rows": [...]} with a list.'
        )
    if len(rows) > MAX_ROWS:
        raise _too_many_rows(len(rows))
    return rows


def _csv_rows(reader: HistoryReader, lines: Iterable[str]) -> list[HistoryRow]:
    """The good rows, reading no further than one row past the limit."""
    rows: list[HistoryRow] = []
    for row in reader.csv_rows(lines):
        rows.append(row)
        if reader.records > MAX_ROWS:
            break
    if reader.records > MAX_ROWS:
        raise _too_many_rows(None)
    return rows


def _too_many_rows(count: int | None) -> Problem:
    given = f"{count} rows" if count is not None else "more rows than that"
    return Problem(
        413,
        "too_many_rows",
        f"At most {MAX_ROWS} rows per request; this one has {given}. Split it, or load large "
        "histories with `bilag history import`.",
        max_rows=MAX_ROWS,
    )


@router.get(
    "/history",
    response_model=PostingHistoryList,
    summary="The company's posting history, newest first",
)
def list_company_history(
    key: ReadKey,
    session: SessionDep,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> PostingHistoryList:
    try:
        page = list_history(session, key.company_id, cursor=cursor, limit=limit)
    except InvalidCursorError as exc:
        raise Problem(400, "invalid_cursor", str(exc)) from exc
    return PostingHistoryList(
        items=[PostingHistoryOut.of(row) for row in page.items], next_cursor=page.next_cursor
    )
