"""The ``bilag`` command: run the service, manage tenants and keys, operate the pipeline."""

import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.bench_command import bench_app
from api.coding_command import coding_app
from api.history_command import history_app
from api.read_command import read_command
from models.db import session_scope
from models.tenants import (
    ALL_SCOPES,
    DuplicateCompanyError,
    InvalidOrgNumberError,
    company_by_org_number,
    create_company,
    issue_api_key,
    revoke_api_key,
)

if TYPE_CHECKING:
    from typing import TextIO

    from models.mail_ingest import MailIngestResult

app = typer.Typer(help="Bilag: AI-assisted accounts payable.", no_args_is_help=True)
company_app = typer.Typer(help="Companies (tenants).", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)
eval_app = typer.Typer(help="Accuracy figures on the shared sample data.", no_args_is_help=True)
app.add_typer(company_app, name="company")
app.add_typer(apikey_app, name="apikey")
app.add_typer(eval_app, name="eval")
app.add_typer(history_app, name="history")
app.add_typer(coding_app, name="coding")
app.add_typer(bench_app, name="bench")
app.command("read")(read_command)
CLI_ACTOR = "cli"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from models.migrate import upgrade_to_head

    upgrade_to_head()
    typer.echo("database is at the latest schema")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="Web server processes")] = 1,
) -> None:
    """Run the API and web inbox."""
    import uvicorn

    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="info",
    )


@app.command()
def worker(
    burst: Annotated[bool, typer.Option(help="Stop when the queue is empty")] = False,
    fork: Annotated[
        bool, typer.Option(help="Run each job in a child process (isolation, slower)")
    ] = False,
    name: str | None = None,
) -> None:
    """Run a pipeline worker."""
    from workers.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_worker(burst=burst, fork=fork, name=name)


@app.command()
def requeue(
    failed: Annotated[bool, typer.Option("--failed", help="Re-run failed documents")] = False,
    stalled: Annotated[
        bool, typer.Option("--stalled", help="Re-run documents stuck mid-pipeline")
    ] = False,
    older_than_minutes: Annotated[int, typer.Option(help="With --stalled: idle this long")] = 15,
    company: Annotated[str | None, typer.Option(help="Only this company (org number)")] = None,
) -> None:
    """Start a new pipeline run for failed or stalled documents."""
    from workers.jobs import requeue_failed, requeue_stalled

    if not failed and not stalled:
        raise _fail("say which documents: --failed and/or --stalled")
    company_id = None
    if company:
        with session_scope() as session:
            found = company_by_org_number(session, company)
            if found is None:
                raise _fail(f"no company with org number {company}")
            company_id = found.id
    if failed:
        typer.echo(f"requeued {requeue_failed(company_id)} failed document(s)")
    if stalled:
        count = requeue_stalled(timedelta(minutes=older_than_minutes), company_id)
        typer.echo(f"requeued {count} stalled document(s)")


@company_app.command("create")
def company_create(
    name: Annotated[str, typer.Option("--name")],
    org_number: Annotated[str, typer.Option("--org-number")],
    currency: Annotated[str, typer.Option("--currency")] = "NOK",
) -> None:
    """Create a company; prints its id."""
    try:
        with session_scope() as session:
            company = create_company(
                session, name=name, org_number=org_number, base_currency=currency, actor=CLI_ACTOR
            )
    except (InvalidOrgNumberError, DuplicateCompanyError) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(str(company.id))


@apikey_app.command("create")
def apikey_create(
    company: Annotated[str, typer.Option("--company", help="The company's org number")],
    name: Annotated[str, typer.Option("--name")] = "",
    scope: Annotated[list[str] | None, typer.Option("--scope", help="Repeat; default all")] = None,
) -> None:
    """Create an API key; prints it once. Only a hash is kept."""
    with session_scope() as session:
        found = company_by_org_number(session, company)
        if found is None:
            raise _fail(f"no company with org number {company}")
        try:
            issued = issue_api_key(
                session,
                company_id=found.id,
                name=name,
                scopes=tuple(scope) if scope else ALL_SCOPES,
                actor=CLI_ACTOR,
            )
        except ValueError as exc:
            raise _fail(str(exc)) from exc
    typer.echo(issued.plaintext)


@apikey_app.command("revoke")
def apikey_revoke(prefix: Annotated[str, typer.Argument(help="The key's prefix")]) -> None:
    """Revoke an API key by its prefix (the part after 'bk_')."""
    with session_scope() as session:
        key = revoke_api_key(session, prefix=prefix, actor=CLI_ACTOR)
    if key is None:
        raise _fail(f"no API key with prefix {prefix}")
    typer.echo(f"revoked {prefix}")


