"""The database schema. Every row carries ``company_id``: the company is the tenant.

Tables stay free of behaviour; rules live in plain functions elsewhere in ``models/``.
Amounts use :class:`ExactDecimal` (never float) and times :class:`UTCDateTime`.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from models.column_types import ExactDecimal, UTCDateTime, utc_now
from models.status import DocumentStatus, DocumentType


def _id() -> uuid.UUID:
    return uuid.uuid4()


def _created() -> Any:
    return Field(default_factory=utc_now, sa_column=Column(UTCDateTime(), nullable=False))


def _company() -> Any:
    return Field(foreign_key="company.id", index=True, nullable=False)


def _money(nullable: bool = True, scale: int = 2) -> Any:
    return Field(default=None, sa_column=Column(ExactDecimal(18, scale), nullable=nullable))


class Company(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    name: str = Field(max_length=200)
    org_number: str = Field(max_length=20, unique=True, index=True)
    base_currency: str = Field(default="NOK", max_length=3)
    created_at: datetime = _created()


class ApiKey(SQLModel, table=True):
    """Only a hash of the secret is stored; ``prefix`` lets people tell keys apart."""

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    name: str = Field(default="", max_length=200)
    prefix: str = Field(max_length=16, unique=True, index=True)
    secret_hash: str = Field(max_length=64)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _created()
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class User(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("company_id", "email"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    email: str = Field(max_length=254)
    name: str = Field(default="", max_length=200)
    role: str = Field(default="clerk", max_length=32)
    created_at: datetime = _created()


class Supplier(SQLModel, table=True):
    """A supplier, as Bilag learned it from invoices or as the company's ERP pushed it.

    ``external_id`` is the ERP's own id (upserts key on it); a supplier Bilag met first on an
    invoice has none until the ERP claims it by org number.
    """

    __table_args__ = (
        Index("ix_supplier_company_org", "company_id", "org_number"),
        UniqueConstraint("company_id", "external_id", name="uq_supplier_company_external_id"),
    )

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    name: str = Field(max_length=200)
    org_number: str | None = Field(default=None, max_length=20)
    vat_number: str | None = Field(default=None, max_length=32)
    country: str = Field(default="NO", max_length=2)
    external_id: str | None = Field(default=None, max_length=100)
    payment_terms_days: int | None = None
    default_coding: dict[str, Any] | None = Field(
        default=None,
        sa_column=Column(JSON),
        description="account, vat_code, department, project the ERP books this supplier on",
    )
    match_tolerances: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON), description="Overrides of the company's tolerances"
    )
    po_required: bool = Field(default=False, description="Its invoices must match an order")
    active: bool = True
    created_at: datetime = _created()
    updated_at: datetime = _created()


class SupplierBankAccount(SQLModel, table=True):
    """A supplier's known account; a payment to any other account is an exception."""

    __table_args__ = (UniqueConstraint("supplier_id", "account"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    supplier_id: uuid.UUID = Field(foreign_key="supplier.id", index=True)
    account: str = Field(max_length=40, description="BBAN digits or IBAN, no spaces")
    kind: str = Field(default="bban", max_length=8)
    created_at: datetime = _created()


class Document(SQLModel, table=True):
    """A file as received. The original bytes live in the blob store under ``sha256``."""

    __table_args__ = (
        UniqueConstraint("company_id", "sha256", name="uq_document_company_sha256"),
        UniqueConstraint("company_id", "idempotency_key", name="uq_document_company_idem"),
        Index("ix_document_company_received", "company_id", "received_at", "id"),
        Index("ix_document_company_status", "company_id", "status"),
    )

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    filename: str | None = Field(default=None, max_length=255)
    media_type: str = Field(max_length=100)
    sha256: str = Field(max_length=64)
    size_bytes: int
    channel: str = Field(max_length=16)
    idempotency_key: str | None = Field(default=None, max_length=200)
    status: str = Field(default=DocumentStatus.RECEIVED, max_length=16)
    status_reason: str | None = Field(default=None, max_length=64)
    status_message: str | None = Field(default=None, sa_column=Column(Text))
    failed_stage: str | None = Field(default=None, max_length=32)
    run: int = Field(default=1, description="Bumped by each reprocess; part of job ids")
    page_count: int | None = None
    inbound_message_id: uuid.UUID | None = Field(
        default=None, foreign_key="inboundmessage.id", index=True
    )
    einvoice_syntax: str | None = Field(
        default=None, max_length=32, description="Set when the invoice came as structured XML"
    )
    einvoice: dict[str, Any] | None = Field(
        default=None,
        sa_column=Column(JSON),
        description="The parsed e-invoice (EN 16931 model) as JSON, for display and audit",
    )
    validation_result: str | None = Field(
        default=None, max_length=16, description="ok, warning, fatal or unavailable"
    )
    received_at: datetime = _created()
    updated_at: datetime = _created()


class InboundMessage(SQLModel, table=True):
    """An email that brought documents in. The raw message is kept in the blob store."""

    __table_args__ = (
        UniqueConstraint("company_id", "sha256", name="uq_inbound_message_company_sha256"),
        Index("ix_inbound_message_company_received", "company_id", "received_at"),
    )

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    sha256: str = Field(max_length=64, description="Of the raw RFC 822 bytes, kept as a blob")
    size_bytes: int
    message_id: str | None = Field(default=None, max_length=998)
    sender: str | None = Field(default=None, max_length=998)
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str | None = Field(default=None, sa_column=Column(Text))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    channel: str = Field(max_length=16)
    outcome: str = Field(max_length=32, description="documents, or why nothing came of it")
    skipped: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="Parts that did not become documents, each with filename and reason",
    )
    received_at: datetime = _created()


class DocumentAttachment(SQLModel, table=True):
    """A file that came inside a document, such as the PDF embedded in an EHF invoice."""

    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    document_id: uuid.UUID = Field(foreign_key="document.id", index=True)
    position: int
    filename: str | None = Field(default=None, max_length=255)
    media_type: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, sa_column=Column(Text))
    sha256: str | None = Field(default=None, max_length=64)
    size_bytes: int | None = None
    external_uri: str | None = Field(default=None, sa_column=Column(Text))
    shown_as_pages: bool = Field(default=False, description="Its pages are the document's pages")
    created_at: datetime = _created()


