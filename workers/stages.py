"""What each pipeline stage does to one document: load, call pure code, save.

Stages raise :class:`PermanentError` for input that can never be processed; any other exception
is transient and the job is retried.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import delete
from sqlmodel import Session, col, select

from ml.extraction.extractor import Extraction, FieldValue
from ml.extraction.line_items import LineItem
from models.audit import record_audit
from models.column_types import utc_now
from models.einvoice import EInvoice, claims_en16931_compliance
from models.einvoice_fields import fields_from_einvoice
from models.errors import PermanentError
from models.exception_cases import ExceptionReason, sync_exception_cases
from models.settings import Settings
from models.status import DocumentStatus
from models.storage import BlobStore, store_bytes
from models.supplier_identification import (
    KnownSupplier,
    SupplierEvidence,
    SupplierIdentification,
    SupplierRegister,
)
from models.tables import (
    Company,
    Document,
    DocumentAttachment,
    ExtractedField,
    Invoice,
    InvoiceLine,
    Page,
    Supplier,
    SupplierBankAccount,
    ValidationFinding,
)
from models.tokens import PageTokens, TokenSource
from workers.company_extraction import extract_for_company
from workers.readers import Reader, ReadOptions, reader_for
from workers.readers.result import PageRead, ReadResult
from workers.validation import validate_einvoice_xml


@dataclass
class StageContext:
    session: Session
    document: Document
    store: BlobStore
    settings: Settings


def _reader(document: Document) -> Reader:
    reader = reader_for(document.media_type)
    if reader is None:
        raise PermanentError(
            "unsupported_media_type", f"Bilag has no reader for {document.media_type} yet."
        )
    return reader


def _verified_original(ctx: StageContext) -> bytes:
    data = ctx.store.read(ctx.document.sha256)
    if hashlib.sha256(data).hexdigest() != ctx.document.sha256:
        raise PermanentError(
            "blob_corrupt", "The stored original no longer matches its SHA-256; restore it."
        )
    return data


def receive_document(ctx: StageContext) -> DocumentStatus | None:
    """Check the stored original is intact and within the page limit before spending work on it."""
    data = _verified_original(ctx)
    options = ReadOptions.from_settings(ctx.settings)
    pages = _reader(ctx.document).count_pages(data, options)
    if pages > ctx.settings.max_pages:
        raise PermanentError(
            "too_many_pages",
            f"The document has {pages} pages; the limit is {ctx.settings.max_pages}.",
        )
    ctx.document.page_count = pages
    ctx.session.add(ctx.document)
    return None


def read_document(ctx: StageContext) -> DocumentStatus | None:
    """Turn the original into page tokens and, for e-invoices, data and rule findings.

    Everything a previous run produced is replaced. The receive stage has just checked the
    original against its digest; no need to hash again.
    """
    data = ctx.store.read(ctx.document.sha256)
    result = _reader(ctx.document).read(data, ReadOptions.from_settings(ctx.settings))
    _replace_pages(ctx, result.pages)
    _replace_einvoice(ctx, result)
    if result.notes:
        record_audit(
            ctx.session,
            company_id=ctx.document.company_id,
            actor="worker",
            action="document.read",
            entity_type="document",
            entity_id=ctx.document.id,
            detail=" ".join(result.notes),
        )
    return None


def _replace_pages(ctx: StageContext, pages: list[PageRead]) -> None:
    ctx.session.exec(delete(Page).where(col(Page.document_id) == ctx.document.id))
    for page in pages:
        ctx.session.add(
            Page(
                company_id=ctx.document.company_id,
                document_id=ctx.document.id,
                number=page.tokens.number,
                width=page.tokens.width,
                height=page.tokens.height,
                source=page.tokens.source.value,
                tokens=page.tokens.to_json(),
                image_sha256=store_bytes(ctx.store, page.image) if page.image else None,
                image_media_type=page.image_media_type if page.image else None,
                rotation=page.rotation,
                skew=page.skew,
            )
        )
    ctx.document.page_count = len(pages)


def _replace_einvoice(ctx: StageContext, result: ReadResult) -> None:
    document = ctx.document
    for table in (ValidationFinding, DocumentAttachment):
        ctx.session.exec(delete(table).where(col(table.document_id) == document.id))
    einvoice = result.einvoice
    document.einvoice = einvoice.to_json() if einvoice else None
    document.einvoice_syntax = einvoice.syntax.value if einvoice else None
    document.validation_result = None
    if einvoice is None or result.xml is None:
        ctx.session.add(document)
        return
    _store_attachments(ctx, einvoice)
    outcome = validate_einvoice_xml(result.xml, einvoice, ctx.settings.validation_artifacts_dir)
    document.validation_result = outcome.result
    for finding in outcome.findings:
        ctx.session.add(
            ValidationFinding(
                company_id=document.company_id,
                document_id=document.id,
                rule_id=finding.rule_id,
                severity=finding.severity.value,
                message=finding.message,
                location=finding.location,
                artefact=finding.artefact,
            )
        )
    if outcome.note:
        result.notes.append(outcome.note)
    ctx.session.add(document)


def _store_attachments(ctx: StageContext, einvoice: EInvoice) -> None:
    display = einvoice.display_pdf()
    for position, attachment in enumerate(einvoice.attachments, start=1):
        ctx.session.add(
            DocumentAttachment(
                company_id=ctx.document.company_id,
                document_id=ctx.document.id,
                position=position,
                filename=(attachment.filename or "")[:255] or None,
                media_type=(attachment.media_type or "")[:100] or None,
                description=attachment.description,
                sha256=store_bytes(ctx.store, attachment.data) if attachment.data else None,
                size_bytes=len(attachment.data) if attachment.data else None,
                external_uri=attachment.uri,
                shown_as_pages=attachment is display,
            )
        )


def _load_pages(session: Session, document: Document) -> list[PageTokens]:
    rows = session.exec(
        select(Page).where(Page.document_id == document.id).order_by(col(Page.number))
    )
    return [PageTokens.from_json(row.tokens) for row in rows]


def _fields_of_einvoice(einvoice: EInvoice) -> dict[str, FieldValue]:
    """E-invoice fields are stated, not guessed: full confidence, source ``xml``."""
    return {
        name: FieldValue(name, value, 1.0, None, None, TokenSource.XML)
        for name, value in fields_from_einvoice(einvoice).items()
    }


_EXTRACT_OWNS = frozenset({"einvoice_invalid", "bank_account_changed"})


def extract_document(ctx: StageContext) -> DocumentStatus | None:
    """Find the invoice fields and keep them; a clerk's correction is never overwritten.

    Returns ``needs_review`` when the document has open exception cases.
    """
    document = ctx.document
    einvoice = EInvoice.from_json(document.einvoice) if document.einvoice is not None else None
    extraction: Extraction | None = None
    if einvoice is not None:
        found = _fields_of_einvoice(einvoice)
    else:
        company = ctx.session.get(Company, document.company_id)
        extraction = extract_for_company(
            ctx.session,
            document.company_id,
            _load_pages(ctx.session, document),
            company.base_currency if company else None,
        ).extraction
        found = dict(extraction.fields)
        if extraction.vat_breakdown:
            rows = [row.to_json() for row in extraction.vat_breakdown]
            found["vat_breakdown"] = FieldValue(
                "vat_breakdown", json.dumps(rows), 0.9, None, None, extraction.fields_source
            )
    existing = {
        row.name: row
        for row in ctx.session.exec(
            select(ExtractedField).where(ExtractedField.document_id == document.id)
        )
    }
    corrected = {name for name, row in existing.items() if row.source == TokenSource.HUMAN}
    for name, value in found.items():
        if name in corrected:
            continue
        row = existing.get(name) or ExtractedField(
            company_id=document.company_id, document_id=document.id, name=name
        )
        _apply_field(row, value)
        ctx.session.add(row)
    for name, row in existing.items():
        if name not in found and name not in corrected:
            ctx.session.delete(row)
    current = {name: value.value for name, value in found.items()}
    current |= {name: existing[name].value for name in corrected}
    invoice = save_invoice(ctx.session, document, current)
    if einvoice is not None:
        _save_einvoice_lines(ctx.session, invoice, einvoice)
    elif extraction is not None:
        _save_extracted_lines(ctx.session, invoice, extraction.lines)
    identification = _identify_supplier(ctx.session, invoice, current)
    reasons = _validation_reasons(ctx.session, document, einvoice)
    reasons += _supplier_reasons(identification, current)
    open_cases = sync_exception_cases(
        ctx.session, document, reasons, owned_codes=_EXTRACT_OWNS, actor="worker"
    )
    return DocumentStatus.NEEDS_REVIEW if open_cases else None


def _identify_supplier(
    session: Session, invoice: Invoice, values: dict[str, str | None]
) -> SupplierIdentification:
    """Match the invoice to the company's supplier register; an unknown one is proposed."""
    suppliers = session.exec(
        select(Supplier).where(Supplier.company_id == invoice.company_id)
    ).all()
    accounts: dict[str, set[str]] = {}
    for account in session.exec(
        select(SupplierBankAccount).where(SupplierBankAccount.company_id == invoice.company_id)
    ):
        accounts.setdefault(str(account.supplier_id), set()).add(account.account)
    register = SupplierRegister(
        KnownSupplier(
            id=str(s.id),
            name=s.name,
            org_number=s.org_number,
            vat_number=s.vat_number,
            bank_accounts=frozenset(accounts.get(str(s.id), ())),
        )
        for s in suppliers
    )
    evidence = SupplierEvidence(
        name=values.get("supplier_name"),
        org_number=values.get("supplier_org_number"),
        vat_number=values.get("supplier_vat_number"),
        bank_account=values.get("bank_account"),
        iban=values.get("iban"),
    )
    found = register.identify(evidence)
    invoice.supplier_id = uuid.UUID(found.supplier_id) if found.supplier_id else None
    invoice.supplier_matched_by = found.matched_by
    has_evidence = any((evidence.name, evidence.org_number, evidence.vat_number, evidence.iban))
    invoice.proposed_supplier = (
        {
            "name": evidence.name,
            "org_number": evidence.org_number,
            "vat_number": evidence.vat_number,
            "bank_account": evidence.iban or evidence.bank_account,
            "notes": list(found.notes),
        }
        if found.proposed_new and has_evidence
        else None
    )
    session.add(invoice)
    return found