@app.command()
def demo(
    port: int = 8000,
    seed_only: Annotated[bool, typer.Option(help="Seed, print the key, and exit")] = False,
) -> None:
    """Migrate, seed a demo company with sample invoices, and run web + worker (+ Redis)."""
    from api.demo import run_demo

    run_demo(port=port, seed_only=seed_only)


@app.command(
    "ingest-mail",
    help=(
        "Take in a Maildir's unseen messages (new/, and cur/ without the S flag), oldest first: "
        "their attachments become documents with channel 'email', as if each message were "
        "posted to /api/v1/inbound-email. Each message is then marked seen (moved to cur/ with "
        "the S flag) unless --keep. A message taken in before creates nothing new, so running "
        "this twice is safe."
    ),
)
def ingest_mail_command(
    maildir: Annotated[Path, typer.Option("--maildir", help="A Maildir (with new/ and cur/)")],
    company: Annotated[str, typer.Option("--company", help="The company's org number")],
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave messages where they are, not marked seen")
    ] = False,
) -> None:
    """Mail is how most suppliers still send invoices; a local MTA delivering to a Maildir is
    the simplest way to receive it without a mail gateway that can post to the API."""
    import mailbox
    from collections import Counter

    from api.routes.inbound_email import ingest_mail_and_start, mail_limits
    from models.settings import get_settings
    from models.status import Channel
    from models.storage import get_blob_store

    try:
        box = mailbox.Maildir(maildir, factory=None, create=False)
    except mailbox.NoSuchMailboxError as exc:
        raise _fail(f"{maildir} is not a Maildir") from exc
    if not (maildir / "new").is_dir() or not (maildir / "cur").is_dir():
        raise _fail(f"{maildir} is not a Maildir: it needs new/ and cur/")
    with session_scope() as session:
        found = company_by_org_number(session, company)
        if found is None:
            raise _fail(f"no company with org number {company}")
        company_id = found.id
    store = get_blob_store()
    limits = mail_limits(get_settings())
    totals: Counter[str] = Counter()
    for key, path in _unseen_mail(maildir, box.colon):
        try:
            raw = box.get_bytes(key)
        except KeyError:
            continue  # taken by another reader since the listing
        with session_scope() as session:
            result = ingest_mail_and_start(
                session,
                store,
                company_id=company_id,
                raw=raw,
                channel=Channel.EMAIL,
                actor=CLI_ACTOR,
                limits=limits,
            )
        typer.echo(_mail_line(key, result))
        if not keep:
            _mark_seen(path, maildir, key, box.colon)
        created = len(result.created_documents)
        totals.update(
            messages=1,
            created=created,
            existing=len(result.documents) - created,
            skipped=len(result.skipped),
            without_invoice=0 if result.has_documents else 1,
        )
    typer.echo(
        f"{totals['messages']} message(s): {totals['created']} document(s) created, "
        f"{totals['existing']} existing, {totals['skipped']} part(s) skipped, "
        f"{totals['without_invoice']} message(s) without an invoice"
        + ("; left unseen (--keep)" if keep else "")
    )


def _unseen_mail(root: Path, colon: str) -> list[tuple[str, Path]]:
    """(key, file) of each unseen message, oldest first.

    Read from the file names (Maildir keeps flags there) rather than by opening every message,
    so a cur/ full of seen mail costs one directory listing.
    """
    found: list[tuple[float, str, Path]] = []
    for subdir in ("new", "cur"):
        for entry in (root / subdir).iterdir():
            if entry.name.startswith(".") or not entry.is_file():
                continue
            key, _, info = entry.name.partition(colon)
            flags = info[2:] if info.startswith("2,") else ""
            if subdir == "new" or "S" not in flags:
                found.append((entry.stat().st_mtime, key, entry))
    return [(key, path) for _, key, path in sorted(found)]


def _mark_seen(path: Path, root: Path, key: str, colon: str) -> None:
    """Move the message to cur/ with the S flag added: the Maildir way of saying 'read'."""
    _, _, info = path.name.partition(colon)
    flags = set(info[2:]) if info.startswith("2,") else set()
    target = root / "cur" / f"{key}{colon}2,{''.join(sorted(flags | {'S'}))}"
    try:
        path.rename(target)
    except FileNotFoundError:
        typer.echo(f"warning: {key} was moved by someone else; not marked seen", err=True)


