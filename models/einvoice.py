"""An e-invoice as structured data: the EN 16931 semantic model, whatever syntax carried it.

UBL (Peppol BIS Billing 3 / EHF 3, legacy EHF 2.0), CII D16B and the CII inside Factur-X/ZUGFeRD
PDFs all parse into :class:`EInvoice`, so extraction, matching and posting see one shape. Field
comments name the EN 16931 business term (BT) or group (BG) each value carries. Amounts are
``Decimal`` in the document currency unless a field says otherwise; nothing here is a float.
"""

from __future__ import annotations

import base64
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


class EInvoiceSyntax(StrEnum):
    """Which XML vocabulary a document is written in; decides parser and validation artefacts."""

    UBL_INVOICE = "ubl-invoice"
    UBL_CREDIT_NOTE = "ubl-credit-note"
    CII = "cii"  # UN/CEFACT CrossIndustryInvoice D16B (also Factur-X / ZUGFeRD 2.x, XRechnung CII)
    ZUGFERD_1 = "zugferd-1"  # CrossIndustryDocument (ZUGFeRD 1.0), parsed best effort


# BT-3 codes (UNCL1001 subset allowed by EN 16931) that make a document a credit note, whatever
# its root element: CII has no separate credit-note root, and UBL Invoice may carry them.
CREDIT_NOTE_TYPE_CODES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)


@dataclass(slots=True)
class Party:
    """A seller (BG-4), buyer (BG-7), payee (BG-10) or tax representative (BG-11)."""

    name: str | None = None  # BT-27/44 registration name, else trading name
    trading_name: str | None = None  # BT-28/45
    org_number: str | None = None  # BT-30/47 legal registration id (Norway: 9-digit orgnr)
    org_number_scheme: str | None = None  # e.g. 0192 (Norwegian orgnr), 0007 (Swedish)
    vat_number: str | None = None  # BT-31/48, e.g. NO999999999MVA
    tax_registration: str | None = None  # BT-32 seller tax registration that is not VAT
    endpoint_id: str | None = None  # BT-34/49 electronic address
    endpoint_scheme: str | None = None
    party_id: str | None = None  # BT-29/46
    street: str | None = None
    additional_street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


@dataclass(slots=True)
class VatBreakdown:
    """One VAT category and rate (BG-23)."""

    category: str | None  # BT-118: S, Z, E, AE, K, G, O, L, M
    rate: Decimal | None  # BT-119 percent
    taxable_amount: Decimal | None  # BT-116
    tax_amount: Decimal | None  # BT-117
    exemption_reason: str | None = None  # BT-120
    exemption_reason_code: str | None = None  # BT-121


@dataclass(slots=True)
class AllowanceCharge:
    """A document-level (BG-20/21) or line-level (BG-27/28) allowance or charge."""

    is_charge: bool
    amount: Decimal | None
    base_amount: Decimal | None = None
    percent: Decimal | None = None
    reason: str | None = None
    reason_code: str | None = None
    vat_category: str | None = None
    vat_rate: Decimal | None = None


@dataclass(slots=True)
class PaymentMeans:
    """How to pay (BG-16): for Norwegian invoices, the account and the KID go here."""

    code: str | None = None  # BT-81, e.g. 30 credit transfer, 58 SEPA, 31 debit transfer
    payment_id: str | None = None  # BT-83 remittance information; the KID in Norway
    account: str | None = None  # BT-84 IBAN or BBAN
    account_name: str | None = None  # BT-85
    bic: str | None = None  # BT-86
    card_last_digits: str | None = None
    mandate_reference: str | None = None


@dataclass(slots=True)
class Attachment:
    """A supporting document (BG-24): an embedded binary or a reference to an external one."""

    filename: str | None
    media_type: str | None
    description: str | None = None
    document_id: str | None = None  # BT-122
    uri: str | None = None  # BT-124 external location, never fetched
    data: bytes | None = None  # BT-125 embedded object, decoded from base64


@dataclass(slots=True)
class EInvoiceLine:
    """One invoice line (BG-25)."""

    line_id: str | None  # BT-126
    description: str | None  # BT-153 item name, else BT-154 description
    quantity: Decimal | None  # BT-129 (negative on credit lines where the syntax requires it)
    unit: str | None  # BT-130 UN/ECE rec 20 code, e.g. EA, HUR, KGM
    unit_price: Decimal | None  # BT-146 net price
    price_base_quantity: Decimal | None  # BT-149
    net_amount: Decimal | None  # BT-131 line extension amount
    vat_category: str | None = None  # BT-151
    vat_rate: Decimal | None = None  # BT-152
    item_code: str | None = None  # BT-155 seller's item id, else BT-157 standard id
    buyer_item_code: str | None = None  # BT-156
    standard_item_id: str | None = None  # BT-157 (GTIN etc.)
    item_description: str | None = None  # BT-154
    order_line_reference: str | None = None  # BT-132
    accounting_cost: str | None = None  # BT-133
    note: str | None = None  # BT-127
    period_start: date | None = None  # BT-134
    period_end: date | None = None  # BT-135
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)