def _supplier_reasons(
    found: SupplierIdentification, values: dict[str, str | None]
) -> list[ExceptionReason]:
    """A known supplier asking to be paid to an account not on file: the classic fraud."""
    if not found.bank_account_changed:
        return []
    account = values.get("iban") or values.get("bank_account")
    return [
        ExceptionReason(
            code="bank_account_changed",
            message=(
                f"The invoice asks for payment to {account}, which is not an account on file "
                "for this supplier. Verify the change with the supplier by phone before paying."
            ),
            detail={
                "supplier_id": found.supplier_id,
                "account": account,
                "matched_by": found.matched_by,
                "notes": list(found.notes),
            },
        )
    ]


def _save_extracted_lines(session: Session, invoice: Invoice, items: list[LineItem]) -> None:
    session.exec(delete(InvoiceLine).where(col(InvoiceLine.invoice_id) == invoice.id))
    for number, item in enumerate(items, start=1):
        session.add(
            InvoiceLine(
                company_id=invoice.company_id,
                invoice_id=invoice.id,
                line_number=number,
                description=item.description,
                item_code=_clip(item.item_code, 64),
                quantity=item.quantity,
                unit=_clip(item.unit, 16),
                unit_price=item.unit_price,
                vat_rate=item.vat_rate,
                amount=item.amount,
            )
        )


