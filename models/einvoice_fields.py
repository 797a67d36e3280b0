"""The canonical invoice fields an e-invoice states outright, as extraction would report them.

An e-invoice needs no guessing: each field is read from its business term. Identifiers are
normalised the way extraction normalises printed ones (nine-digit org numbers, compact
accounts), so a PDF and an EHF of the same invoice agree field for field.
"""

from decimal import Decimal

from stdnum import iban as iban_number
from stdnum.util import clean

from models.einvoice import EInvoice
from models.identifiers import normalize_org_number


def _org_number(value: str | None, scheme: str | None) -> str | None:
    """A Norwegian org number when the id is one (scheme 0192, or nine MOD11 digits)."""
    if not value:
        return None
    normalized = normalize_org_number(value)
    if normalized is not None:
        return normalized
    return value.strip() if scheme not in (None, "0192") else None


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _compact(value: str | None) -> str | None:
    """An account, KID, BIC or VAT id without the spaces and dots it is printed with."""
    if not value:
        return None
    return clean(value, " \t\n.").upper() or None


def fields_from_einvoice(einvoice: EInvoice) -> dict[str, str]:
    """Field name to normalised text value, leaving out what the invoice does not state."""
    supplier, buyer = einvoice.supplier, einvoice.buyer
    account = _compact(einvoice.bank_account)
    is_iban = account is not None and iban_number.is_valid(account)
    bic = next((m.bic for m in einvoice.payment_means if m.bic), None)
    values: dict[str, str | None] = {
        "document_type": einvoice.document_type,
        "supplier_name": supplier.name or supplier.trading_name,
        "supplier_org_number": _org_number(supplier.org_number, supplier.org_number_scheme)
        or (normalize_org_number(supplier.vat_number) if supplier.vat_number else None),
        "supplier_vat_number": _compact(supplier.vat_number),
        "buyer_name": buyer.name or buyer.trading_name,
        "buyer_org_number": _org_number(buyer.org_number, buyer.org_number_scheme)
        or (normalize_org_number(buyer.vat_number) if buyer.vat_number else None),
        "invoice_number": einvoice.invoice_number,
        "invoice_date": einvoice.issue_date.isoformat() if einvoice.issue_date else None,
        "due_date": einvoice.due_date.isoformat() if einvoice.due_date else None,
        "delivery_date": einvoice.delivery_date.isoformat() if einvoice.delivery_date else None,
        "currency": einvoice.currency,
        "net_amount": _decimal(einvoice.net_amount),
        "vat_amount": _decimal(einvoice.vat_amount),
        "total_amount": _decimal(einvoice.total_amount),
        "amount_due": _decimal(einvoice.amount_due),
        "po_number": einvoice.order_reference,
        "buyer_reference": einvoice.buyer_reference,
        "kid": _compact(einvoice.kid),
        "bank_account": None if is_iban else account,
        "iban": account if is_iban else None,
        "bic": _compact(bic),
        "payment_terms": einvoice.payment_terms,
    }
    return {name: value for name, value in values.items() if value}
