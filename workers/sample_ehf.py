"""Sample invoices as EHF 3 (Peppol BIS Billing 3.0 UBL) XML, for the demo and tests.

The same :class:`SampleInvoice` that renders as a PDF renders here as the e-invoice a Norwegian
supplier's system would send through Peppol, optionally with that PDF embedded, so the demo shows
an EHF next to its printed twin and tests can compare the two routes field by field.
"""

import base64
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from models.decimals import tidy_price
from models.identifiers import vat_number_for
from workers.samples import SampleInvoice, render_sample_invoice_pdf

_UBL = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_PEPPOL_BILLING = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
_PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


@dataclass(frozen=True)
class EhfExtras:
    """What an EHF carries beyond the printed sample: payment details and references."""

    kid: str | None = "0000100428"
    bank_account: str | None = "15032080119"
    buyer_reference: str = "Ola Nordmann"
    order_reference: str | None = None
    embed_pdf: bool = True
    payable_adjustment: Decimal = Decimal("0")  # nonzero makes the totals disagree (BR-CO-16)


def render_sample_invoice_ehf(spec: SampleInvoice, extras: EhfExtras | None = None) -> bytes:
    """The invoice as Peppol BIS Billing 3.0 UBL, valid against the official rules."""
    extras = extras or EhfExtras()
    root = etree.Element(f"{{{_UBL}}}Invoice", nsmap={None: _UBL, "cac": _CAC, "cbc": _CBC})
    _cbc(root, "CustomizationID", _PEPPOL_BILLING)
    _cbc(root, "ProfileID", _PEPPOL_PROFILE)
    _cbc(root, "ID", spec.invoice_number)
    _cbc(root, "IssueDate", spec.invoice_date.isoformat())
    _cbc(root, "DueDate", spec.due_date.isoformat())
    _cbc(root, "InvoiceTypeCode", "380")
    _cbc(root, "DocumentCurrencyCode", spec.currency)
    _cbc(root, "BuyerReference", extras.buyer_reference)
    if extras.order_reference:
        _cbc(_cac(root, "OrderReference"), "ID", extras.order_reference)
    if extras.embed_pdf:
        reference = _cac(root, "AdditionalDocumentReference")
        _cbc(reference, "ID", spec.invoice_number)
        _cbc(reference, "DocumentDescription", "Faktura")
        binary = _cbc(
            _cac(reference, "Attachment"),
            "EmbeddedDocumentBinaryObject",
            base64.b64encode(render_sample_invoice_pdf(spec)).decode(),
        )
        binary.set("mimeCode", "application/pdf")
        binary.set("filename", f"faktura-{spec.invoice_number}.pdf")
    _party(_cac(root, "AccountingSupplierParty"), spec.supplier_name, spec.supplier_org_number)
    _party(
        _cac(root, "AccountingCustomerParty"),
        spec.buyer_name,
        spec.buyer_org_number or spec.supplier_org_number,
        supplier=False,
    )
    means = _cac(root, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", "30")
    if extras.kid:
        _cbc(means, "PaymentID", extras.kid)
    if extras.bank_account:
        _cbc(_cac(means, "PayeeFinancialAccount"), "ID", extras.bank_account)
    _tax_total(root, spec)
    totals = _cac(root, "LegalMonetaryTotal")
    _amount(totals, "LineExtensionAmount", spec.net_total, spec.currency)
    _amount(totals, "TaxExclusiveAmount", spec.net_total, spec.currency)
    _amount(totals, "TaxInclusiveAmount", spec.total, spec.currency)
    _amount(totals, "PayableAmount", spec.total + extras.payable_adjustment, spec.currency)
    for number, line in enumerate(spec.lines, start=1):
        element = _cac(root, "InvoiceLine")
        _cbc(element, "ID", str(number))
        _cbc(element, "InvoicedQuantity", str(line.quantity)).set("unitCode", "EA")
        _amount(element, "LineExtensionAmount", line.amount, spec.currency)
        item = _cac(element, "Item")
        _cbc(item, "Name", line.description)
        category = _cac(item, "ClassifiedTaxCategory")
        _cbc(category, "ID", _category(line.vat_rate))
        _cbc(category, "Percent", str(line.vat_rate))
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")
        price = _cbc(_cac(element, "Price"), "PriceAmount", _price_text(line.unit_price))
        price.set("currencyID", spec.currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _category(rate: Decimal) -> str:
    return "S" if rate > 0 else "Z"


def _tax_total(root: etree._Element, spec: SampleInvoice) -> None:
    nets = spec.net_by_rate
    total = _cac(root, "TaxTotal")
    _amount(total, "TaxAmount", spec.vat_total, spec.currency)
    for rate, vat in spec.vat_by_rate.items():
        subtotal = _cac(total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", nets[rate], spec.currency)
        _amount(subtotal, "TaxAmount", vat, spec.currency)
        category = _cac(subtotal, "TaxCategory")
        _cbc(category, "ID", _category(rate))
        _cbc(category, "Percent", str(rate))
        if rate == 0:
            _cbc(category, "TaxExemptionReason", "Nullsats")
        _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _party(parent: etree._Element, name: str, org_number: str, supplier: bool = True) -> None:
    party = _cac(parent, "Party")
    _cbc(party, "EndpointID", org_number).set("schemeID", "0192")
    _cbc(_cac(party, "PartyName"), "Name", name)
    address = _cac(party, "PostalAddress")
    _cbc(address, "CityName", "Oslo")
    _cbc(address, "PostalZone", "0150")
    _cbc(_cac(address, "Country"), "IdentificationCode", "NO")
    if supplier:
        vat = _cac(party, "PartyTaxScheme")
        _cbc(vat, "CompanyID", vat_number_for(org_number))
        _cbc(_cac(vat, "TaxScheme"), "ID", "VAT")
        register = _cac(party, "PartyTaxScheme")
        _cbc(register, "CompanyID", "Foretaksregisteret")
        _cbc(_cac(register, "TaxScheme"), "ID", "TAX")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", name)
    _cbc(legal, "CompanyID", org_number).set("schemeID", "0192")


def _cac(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{_CAC}}}{name}")


def _cbc(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{_CBC}}}{name}")
    element.text = text
    return element


def _price_text(value: Decimal) -> str:
    """A unit price as an ERP prints it: øre at least, up to four decimals when it has them
    (a price of 45.5805 a unit is billed as such, not rounded to 45.58)."""
    return f"{tidy_price(value):f}"


def _amount(parent: etree._Element, name: str, value: Decimal, currency: str) -> None:
    _cbc(parent, name, f"{value:.2f}").set("currencyID", currency)
