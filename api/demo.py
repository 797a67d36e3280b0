"""`bilag demo`: a working Bilag on one machine with nothing but the defaults.

Migrates the SQLite database, starts its own redis-server unless ``REDIS_URL`` is set, seeds a
demo company with suppliers, two years of posting history (and its coding model), purchase
orders with goods receipts and sample invoices, then runs the web server and one worker until
Ctrl-C, stopping everything it started.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import typer
from sqlmodel import Session, select

from models.db import session_scope
from models.identifiers import vat_number_for
from models.ingest import ingest_document, stage_bytes
from models.master_data import (
    GoodsReceiptLineRecord,
    GoodsReceiptRecord,
    PurchaseOrderLineRecord,
    PurchaseOrderRecord,
)
from models.migrate import upgrade_to_head
from models.settings import get_settings
from models.status import Channel
from models.storage import get_blob_store
from models.tables import Company, Supplier, SupplierBankAccount
from models.tenants import company_by_org_number, create_company, issue_api_key
from workers.coding_training import train_company_coding
from workers.invoice_generator import generated_invoices, scan_of
from workers.jobs import start_pipeline
from workers.master_data_store import store_goods_receipts, store_purchase_orders
from workers.posting_history_store import store_history_rows
from workers.sample_ehf import EhfExtras, render_sample_invoice_ehf
from workers.sample_history import demo_history
from workers.sample_scans import render_sample_invoice_scan
from workers.samples import SampleInvoice, SampleLine, render_sample_invoice_pdf

DEMO_ACTOR = "demo"
DEMO_COMPANY_NAME = "Nordlys Demo AS"
DEMO_COMPANY_ORG_NUMBER = "912345688"
_VAT = Decimal("25")


@dataclass(frozen=True)
class DemoSupplier:
    """``received``: per invoice line, how much of it the demo's order has received; None
    when the supplier is not bought from on orders."""

    name: str
    org_number: str
    account: str
    lines: tuple[SampleLine, ...]
    received: tuple[Decimal, ...] | None = None


DEMO_SUPPLIERS = (
    DemoSupplier(
        "Fjordlys Elektro AS",
        "923456783",
        "15031234562",
        (
            SampleLine("Elektrikertimer", Decimal("6"), Decimal("950.00"), _VAT),
            SampleLine("Kabel og materiell", Decimal("1"), Decimal("1480.50"), _VAT),
        ),
        received=(Decimal("6"), Decimal("1")),  # all delivered: the invoice matches
    ),
    DemoSupplier(
        "Kontorhuset Bergen AS",
        "934567897",
        "12063344557",
        (
            SampleLine("Kopipapir A4, 5 x 500 ark", Decimal("4"), Decimal("329.00"), _VAT),
            SampleLine("Blekkpatroner", Decimal("2"), Decimal("1189.90"), _VAT),
        ),
        received=(Decimal("4"), Decimal("0")),  # cartridges not delivered: waits for goods
    ),
    DemoSupplier(
        "Vestland Reinhold AS",
        "945678909",
        "15031234570",
        (SampleLine("Renhold kontorlokaler, oktober", Decimal("1"), Decimal("8400.00"), _VAT),),
    ),
)


UNKNOWN_ACCOUNT = "15032080119"
DEMO_GENERATED = 6
DEMO_SEED = 4242


def _sample_invoices(buyer: Company) -> list[SampleInvoice]:
    today = date.today()
    return [
        SampleInvoice(
            supplier_name=supplier.name,
            supplier_org_number=supplier.org_number,
            buyer_name=buyer.name,
            buyer_org_number=buyer.org_number,
            invoice_number=str(20260 + index),
            invoice_date=today - timedelta(days=3 + index),
            due_date=today + timedelta(days=11 + index),
            currency="NOK",
            lines=supplier.lines,
            layout="right" if index % 2 == 0 else "below",
        )
        for index, supplier in enumerate(DEMO_SUPPLIERS)
    ]


def seed_demo() -> tuple[Company, str]:
    """Create (or reuse) the demo company and suppliers, queue sample invoices, issue a key."""
    store = get_blob_store()
    with session_scope() as session:
        company = company_by_org_number(session, DEMO_COMPANY_ORG_NUMBER) or create_company(
            session, name=DEMO_COMPANY_NAME, org_number=DEMO_COMPANY_ORG_NUMBER, actor=DEMO_ACTOR
        )
        _seed_suppliers(session, company)
        _seed_orders(session, company)
        store_history_rows(
            session, company.id, demo_history(date.today()), actor=DEMO_ACTOR, detail="demo"
        )
        issued = issue_api_key(session, company_id=company.id, name="demo", actor=DEMO_ACTOR)
    # Trained before the invoices arrive, so the pipeline codes them (skipped when unchanged).
    train_company_coding(company.id, actor=DEMO_ACTOR)
    received = [_as_received(i, spec) for i, spec in enumerate(_sample_invoices(company))]
    for data, filename, media_type in [*received, *_generated_invoices()]:
        staged = stage_bytes(store, data, filename)
        with session_scope() as session:
            result = ingest_document(
                session,
                store,
                staged=staged,
                company_id=company.id,
                media_type=media_type,
                channel=Channel.DEMO,
                actor=DEMO_ACTOR,
            )
        if result.created:
            start_pipeline(result.document)
    return company, issued.plaintext


def _generated_invoices() -> list[tuple[bytes, str, str]]:
    """Invoices from unknown suppliers in as many layouts, one of them scanned: what an inbox
    sees on a Monday, and what the proposed-supplier and review queue are for."""
    invoices = list(generated_invoices(DEMO_GENERATED, seed=DEMO_SEED))
    received = [(invoice.pdf, f"{invoice.name}.pdf", "application/pdf") for invoice in invoices]
    media_type, scan = scan_of(invoices[0], seed=DEMO_SEED)
    extension = "png" if media_type == "image/png" else "tif"
    received.append((scan, f"{invoices[0].name}-scan.{extension}", media_type))
    return received


def _as_received(index: int, spec: SampleInvoice) -> tuple[bytes, str, str]:
    """One sample per way invoices arrive: a PDF, an EHF e-invoice, a scan."""
    name = f"faktura-{spec.invoice_number}"
    if index % 3 == 1:
        # paid to an account the register does not hold: the demo's bank_account_changed case
        extras = EhfExtras(bank_account=UNKNOWN_ACCOUNT)
        return render_sample_invoice_ehf(spec, extras), f"{name}.xml", "application/xml"
    if index % 3 == 2:
        return render_sample_invoice_scan(spec), f"{name}.png", "image/png"
    return render_sample_invoice_pdf(spec), f"{name}.pdf", "application/pdf"


def _seed_suppliers(session: Session, company: Company) -> None:
    for demo in DEMO_SUPPLIERS:
        exists = session.exec(
            select(Supplier).where(
                Supplier.company_id == company.id, Supplier.org_number == demo.org_number
            )
        ).first()
        if exists:
            continue
        supplier = Supplier(
            company_id=company.id,
            name=demo.name,
            org_number=demo.org_number,
            vat_number=vat_number_for(demo.org_number),
        )
        session.add(supplier)
        session.flush()
        session.add(
            SupplierBankAccount(
                company_id=company.id, supplier_id=supplier.id, account=demo.account
            )
        )


def _seed_orders(session: Session, company: Company) -> None:
    """An order per supplier bought from on orders, with what has been received of it."""
    ordered = [(n, demo) for n, demo in enumerate(DEMO_SUPPLIERS) if demo.received is not None]
    orders = [
        PurchaseOrderRecord(
            external_id=f"DEMO-PO-{4500 + n}",
            number=f"{4500 + n}",
            currency="NOK",
            supplier_org_number=demo.org_number,
            order_date=date.today() - timedelta(days=30),
            lines=tuple(
                PurchaseOrderLineRecord(
                    line_number=number,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    vat_rate=line.vat_rate,
                )
                for number, line in enumerate(demo.lines, start=1)
            ),
        )
        for n, demo in ordered
    ]
    store_purchase_orders(session, company.id, orders, actor=DEMO_ACTOR)
    session.flush()
    receipts = [
        GoodsReceiptRecord(
            external_id=f"DEMO-GR-{4500 + n}",
            order_number=f"{4500 + n}",
            receipt_date=date.today() - timedelta(days=7),
            lines=tuple(
                GoodsReceiptLineRecord(order_line_number=number, quantity=quantity)
                for number, quantity in enumerate(demo.received or (), start=1)
                if quantity
            ),
        )
        for n, demo in ordered
    ]
    store_goods_receipts(session, company.id, receipts, actor=DEMO_ACTOR)


def _free_port(preferred: int) -> int:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", preferred)) != 0:
            return preferred
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(
    port: int, process: subprocess.Popen[bytes], what: str, seconds: float = 20
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start listening on port {port}")


def _start_redis(children: list[subprocess.Popen[bytes]]) -> str:
    if os.environ.get("REDIS_URL") or os.environ.get("BILAG_REDIS_URL"):
        return get_settings().redis_url
    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError("redis-server is not installed; install it or set REDIS_URL")
    port = _free_port(6390)
    work_dir = Path(get_settings().storage_root).parent / "redis"
    work_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(work_dir),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    children.append(process)
    _wait_for_port(port, process, "redis-server")
    return f"redis://127.0.0.1:{port}/0"


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run_demo(*, port: int, seed_only: bool) -> None:
    children: list[subprocess.Popen[bytes]] = []
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the demo like Ctrl-C does
    try:
        redis_url = _start_redis(children)
        os.environ["BILAG_REDIS_URL"] = redis_url
        get_settings.cache_clear()
        upgrade_to_head()
        company, key = seed_demo()
        if seed_only:
            typer.echo(key)
            return
        command = [sys.executable, "-m", "api.cli"]
        web = subprocess.Popen([*command, "serve", "--port", str(port)], start_new_session=True)
        children.append(web)
        children.append(subprocess.Popen([*command, "worker"], start_new_session=True))
        _wait_for_port(port, web, "the web server")
        typer.echo(
            f"\nBilag is running: http://127.0.0.1:{port}/  (API docs: http://127.0.0.1:{port}/docs)\n"
            f"Demo company: {company.name} ({company.org_number})\n"
            f"Demo API key: {key}\n\n"
            f'Try: curl -H "Authorization: Bearer {key}" http://127.0.0.1:{port}/api/v1/documents\n'
            "Ctrl-C stops everything.\n"
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        raise RuntimeError("a demo process exited unexpectedly")
    except KeyboardInterrupt:
        typer.echo("\nstopping")
    finally:
        _stop(children)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    """Stop in reverse start order, each fully, so the worker finishes before Redis goes.

    Children run in sessions of their own, so Ctrl-C reaches only this process and the
    shutdown order stays ours rather than the terminal's.
    """
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