@dataclass(slots=True)
class EInvoice:
    """An invoice or credit note as EN 16931 defines it."""

    syntax: EInvoiceSyntax
    document_type: str  # "invoice" or "credit_note" (from the type code and root element)
    type_code: str | None  # BT-3: 380 invoice, 381 credit note, 383 debit note, 389 self-billed
    invoice_number: str | None  # BT-1
    issue_date: date | None  # BT-2
    currency: str | None  # BT-5
    customization_id: str | None = None  # BT-24
    profile_id: str | None = None  # BT-23
    due_date: date | None = None  # BT-9
    tax_point_date: date | None = None  # BT-7
    delivery_date: date | None = None  # BT-72 actual delivery date
    period_start: date | None = None  # BT-73 invoicing period start
    period_end: date | None = None  # BT-74 invoicing period end
    tax_currency: str | None = None  # BT-6
    buyer_reference: str | None = None  # BT-10
    project_reference: str | None = None  # BT-11
    contract_reference: str | None = None  # BT-12
    order_reference: str | None = None  # BT-13 purchase order number
    sales_order_reference: str | None = None  # BT-14
    receiving_advice_reference: str | None = None  # BT-15
    despatch_advice_reference: str | None = None  # BT-16
    accounting_cost: str | None = None  # BT-19
    payment_terms: str | None = None  # BT-20
    notes: list[str] = field(default_factory=list)  # BT-22
    preceding_invoices: list[str] = field(default_factory=list)  # BT-25 (credit notes)
    supplier: Party = field(default_factory=Party)  # BG-4
    buyer: Party = field(default_factory=Party)  # BG-7
    payee: Party | None = None  # BG-10
    tax_representative: Party | None = None  # BG-11 seller's tax representative
    line_total: Decimal | None = None  # BT-106 sum of line net amounts
    allowance_total: Decimal | None = None  # BT-107
    charge_total: Decimal | None = None  # BT-108
    net_amount: Decimal | None = None  # BT-109 total without VAT
    vat_amount: Decimal | None = None  # BT-110 in document currency
    vat_amount_in_tax_currency: Decimal | None = None  # BT-111
    total_amount: Decimal | None = None  # BT-112 total with VAT
    prepaid_amount: Decimal | None = None  # BT-113
    rounding_amount: Decimal | None = None  # BT-114
    amount_due: Decimal | None = None  # BT-115
    vat_breakdown: list[VatBreakdown] = field(default_factory=list)  # BG-23
    allowances_charges: list[AllowanceCharge] = field(default_factory=list)  # BG-20/21
    payment_means: list[PaymentMeans] = field(default_factory=list)  # BG-16
    lines: list[EInvoiceLine] = field(default_factory=list)  # BG-25
    attachments: list[Attachment] = field(default_factory=list)  # BG-24
    # Not a business term: what the parser left out and why (e.g. an undecodable attachment).
    parse_notes: list[str] = field(default_factory=list)

    @property
    def kid(self) -> str | None:
        """The first payment reference: Norwegian suppliers put the KID in BT-83."""
        return next((m.payment_id for m in self.payment_means if m.payment_id), None)

    @property
    def bank_account(self) -> str | None:
        return next((m.account for m in self.payment_means if m.account), None)

    def display_pdf(self) -> Attachment | None:
        """The embedded PDF a human should see for this invoice, if the sender attached one."""
        return next(
            (a for a in self.attachments if a.data and a.media_type == "application/pdf"), None
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict: amounts as decimal strings, dates ISO, attachment bytes left out."""
        return _jsonable(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EInvoice:
        """The record :meth:`to_json` wrote (attachment bytes excepted: they live as blobs)."""
        return _from_json(cls, data)


def claims_en16931_compliance(customization_id: str | None) -> bool:
    """Whether the document says it is a complete EN 16931 invoice.

    Extension profiles (Factur-X/ZUGFeRD EXTENDED, ``#conformant#``) and profiles that fall
    short of the norm (MINIMUM, BASIC WL) legitimately break some EN 16931 rules; holding them
    for that would hold every such invoice.
    """
    if not customization_id:
        return False
    identifier = customization_id.strip()
    return identifier.startswith("urn:cen.eu:en16931:2017") and "#conformant#" not in identifier


def _from_json(kind: Any, data: Any) -> Any:
    """Rebuild a value of type ``kind`` (a dataclass, list, Optional or scalar) from JSON."""
    if data is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        inner = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _from_json(inner[0], data)
    if origin is list:
        (item,) = typing.get_args(kind)
        return [_from_json(item, value) for value in data]
    if is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        known = {f.name for f in fields(kind) if f.init}
        values = {name: value for name, value in data.items() if name in known}
        return kind(**{name: _from_json(hints[name], value) for name, value in values.items()})
    if kind is Decimal:
        return Decimal(data)
    if kind is date:
        return date.fromisoformat(data)
    if kind is bytes:
        return None
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return kind(data)
    return data


def _jsonable(value: Any) -> Any:
    if is_dataclass(value):
        out = {}
        for f in fields(value):
            item = getattr(value, f.name)
            if f.name == "data" and isinstance(item, bytes):
                out["size_bytes"] = len(item)
                continue
            out[f.name] = _jsonable(item)
        return out
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value
