"""The ``bilag`` command: run the service, manage tenants and keys, operate the pipeline."""

import logging
from datetime import timedelta
from typing import Annotated

import typer

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

app = typer.Typer(help="Bilag: AI-assisted accounts payable.", no_args_is_help=True)
company_app = typer.Typer(help="Companies (tenants).", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(company_app, name="company")
app.add_typer(apikey_app, name="apikey")
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


if __name__ == "__main__":
    app()