def _validation_reasons(
    session: Session, document: Document, einvoice: EInvoice | None
) -> list[ExceptionReason]:
    """A fatal rule holds an XML e-invoice, and a PDF's embedded XML that claims EN 16931.

    For a Factur-X/ZUGFeRD PDF in an extension or reduced profile the PDF is the invoice and
    the XML an aid: its findings are kept on the document but do not hold it.
    """
    if document.validation_result != "fatal" or einvoice is None:
        return []
    compliant = claims_en16931_compliance(einvoice.customization_id)
    if document.media_type != "application/xml" and not compliant:
        return []
    fatal = session.exec(
        select(ValidationFinding).where(
            ValidationFinding.document_id == document.id, ValidationFinding.severity == "fatal"
        )
    ).all()
    rules = sorted({finding.rule_id for finding in fatal})
    return [
        ExceptionReason(
            code="einvoice_invalid",
            message=(
                f"The e-invoice breaks {len(rules)} official rule(s) that make it invalid: "
                + ", ".join(rules[:10])
                + (" ..." if len(rules) > 10 else "")
            ),
            detail={
                "rules": [
                    {"rule_id": f.rule_id, "message": f.message, "artefact": f.artefact}
                    for f in fatal
                ]
            },
        )
    ]


def _apply_field(row: ExtractedField, value: FieldValue) -> None:
    row.value = value.value
    row.confidence = value.confidence
    row.page = value.page
    row.bbox = value.box.as_list() if value.box else None
    row.source = value.source.value


