"""Posting history in the database: opening an export, storing its rows, listing them.

Shared by ``bilag history import`` and ``POST /api/v1/postings/history`` so a file imported
either way lands the same: parsed by :mod:`models.posting_history`, inserted in batches where a
row whose ``(company_id, row_key)`` is already stored is skipped by the database itself, and
one audit event per import.
"""

import gzip
import io
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from itertools import islice
from typing import IO, Any

from sqlalchemy import bindparam, cast, func, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, select

from models.audit import record_audit
from models.column_types import utc_now
from models.cursor import InvalidCursorError, decode_cursor, encode_cursor
from models.posting_history import HistoryRow
from models.tables import PostingHistory

BATCH_ROWS = 5_000
IMPORT_SOURCE = "import"
GZIP_MAGIC = b"\x1f\x8b"
_READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class StoredHistory:
    """What an import did: rows new to the company, and rows it already had (same key)."""

    inserted: int
    duplicates: int


class HistoryTooLargeError(ValueError):
    """The decompressed export passed the limit: refused rather than read to the end."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The decompressed file is larger than the limit of {limit} bytes.")
        self.limit = limit


def store_history_rows(
    session: Session,
    company_id: uuid.UUID,
    rows: Iterable[HistoryRow],
    *,
    actor: str = "system",
    detail: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> StoredHistory:
    """Insert ``rows`` for the company, skipping keys it already has, in the caller's transaction.

    ``rows`` is consumed lazily, ``BATCH_ROWS`` at a time, so a reader streaming a large export
    never has all of it in memory. The conflict is resolved by the unique constraint (``ON
    CONFLICT DO NOTHING``), not by looking keys up first: that is one round trip per batch and
    stays right when two imports of the same file race. ``progress`` is called with the number
    of rows of each stored batch.
    """
    offered = inserted = 0
    pending = iter(rows)
    while batch := list(islice(pending, BATCH_ROWS)):
        inserted += _insert_batch(session, company_id, batch)
        offered += len(batch)
        if progress:
            progress(len(batch))
    stored = StoredHistory(inserted=inserted, duplicates=offered - inserted)
    record_audit(
        session,
        company_id=company_id,
        actor=actor,
        action="posting_history.imported",
        entity_type="posting_history",
        entity_id=company_id,
        new={
            "source": IMPORT_SOURCE,
            "rows": offered,
            "inserted": stored.inserted,
            "duplicates": stored.duplicates,
        },
        detail=detail,
    )
    return stored


_ROW_COLUMNS = tuple(column.name for column in fields(HistoryRow))
_KEY_COLUMNS = ("company_id", "row_key")


def _insert_batch(session: Session, company_id: uuid.UUID, batch: list[HistoryRow]) -> int:
    """Insert one batch, skipping known keys; the number of rows the database actually added.

    PostgreSQL is the production database and SQLite the demo's, as everywhere in Bilag."""
    shared = {
        "company_id": company_id,
        "source": IMPORT_SOURCE,
        "document_id": None,
        "created_at": utc_now(),
    }
    if session.get_bind().dialect.name == "sqlite":
        return _insert_sqlite(session, batch, shared)
    return _insert_postgresql(session, batch, shared)


