"""`bilag bench ...`: throughput and correctness figures on generated data, no database needed.

`matching` generates a company (suppliers, open PO lines with receipts, invoices of known
outcome; see api.evaluate.matching_bench), runs duplicate detection, candidate lookup and the
matching engine over every invoice, and prints the time, a confusion table of expected against
actual outcome and the case kinds that went wrong. It exits 1 when any document missed its
expected outcome or reason codes, so CI and scripts can use it as a check as well as a figure.
"""

import json
from typing import Annotated, Any

import typer

from models.matching.records import MatchOutcome

bench_app = typer.Typer(
    help="Benchmarks on generated data: speed and whether every case came out right.",
    no_args_is_help=True,
)


@bench_app.command("matching")
def bench_matching(
    invoices: Annotated[int, typer.Option(help="Invoices and credit notes to match")] = 10_000,
    po_lines: Annotated[int, typer.Option(help="PO lines in the order book")] = 100_000,
    suppliers: Annotated[int, typer.Option(help="Suppliers of the company")] = 2_000,
    seed: Annotated[int, typer.Option(help="Seed of the generator; same seed, same data")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for scripts")] = False,
) -> None:
    """Match generated invoices against generated POs; time it and check every verdict."""
    # Imported here: the engine brings numpy, scipy and rapidfuzz, which other commands skip.
    from api.evaluate.matching_bench import run_matching_bench

    try:
        report = run_matching_bench(
            invoices=invoices, po_lines=po_lines, suppliers=suppliers, seed=seed
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    figures = report.to_dict()
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))
    else:
        for line in _text_report(figures):
            typer.echo(line)
    if figures["wrong"]:
        raise typer.Exit(code=1)


def _text_report(figures: dict[str, Any]) -> list[str]:
    lines = [
        f"{figures['invoices']} invoices against {figures['po_lines']} PO lines"
        f" ({figures['orders']} orders, {figures['suppliers']} suppliers), seed {figures['seed']}",
        f"generation   {figures['generation_seconds']:.2f} s",
        f"matching     {figures['matching_seconds']:.2f} s wall,"
        f" {figures['matching_cpu_seconds']:.2f} s CPU",
        f"throughput   {figures['invoices_per_second']} invoices/s;"
        f" {figures['ms_per_invoice_mean']} ms per invoice, p99 {figures['ms_per_invoice_p99']} ms;"
        f" {figures['lines_per_invoice']} lines per invoice",
        "",
        *_confusion_table(figures["confusion"]),
        "",
        *_kind_table(figures["by_kind"]),
        "",
    ]
    if not figures["wrong"]:
        lines.append(f"all {figures['invoices']} documents got their expected outcome and reasons")
        return lines
    shown = figures["mismatches"]
    lines.append(
        f"{figures['wrong']} of {figures['invoices']} documents missed their expected outcome or"
        f" reasons; the first {len(shown)}:"
    )
    for miss in shown:
        lines.append(
            f"  #{miss['position']} {miss['document_id']} case {miss['case']} {miss['kind']}"
            f" ({miss['step']}),"
            f" supplier {miss['supplier']}, PO {', '.join(miss['order_numbers']) or '-'}:"
            f" expected {miss['expected_outcome']} {_codes(miss['expected_reasons'])},"
            f" got {miss['actual_outcome']} {_codes(miss['actual_reasons'])}"
        )
        lines.extend(f"      {message}" for message in miss["messages"])
    return lines


def _confusion_table(confusion: dict[str, dict[str, int]]) -> list[str]:
    names = [outcome.value for outcome in MatchOutcome]
    first = max(len("expected \\ actual"), *(len(name) for name in names))
    widths = [max(len(name), 6) for name in names]
    header = "expected \\ actual".ljust(first) + "".join(
        f"  {name:>{width}}" for name, width in zip(names, widths, strict=True)
    )
    rows = [
        expected.ljust(first)
        + "".join(
            f"  {confusion[expected][actual]:>{width}}"
            for actual, width in zip(names, widths, strict=True)
        )
        for expected in names
    ]
    return [header, *rows]


def _kind_table(kinds: list[dict[str, Any]]) -> list[str]:
    first = max(len("case kind"), *(len(kind["kind"]) for kind in kinds))
    lines = [f"{'case kind'.ljust(first)}  {'count':>6}  {'correct':>7}"]
    lines.extend(
        f"{kind['kind'].ljust(first)}  {kind['count']:>6}  {kind['correct']:>7}"
        + ("" if kind["count"] == kind["correct"] else "  <-")
        for kind in kinds
    )
    return lines


def _codes(codes: list[str]) -> str:
    return "{" + ", ".join(codes) + "}"