def _mail_line(key: str, result: "MailIngestResult") -> str:
    """One line per message: who, what, and what came of each part."""
    message = result.message
    named: dict[bool, list[str]] = {True: [], False: []}  # by whether this message created it
    for item in result.documents:
        named[item.created].append(item.document.filename or str(item.document.id))
    parts = [
        f"{key}: from {message.sender or '?'}, subject {message.subject or ''!r}",
        f"created: {', '.join(named[True]) or '-'}",
        f"existing: {', '.join(named[False]) or '-'}",
    ]
    if result.skipped:
        parts.append(
            "skipped: "
            + "; ".join(
                f"{part.filename or 'unnamed part'} ({part.reason}: {part.message})"
                for part in result.skipped
            )
        )
    if not result.has_documents:
        parts.append(f"no invoice ({message.outcome}): {result.explanation}")
    return " | ".join(parts)


DataRoot = Annotated[
    Path | None,
    typer.Option(help="The shared data folder (holds einvoice/ and zugferd/)"),
]


def _data_root(given: Path | None) -> Path:
    from api.evaluate.einvoices import default_data_root

    root = given or default_data_root()
    if not root.is_dir():
        raise _fail(f"no shared data at {root}; pass --data-root or set BILAG_SHARED_DATA")
    return root


def _echo_json(report: dict) -> None:
    import json

    typer.echo(json.dumps(report, default=str))


