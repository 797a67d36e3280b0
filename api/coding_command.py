"""`bilag coding ...`: measuring (and running) the coding model from the command line."""

import json
import sys
from datetime import date
from pathlib import Path
from typing import IO, Annotated

import typer

from ml.coding.examples import TARGETS

coding_app = typer.Typer(help="Propose GL account, VAT code, department and project.")


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