def save_invoice(session: Session, document: Document, values: dict[str, str | None]) -> Invoice:
    """The invoice row as the document's current field values say (extracted or corrected)."""
    invoice = session.exec(select(Invoice).where(Invoice.document_id == document.id)).first()
    invoice = invoice or Invoice(company_id=document.company_id, document_id=document.id)
    invoice.document_type = values.get("document_type") or invoice.document_type
    invoice.invoice_number = values.get("invoice_number")
    invoice.invoice_date = _as_date(values.get("invoice_date"))
    invoice.due_date = _as_date(values.get("due_date"))
    invoice.currency = values.get("currency")
    invoice.net_amount = _as_decimal(values.get("net_amount"))
    invoice.vat_amount = _as_decimal(values.get("vat_amount"))
    invoice.total_amount = _as_decimal(values.get("total_amount"))
    invoice.amount_due = _as_decimal(values.get("amount_due"))
    invoice.supplier_org_number = values.get("supplier_org_number")
    invoice.supplier_vat_number = values.get("supplier_vat_number")
    invoice.supplier_name = _clip(values.get("supplier_name"), 200)
    invoice.buyer_org_number = values.get("buyer_org_number")
    invoice.buyer_reference = _clip(values.get("buyer_reference"), 200)
    invoice.po_number = _clip(values.get("po_number"), 64)
    invoice.kid = _clip(values.get("kid"), 25)
    invoice.bank_account = _clip(values.get("iban") or values.get("bank_account"), 40)
    invoice.updated_at = utc_now()
    session.add(invoice)
    session.flush()
    return invoice


def _save_einvoice_lines(session: Session, invoice: Invoice, einvoice: EInvoice) -> None:
    session.exec(delete(InvoiceLine).where(col(InvoiceLine.invoice_id) == invoice.id))
    for number, line in enumerate(einvoice.lines, start=1):
        session.add(
            InvoiceLine(
                company_id=invoice.company_id,
                invoice_id=invoice.id,
                line_number=number,
                description=line.description or line.item_description or "",
                item_code=_clip(line.item_code, 64),
                quantity=line.quantity,
                unit=_clip(line.unit, 16),
                unit_price=line.unit_price,
                vat_rate=line.vat_rate,
                amount=line.net_amount,
            )
        )


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


def _as_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _as_decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value else None