def _insert_postgresql(session: Session, batch: list[HistoryRow], shared: dict[str, Any]) -> int:
    """``INSERT ... SELECT FROM unnest(<one array per column>) ON CONFLICT DO NOTHING``.

    One statement with one parameter per column whatever the batch size, and its rowcount is
    exactly the rows added. A multi-row VALUES (which is also what SQLAlchemy makes of an
    executemany with RETURNING) has a placeholder per value that psycopg parses again for each
    page: that was three quarters of the time of a 500,000-row import.
    """
    table = PostingHistory.__table__
    arrays = [
        cast(
            bindparam(
                f"{name}_values", [getattr(row, name) for row in batch], ARRAY(table.c[name].type)
            ),
            ARRAY(table.c[name].type),
        )
        for name in _ROW_COLUMNS
    ]
    unnested = func.unnest(*arrays).table_valued(*_ROW_COLUMNS).render_derived()
    constants = [literal(value, table.c[name].type) for name, value in shared.items()]
    rows = select(*constants, *(unnested.c[name] for name in _ROW_COLUMNS))
    statement = (
        postgresql.insert(PostingHistory)
        .from_select([*shared, *_ROW_COLUMNS], rows)
        .on_conflict_do_nothing(index_elements=list(_KEY_COLUMNS))
    )
    # SQLAlchemy keeps an INSERT's rowcount only when asked to
    return (
        session.connection().execute(statement.execution_options(preserve_rowcount=True)).rowcount
    )


def _insert_sqlite(session: Session, batch: list[HistoryRow], shared: dict[str, Any]) -> int:
    """An executemany with RETURNING: SQLAlchemy splits it under SQLite's parameter limit, and
    a row skipped by ``ON CONFLICT DO NOTHING`` returns nothing, so the rows returned count
    the rows added."""
    values = [{**shared, **{name: getattr(row, name) for name in _ROW_COLUMNS}} for row in batch]
    statement = (
        sqlite.insert(PostingHistory)
        .on_conflict_do_nothing(index_elements=list(_KEY_COLUMNS))
        .returning(col(PostingHistory.seq))
    )
    return len(session.connection().execute(statement, values).all())


@dataclass(frozen=True)
class HistoryPage:
    items: list[PostingHistory]
    next_cursor: str | None


def list_history(
    session: Session, company_id: uuid.UUID, *, cursor: str | None = None, limit: int = 50
) -> HistoryPage:
    """The company's posting history, newest first (by ``seq``), a keyset page at a time."""
    query = select(PostingHistory).where(PostingHistory.company_id == company_id)
    if cursor:
        query = query.where(col(PostingHistory.seq) < _decode_cursor(cursor))
    query = query.order_by(col(PostingHistory.seq).desc()).limit(limit + 1)
    rows = list(session.exec(query))
    items = rows[:limit]
    has_more = len(rows) > limit
    return HistoryPage(items, encode_cursor({"s": items[-1].seq}) if has_more else None)


def _decode_cursor(cursor: str) -> int:
    seq = decode_cursor(cursor).get("s")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise InvalidCursorError("the cursor is not one this API returned")
    return seq


def open_history_text(binary: io.BufferedReader, max_bytes: int | None = None) -> io.TextIOWrapper:
    """An export's bytes as lines of UTF-8 text, gunzipped when they are gzip.

    Gzip is recognised by its magic bytes, not by a name or header, since exports get renamed
    and proxies drop ``Content-Encoding``. ``max_bytes`` caps the decompressed size: a small
    gzip body can inflate to gigabytes, and reading stops with :class:`HistoryTooLargeError`
    as soon as it passes the cap. A leading byte-order mark is dropped; line breaks are kept
    as they are (``newline=""``) so the CSV reader sees quoted line breaks. Reading raises
    ``UnicodeDecodeError`` for text that is not UTF-8 and ``OSError`` / ``EOFError`` for a
    damaged gzip stream.
    """
    source: IO[bytes] = binary
    if binary.peek(2)[:2] == GZIP_MAGIC:
        source = gzip.GzipFile(fileobj=binary, mode="rb")
    if max_bytes is not None:
        source = io.BufferedReader(_Capped(source, max_bytes), _READ_CHUNK)
    return io.TextIOWrapper(source, encoding="utf-8-sig", newline="")


class _Capped(io.RawIOBase):
    """Reads through to ``inner`` and fails once more than ``limit`` bytes came out of it."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner = inner
        self.limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(min(len(buffer), _READ_CHUNK))
        self.count += len(data)
        if self.count > self.limit:
            raise HistoryTooLargeError(self.limit)
        buffer[: len(data)] = data
        return len(data)
