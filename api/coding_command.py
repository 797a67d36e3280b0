"""`bilag coding ...`: train a company's coding model now, and measure the model on a file.

`train` is for the first model after a history import and for cron: the same training the RQ
job runs (skipped when the history is unchanged, promoted only when not worse), printed as the
registry entry it made or found, one JSON object a script can read. `eval` replays a history
file as live operation.
"""

import json
import sys
from datetime import date
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from ml.coding.examples import TARGETS
from models.db import session_scope
from models.tables import ModelVersion
from models.tenants import company_by_org_number

coding_app = typer.Typer(help="Propose GL account, VAT code, department and project.")


ACTOR = "cli"


@coding_app.command("train")
def coding_train(
    company: Annotated[str, typer.Option("--company", help="The company's org number")],
) -> None:
    """Train the company's coding model from its posting history; prints the registry entry."""
    from workers.coding_training import train_company_coding

    with session_scope() as session:
        found = company_by_org_number(session, company)
        if found is None:
            typer.echo(f"error: no company with org number {company}", err=True)
            raise typer.Exit(code=1)
        company_id = found.id
    outcome = train_company_coding(company_id, actor=ACTOR)
    if outcome.version is None:
        typer.echo(f"error: {outcome.message}", err=True)
        raise typer.Exit(code=1)
    report = {"trained": outcome.trained, "message": outcome.message}
    typer.echo(json.dumps(report | registry_entry(outcome.version), ensure_ascii=False))


def registry_entry(version: ModelVersion) -> dict[str, Any]:
    return {
        "company_id": str(version.company_id),
        "kind": version.kind,
        "version": version.version,
        "active": version.active,
        "rows": version.rows,
        "fingerprint": version.fingerprint,
        "metrics": version.metrics,
        "artifact": version.artifact,
        "trained_at": version.trained_at.isoformat(),
    }


@coding_app.command("eval")
def coding_eval(
    history: Annotated[Path, typer.Option(help="History CSV, gzipped or not", exists=True)],
    target: Annotated[str, typer.Option(help=f"One of {', '.join(TARGETS)}")] = "account",
    test_from: Annotated[
        str | None, typer.Option(help="Test on rows dated this day (YYYY-MM-DD) or later")
    ] = None,
    test_fraction: Annotated[
        float, typer.Option(help="Test on this latest share of rows by date")
    ] = 0.2,
    currency: Annotated[str, typer.Option(help="Currency of rows that name none")] = "NOK",
) -> None:
    """Replay the history as live operation and print one JSON object of figures."""
    from api.evaluate.coding import evaluate_coding

    if target not in TARGETS:
        raise typer.BadParameter(f"one of {', '.join(TARGETS)}", param_hint="--target")
    if not 0 < test_fraction < 1:
        raise typer.BadParameter("between 0 and 1", param_hint="--test-fraction")
    try:
        split = date.fromisoformat(test_from) if test_from else None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--test-from") from error
    with typer.progressbar(length=1, label=f"replaying {target}", file=_stderr()) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            report = evaluate_coding(history, target, split, test_fraction, currency, progress)
        except ValueError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from error
    typer.echo(json.dumps(report))


def _stderr() -> IO[str]:
    return sys.stderr