class ValidationFinding(SQLModel, table=True):
    """One official business rule (EN 16931, Peppol BIS, NO-R) an e-invoice failed."""

    id: int | None = Field(default=None, primary_key=True)
    company_id: uuid.UUID = _company()
    document_id: uuid.UUID = Field(foreign_key="document.id", index=True)
    rule_id: str = Field(max_length=64)
    severity: str = Field(max_length=16, description="fatal, warning or information")
    message: str = Field(sa_column=Column(Text, nullable=False))
    location: str | None = Field(default=None, sa_column=Column(Text))
    artefact: str = Field(max_length=100, description="Rule set and version that reported it")
    created_at: datetime = _created()


class ExceptionCase(SQLModel, table=True):
    """Why a document waits for a person: one row per reason, closed when resolved.

    The exception queue is the set of documents with open cases; codes are stable so the inbox
    and API clients can filter and explain them.
    """

    __table_args__ = (Index("ix_exception_company_open", "company_id", "resolved_at"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    document_id: uuid.UUID = Field(foreign_key="document.id", index=True)
    code: str = Field(max_length=64)
    message: str = Field(sa_column=Column(Text, nullable=False))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _created()
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    resolved_by: str | None = Field(default=None, max_length=100)


class Page(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    document_id: uuid.UUID = Field(foreign_key="document.id", index=True)
    number: int
    width: float
    height: float
    source: str = Field(max_length=8)
    tokens: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    image_sha256: str | None = Field(
        default=None, max_length=64, description="Upright page image for the viewer, a blob"
    )
    image_media_type: str | None = Field(default=None, max_length=32)
    rotation: int = Field(default=0, description="Clockwise degrees turned to read it upright")
    skew: float | None = Field(default=None, description="Degrees of skew removed before OCR")


class Invoice(SQLModel, table=True):
    """The invoice a document carries, as currently believed (extracted or corrected)."""

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    document_id: uuid.UUID = Field(foreign_key="document.id", unique=True)
    supplier_id: uuid.UUID | None = Field(default=None, foreign_key="supplier.id")
    document_type: str = Field(default=DocumentType.INVOICE, max_length=16)
    invoice_number: str | None = Field(default=None, max_length=64)
    invoice_date: date | None = None
    due_date: date | None = None
    currency: str | None = Field(default=None, max_length=3)
    net_amount: Decimal | None = _money()
    vat_amount: Decimal | None = _money()
    total_amount: Decimal | None = _money()
    amount_due: Decimal | None = _money()
    supplier_org_number: str | None = Field(default=None, max_length=20)
    supplier_vat_number: str | None = Field(default=None, max_length=32)
    supplier_name: str | None = Field(default=None, max_length=200)
    buyer_org_number: str | None = Field(default=None, max_length=20)
    buyer_reference: str | None = Field(default=None, max_length=200)
    po_number: str | None = Field(default=None, max_length=64)
    kid: str | None = Field(default=None, max_length=25)
    bank_account: str | None = Field(default=None, max_length=40)
    supplier_matched_by: str | None = Field(default=None, max_length=16)
    proposed_supplier: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = _created()
    updated_at: datetime = _created()


class InvoiceLine(SQLModel, table=True):
    """One line; amounts are in the invoice's currency."""

    __table_args__ = (UniqueConstraint("invoice_id", "line_number"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    invoice_id: uuid.UUID = Field(foreign_key="invoice.id", index=True)
    line_number: int
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    item_code: str | None = Field(default=None, max_length=64)
    quantity: Decimal | None = _money(scale=4)
    unit: str | None = Field(default=None, max_length=16)
    unit_price: Decimal | None = _money(scale=4)
    vat_rate: Decimal | None = _money()
    amount: Decimal | None = _money()


class ExtractedField(SQLModel, table=True):
    """The current value of one canonical field, where it was found and how sure we are."""

    __table_args__ = (UniqueConstraint("document_id", "name"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    document_id: uuid.UUID = Field(foreign_key="document.id", index=True)
    name: str = Field(max_length=64)
    value: str | None = Field(default=None, sa_column=Column(Text))
    confidence: float
    page: int | None = None
    bbox: list[float] | None = Field(default=None, sa_column=Column(JSON))
    source: str = Field(max_length=8)
    created_at: datetime = _created()


class AuditEvent(SQLModel, table=True):
    """Append-only: who changed what, when, from which value to which."""

    __table_args__ = (Index("ix_audit_company_entity", "company_id", "entity_type", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: uuid.UUID = _company()
    at: datetime = _created()
    actor: str = Field(max_length=100)
    action: str = Field(max_length=64)
    entity_type: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    field: str | None = Field(default=None, max_length=64)
    old_value: Any = Field(default=None, sa_column=Column(JSON))
    new_value: Any = Field(default=None, sa_column=Column(JSON))
    detail: str | None = Field(default=None, sa_column=Column(String(500)))


class FieldCorrection(SQLModel, table=True):
    """A person's correction of one field, with where on the page it points: the lesson the
    layout memory and the learned scorer are trained on."""

    __table_args__ = (Index("ix_fieldcorrection_company_created", "company_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    document_id: uuid.UUID = Field(foreign_key="document.id", index=True)
    name: str = Field(max_length=64)
    old_value: Any = Field(default=None, sa_column=Column(JSON))
    new_value: Any = Field(default=None, sa_column=Column(JSON))
    page: int | None = None
    bbox: list[float] | None = Field(default=None, sa_column=Column(JSON))
    tokens: list[str] | None = Field(default=None, sa_column=Column(JSON))
    actor: str = Field(max_length=100)
    created_at: datetime = _created()


class LayoutTemplateRecord(SQLModel, table=True):
    """One learned supplier layout of a company (see ``ml.extraction.layout_memory``)."""

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    supplier_id: uuid.UUID | None = Field(default=None, foreign_key="supplier.id")
    template: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    examples: int = 1
    updated_at: datetime = _created()


class ModelVersion(SQLModel, table=True):
    """The model registry: every trained model of a company, its metrics and its artifact.

    ``fingerprint`` is a digest of the training data, so a retrain with nothing new is
    skipped; ``active`` marks the version in use.
    """

    __table_args__ = (UniqueConstraint("company_id", "kind", "version"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    kind: str = Field(max_length=32)
    version: int
    fingerprint: str = Field(max_length=64)
    rows: int
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    artifact: str = Field(max_length=500)
    active: bool = True
    trained_at: datetime = _created()


class PostingHistory(SQLModel, table=True):
    """One confirmed coding of one posted line: what the coding model learns from.

    Rows come from an ERP's history import, from invoices Bilag posts and from clerks'
    confirmations; ``row_key`` makes a re-import of the same row a no-op. ``seq`` orders rows
    as they arrived, so a model knows which postings it has not yet seen.
    """

    __table_args__ = (
        UniqueConstraint("company_id", "row_key", name="uq_postinghistory_company_row_key"),
        Index("ix_postinghistory_company_seq", "company_id", "seq"),
        Index("ix_postinghistory_company_supplier", "company_id", "supplier_id"),
        # An invoice's supplier is looked up in the history by name, in any case.
        Index(
            "ix_postinghistory_company_supplier_name", "company_id", text("lower(supplier_name)")
        ),
    )

    # BIGINT on PostgreSQL (all companies share the sequence); SQLite autoincrements only an
    # INTEGER primary key.
    seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    company_id: uuid.UUID = _company()
    row_key: str = Field(max_length=64)
    posting_date: date
    supplier_id: str | None = Field(default=None, max_length=100)
    supplier_name: str | None = Field(default=None, max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    amount: Decimal = _money(nullable=False)
    currency: str = Field(max_length=3)
    account: str = Field(max_length=200)
    vat_code: str | None = Field(default=None, max_length=200)
    department: str | None = Field(default=None, max_length=200)
    project: str | None = Field(default=None, max_length=200)
    source: str = Field(max_length=16, description="import, auto (coded by Bilag) or confirmed")
    document_id: uuid.UUID | None = Field(default=None, foreign_key="document.id")
    created_at: datetime = _created()


class LineCoding(SQLModel, table=True):
    """The coding of one invoice line for one target (account, vat_code, department, project).

    ``suggestions`` keeps the model's ranked proposals with probabilities and ``explanation``
    the past postings behind them, so a clerk sees why; ``state`` says who decided the value.
    Line number 0 stands for an invoice read without lines, coded as a whole.
    """

    __table_args__ = (UniqueConstraint("invoice_id", "line_number", "target"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    invoice_id: uuid.UUID = Field(foreign_key="invoice.id", index=True)
    line_number: int
    target: str = Field(max_length=16)
    value: str | None = Field(default=None, max_length=200)
    probability: float | None = None
    state: str = Field(max_length=16, description="suggested, abstained, auto_accepted, confirmed")
    suggestions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    explanation: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    model_version: int | None = None
    decided_by: str | None = Field(default=None, max_length=100)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class LedgerCode(SQLModel, table=True):
    """One value of a company's chart: a GL account, VAT code, department or project.

    One table for the four because the ERP sends them alike (code, name, active) and coding
    validates a line's values against them alike; VAT codes add their rate and the SAF-T
    standard code they report under.
    """

    __table_args__ = (
        UniqueConstraint("company_id", "kind", "code", name="uq_ledgercode_company_kind_code"),
    )

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    kind: str = Field(max_length=16, description="account, vat_code, department or project")
    code: str = Field(max_length=100, description="The ERP's code, also its external id")
    name: str = Field(default="", max_length=300)
    active: bool = True
    vat_rate: Decimal | None = _money()
    standard_code: str | None = Field(
        default=None, max_length=16, description="SAF-T standard VAT code or account"
    )
    deductible: bool | None = Field(default=None, description="Input VAT that may be deducted")
    created_at: datetime = _created()
    updated_at: datetime = _created()


class MatchPolicy(SQLModel, table=True):
    """A company's matching tolerances and defaults (see ``models.matching.records``)."""

    company_id: uuid.UUID = Field(foreign_key="company.id", primary_key=True)
    tolerances: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    three_way_default: bool = True
    duplicate_window_days: int = 7
    updated_at: datetime = _created()


class PurchaseOrder(SQLModel, table=True):
    """An order the ERP pushed. ``number_key`` is the number normalised for lookup from an
    invoice's reference, which seldom prints it exactly as the ERP stores it."""

    __table_args__ = (
        UniqueConstraint("company_id", "external_id", name="uq_purchaseorder_company_external"),
        Index("ix_purchaseorder_company_number_key", "company_id", "number_key"),
        Index("ix_purchaseorder_company_supplier_status", "company_id", "supplier_id", "status"),
    )

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    external_id: str = Field(max_length=100)
    number: str = Field(max_length=100)
    number_key: str = Field(max_length=100)
    supplier_id: uuid.UUID | None = Field(default=None, foreign_key="supplier.id")
    supplier_external_id: str | None = Field(default=None, max_length=100)
    currency: str = Field(max_length=3)
    order_date: date | None = None
    status: str = Field(default="open", max_length=16, description="open, closed, cancelled")
    three_way: bool | None = Field(default=None, description="None: the company's default")
    source: str = Field(default="api", max_length=16, description="api or ehf")
    created_at: datetime = _created()
    updated_at: datetime = _created()


class PurchaseOrderLine(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("order_id", "line_number"),)

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    order_id: uuid.UUID = Field(foreign_key="purchaseorder.id", index=True)
    line_number: int
    item_code: str | None = Field(default=None, max_length=100)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    quantity: Decimal = _money(nullable=False, scale=4)
    unit: str | None = Field(default=None, max_length=16)
    unit_price: Decimal = _money(nullable=False, scale=4)
    vat_rate: Decimal | None = _money()
    account: str | None = Field(default=None, max_length=100)
    closed: bool = False


class GoodsReceipt(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("company_id", "external_id", name="uq_goodsreceipt_company_external"),
    )

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    external_id: str = Field(max_length=100)
    receipt_date: date
    source: str = Field(default="api", max_length=16, description="api or ehf")
    created_at: datetime = _created()
    updated_at: datetime = _created()


class GoodsReceiptLine(SQLModel, table=True):
    """Quantity of one order line received (negative: returned). A receipt sent again
    replaces its lines, so the received quantity is always the sum of the current lines."""

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    receipt_id: uuid.UUID = Field(foreign_key="goodsreceipt.id", index=True)
    order_line_id: uuid.UUID = Field(foreign_key="purchaseorderline.id", index=True)
    quantity: Decimal = _money(nullable=False, scale=4)


class InvoiceMatchRecord(SQLModel, table=True):
    """The latest matching verdict of a document, with every line's reasons and numbers."""

    __tablename__ = "invoicematch"
    __table_args__ = (Index("ix_invoicematch_company_awaiting", "company_id", "awaiting_erp_data"),)

    document_id: uuid.UUID = Field(foreign_key="document.id", primary_key=True)
    company_id: uuid.UUID = _company()
    invoice_id: uuid.UUID = Field(foreign_key="invoice.id")
    outcome: str = Field(max_length=24)
    mode: str | None = Field(default=None, max_length=16)
    duplicate_of: uuid.UUID | None = Field(default=None, foreign_key="document.id")
    awaiting_erp_data: bool = Field(
        default=False,
        description="Held for goods not yet received or an order not yet known: matched "
        "again when the ERP sends them",
    )
    supplier_id: uuid.UUID | None = Field(default=None, foreign_key="supplier.id")
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    matched_at: datetime = _created()


class MatchAllocation(SQLModel, table=True):
    """Quantity of an order line an invoice bills (negative for a credit note): the sum over
    invoices is the line's invoiced quantity, so received goods are never billed twice."""

    id: uuid.UUID = Field(default_factory=_id, primary_key=True)
    company_id: uuid.UUID = _company()
    document_id: uuid.UUID = Field(foreign_key="document.id", index=True)
    order_line_id: uuid.UUID = Field(foreign_key="purchaseorderline.id", index=True)
    quantity: Decimal = _money(nullable=False, scale=4)
    amount: Decimal = _money(nullable=False)
