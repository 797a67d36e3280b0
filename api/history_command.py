"""`bilag history import`: load an ERP's posting history from a CSV file, gzipped or not.

An export of years of postings can be far too large for one HTTP request, so the operator loads
it from disk: rows stream from the file through the parser into the database in batches, in one
transaction, and the command prints one JSON summary a script can read. Re-running it on the same
file stores nothing new.
"""

import json
import sys
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from models.db import session_scope
from models.posting_history import HistoryReader
from models.tenants import company_by_org_number
from workers.coding_training import enqueue_coding_training_if_due
from workers.posting_history_store import open_history_text, store_history_rows

history_app = typer.Typer(
    help="Posting history the coding model learns from.", no_args_is_help=True
)
ACTOR = "cli"
ERRORS_SHOWN = 100
# Below this a file is read before a progress bar would have drawn anything worth seeing.
_PROGRESS_FROM_BYTES = 5 * 1024 * 1024


class _Unreadable(Exception):
    """The file could not be read at all; nothing of it is stored."""


@history_app.command(
    "import",
    help=(
        "Import a posting-history CSV (gzip-compressed or not) for the company. Columns: date, "
        "supplier_id and/or supplier_name, description, amount, currency, account, vat_code, "
        "department, project, optionally row_key. Bad rows are listed by line and skipped, the "
        "good ones stored; rows already stored are counted as duplicates. Prints one JSON "
        "summary; exits 1 when the file cannot be read or no row of it is good."
    ),
)
def history_import(
    file: Annotated[Path, typer.Argument(help="CSV export, optionally gzip-compressed")],
    company: Annotated[str, typer.Option("--company", help="The company's org number")],
) -> None:
    """Exit 1 also when every row was bad, as the API answers 422 then: a script that checks
    only the exit code must not take a file of the wrong format for an import."""
    try:
        summary = _import_file(file, company)
    except _Unreadable as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(json.dumps(summary, ensure_ascii=False))
    kept = summary["inserted"] + summary["duplicates"]
    if summary["error_count"] and not kept:
        raise typer.Exit(code=1)


def _import_file(file: Path, org_number: str) -> dict[str, Any]:
    with session_scope() as session:
        found = company_by_org_number(session, org_number)
        if found is None:
            raise _Unreadable(f"no company with org number {org_number}")
        reader = HistoryReader(found.base_currency)
        try:
            with file.open("rb") as binary, _progress(file) as bar:
                task = bar.add_task(file.name, total=file.stat().st_size)
                stored = store_history_rows(
                    session,
                    found.id,
                    reader.csv_rows(open_history_text(binary)),
                    actor=ACTOR,
                    detail=f"bilag history import {file.name}",
                    progress=lambda _rows: bar.update(task, completed=binary.tell()),
                )
        except UnicodeDecodeError as error:
            raise _Unreadable(
                f"{file} is not UTF-8 text (after {reader.records} data rows): {error.reason}"
            ) from error
        except (OSError, EOFError) as error:
            raise _Unreadable(f"{file} could not be read: {error}") from error
        if not stored.inserted and not stored.duplicates:
            session.rollback()  # not even the audit event: nothing was imported
        session.commit()
        # A worker trains the company's coding model from it (or `bilag coding train` does).
        if stored.inserted:
            enqueue_coding_training_if_due(session, found.id)
    return {
        "rows": reader.records,
        "inserted": stored.inserted,
        "duplicates": stored.duplicates,
        "errors": [
            {"line": error.line, "message": error.message} for error in reader.errors[:ERRORS_SHOWN]
        ],
        "error_count": reader.error_count,
        "warnings": reader.warnings,
    }


def _progress(file: Path) -> Progress:
    """A bar on stderr, by bytes of the file read; stdout stays the JSON summary alone."""
    big = file.is_file() and file.stat().st_size >= _PROGRESS_FROM_BYTES
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(file=_stderr()),
        disable=not big,
        transient=True,
    )


def _stderr() -> IO[str]:
    return sys.stderr