@eval_app.command("einvoices")
def eval_einvoices(
    data_root: DataRoot = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Parse every e-invoice in manifest.csv and every Factur-X/ZUGFeRD PDF; count agreement."""
    from api.evaluate.einvoices import evaluate_manifest, evaluate_zugferd

    root = _data_root(data_root)
    report = {"manifest": evaluate_manifest(root), "zugferd": evaluate_zugferd(root)}
    if as_json:
        _echo_json(report)
        return
    for name, part in report.items():
        typer.echo(
            f"{name}: {part['files']} files, {part['parsed']} parsed, "
            f"{part['fully_agreeing']} agree on every field ({part['seconds']} s)"
        )
        for field, counts in part["fields"].items():
            typer.echo(f"  {field:<16} {counts['agree']}/{counts['total']}")
        for item in part["disagreements"] + part["errors"]:
            typer.echo(f"  ! {item}")
        if part["aligned"]:
            typer.echo(f"  ({len(part['aligned'])} compared by the table's own mapping; --json)")


@eval_app.command("validation")
def eval_validation(
    data_root: DataRoot = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Run the Peppol BIS rule unit tests (vefa testSets) through Bilag's validator."""
    from api.evaluate.validation import evaluate_peppol_unit_tests
    from models.settings import get_settings
    from workers.validation import validator_for

    root = _data_root(data_root)
    report = evaluate_peppol_unit_tests(
        root, validator_for(get_settings().validation_artifacts_dir)
    )
    if as_json:
        _echo_json(report)
        return
    for key in _VALIDATION_SUMMARY:
        typer.echo(f"{key}: {report[key]}")


_VALIDATION_SUMMARY = (
    "artefacts",
    "files",
    "files_agreeing",
    "tests",
    "tests_agreeing",
    "expectations",
    "agreeing",
    "disagreeing",
    "unexplained",
    "seconds",
)


@eval_app.command("scans")
def eval_scans(
    dpi: Annotated[int, typer.Option(help="Scan resolution")] = 300,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Scan a rendered invoice upright, turned, skewed, noisy and as a photo; count fields read."""
    from api.evaluate.scans import evaluate_scans

    report = evaluate_scans(dpi)
    if as_json:
        _echo_json(report)
        return
    typer.echo(f"{report['dpi']} dpi, {report['languages']}, fields: {', '.join(report['fields'])}")
    for variant in report["variants"]:
        wrong = f"  wrong: {variant['wrong']}" if variant["wrong"] else ""
        typer.echo(
            f"  {variant['variant']:<12} {variant['fields_right']}/{len(report['fields'])} right,"
            f" turned {variant['rotation']:>3}, skew {variant['skew']}, "
            f"{variant['seconds']:.2f} s{wrong}"
        )
    typer.echo(f"total: {report['fields_right']}/{report['fields_total']} fields right")


Datasets = ("zugferd", "fr_invoices", "generated", "generated_scans")


@eval_app.command("extraction")
def eval_extraction(
    dataset: Annotated[str, typer.Option(help=f"One of {', '.join(Datasets)}")] = "zugferd",
    protocol: Annotated[
        str, typer.Option(help="zero-shot, leave-one-layout-out or teach")
    ] = "zero-shot",
    teach: Annotated[int, typer.Option(help="Invoices taught per layout (teach)")] = 3,
    count: Annotated[int, typer.Option(help="Generated invoices")] = 200,
    seed: Annotated[int, typer.Option(help="Generator seed")] = 1000,
    fields: Annotated[str | None, typer.Option(help="Comma-separated fields to show")] = None,
    data_root: DataRoot = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    fit_calibration: Annotated[
        bool,
        typer.Option(
            "--fit-calibration",
            help="Fit the shipped confidence calibration on generated invoices (PDF and scans) "
            "of this seed and write ml/extraction/calibration.json",
        ),
    ] = False,
) -> None:
    """Per-field accuracy, line-item precision/recall and the confidence reliability table."""
    from api.evaluate.extraction import HEADLINE_FIELDS, evaluate_extraction, fitted_calibration
    from api.evaluate.extraction_data import (
        TokenCache,
        default_cache_dir,
        fr_invoice_cases,
        generated_cases,
        zugferd_cases,
    )
    from api.evaluate.extraction_metrics import format_report
    from ml.extraction.calibration import CALIBRATION_FILE, write_calibration

    cache = TokenCache(default_cache_dir())
    if fit_calibration:
        cases = [
            *generated_cases(count, seed, cache, scans=False),
            *generated_cases(count // 2, seed + count, cache, scans=True),
        ]
        write_calibration(fitted_calibration(cases))
        typer.echo(f"calibration fitted on {len(cases)} generated invoices: {CALIBRATION_FILE}")
        return
    if dataset not in Datasets:
        raise _fail(f"unknown dataset {dataset!r}; one of {', '.join(Datasets)}")
    typer.echo(f"reading {dataset} (cached OCR is reused) ...", err=True)
    # the receiving company's currency: the generated invoices go to a Norwegian company
    currency = "NOK" if dataset.startswith("generated") else None
    if dataset.startswith("generated"):
        cases = list(generated_cases(count, seed, cache, scans=dataset == "generated_scans"))
    else:
        root = _data_root(data_root)
        loader = zugferd_cases if dataset == "zugferd" else fr_invoice_cases
        cases = list(loader(root, cache))
    with typer.progressbar(length=len(cases), label=protocol, file=_stderr()) as bar:
        scores, printed, facts = evaluate_extraction(
            cases, protocol, teach=teach, default_currency=currency, progress=bar.update
        )
    if as_json:
        _echo_json(
            {"dataset": dataset, **facts, **scores.to_json(), "printed_only": printed.to_json()}
        )
        return
    shown = fields.split(",") if fields else None
    typer.echo(format_report(scores, f"{dataset} / {protocol}", shown))
    typer.echo("")
    typer.echo("fields whose true value is printed on the page (others are not readable):")
    sections = format_report(printed, f"{dataset} / {protocol} / printed", shown).split("\n\n")
    typer.echo("\n\n".join(sections[:2]))
    count, right = scores.share_right_at(0.9)
    typer.echo(f"fields reported at >= 0.9 confidence: {count}, right {right:.1%}")
    headline = [f for f in HEADLINE_FIELDS if f in {r["field"] for r in scores.field_table()}]
    typer.echo(f"headline fields: {', '.join(headline)}")
    typer.echo(" ".join(f"{key}={value}" for key, value in facts.items()))


def _stderr() -> "TextIO":
    import sys

    return sys.stderr


@app.command("extract")
def extract_command(
    files: Annotated[list[Path], typer.Argument(help="Invoice files: PDF, image or XML")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file")] = False,
    company: Annotated[
        str | None, typer.Option(help="Org number whose layout memory to use")
    ] = None,
) -> None:
    """Extract the canonical fields of each file; no server needed."""
    import json

    from api.extract_command import extract_file
    from models.errors import PermanentError

    failed = False
    for path in files:
        try:
            report = extract_file(path, company)
        except (OSError, PermanentError, LookupError) as error:
            failed = True
            typer.echo(json.dumps({"file": str(path), "error": str(error)}))
            continue
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False))
        else:
            typer.echo(report["file"])
            for name, field in report["fields"].items():
                typer.echo(f"  {name:<20} {field['value']!s:<40} {field['confidence']:.2f}")
            typer.echo(f"  {len(report['lines'])} line(s)")
    if failed:
        raise typer.Exit(1)


@app.command("teach")
def teach_command(
    file: Annotated[Path, typer.Argument(help="The invoice file")],
    truth: Annotated[Path, typer.Option("--truth", help="JSON with the canonical values")],
    company: Annotated[str | None, typer.Option(help="Org number of the company")] = None,
) -> None:
    """Record the file's true values as a person's correction would; the layout is learned."""
    import json

    from api.extract_command import teach_file

    try:
        report = teach_file(file, truth, company)
    except (OSError, ValueError, LookupError) as error:
        raise _fail(str(error)) from None
    typer.echo(json.dumps(report))


if __name__ == "__main__":
    app()
