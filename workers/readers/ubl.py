"""UBL 2.1 Invoice and CreditNote to :class:`EInvoice`.

One reader covers Peppol BIS Billing 3 / EHF 3, EN 16931 UBL and XRechnung UBL, because they
are all the same UBL 2.1 elements under different rule sets. Legacy EHF 2.0 is read best effort:
it differs mainly in putting the due date under ``PaymentMeans`` and the BIC one level deeper,
and both are tried as fallbacks. Validation is not this module's job; it reads what is there.
"""

from __future__ import annotations

import re
from datetime import date

from lxml import etree

from models.einvoice import (
    CREDIT_NOTE_TYPE_CODES,
    AllowanceCharge,
    Attachment,
    EInvoice,
    EInvoiceLine,
    EInvoiceSyntax,
    Party,
    PaymentMeans,
    VatBreakdown,
)
from workers.readers.xml_safety import XmlReader, text_of

NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

# AdditionalDocumentReference codes that are references, not supporting documents (BG-24):
# 130 = invoiced object identifier (BT-18), 50 = project/tender reference (BT-11 on credit notes).
_REFERENCE_ONLY_CODES = frozenset({"130", "50"})
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?")

_Node = etree._Element


def parse_ubl(root: _Node, syntax: EInvoiceSyntax) -> EInvoice:
    """The EN 16931 record of a UBL ``Invoice`` or ``CreditNote`` root element."""
    return _UblReader().invoice(root, syntax)


class _UblReader(XmlReader):
    """The XPath layer with UBL prefixes (``cac:``, ``cbc:``), and the business groups."""

    def __init__(self) -> None:
        super().__init__(NS)

    def day(self, node: _Node | None, path: str) -> date | None:
        """An xsd:date (``YYYY-MM-DD``, optional zone); not a real day is left out with a note."""
        element = self.node(node, path)
        text = text_of(element)
        if element is None or text is None:
            return None
        match = _ISO_DATE.fullmatch(text)
        try:
            if match is None:
                raise ValueError(text)
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            self.unreadable(element, text, "is not a YYYY-MM-DD date")
            return None

    def invoice(self, root: _Node, syntax: EInvoiceSyntax) -> EInvoice:
        type_code = self.text(root, "cbc:InvoiceTypeCode|cbc:CreditNoteTypeCode")
        currency = self.text(root, "cbc:DocumentCurrencyCode")
        tax_currency = self.text(root, "cbc:TaxCurrencyCode")
        vat_total, vat_total_in_tax_currency = self.tax_totals(root, currency, tax_currency)
        totals = self.node(root, "cac:LegalMonetaryTotal")
        credit_note = (
            syntax is EInvoiceSyntax.UBL_CREDIT_NOTE or type_code in CREDIT_NOTE_TYPE_CODES
        )
        return EInvoice(
            syntax=syntax,
            document_type="credit_note" if credit_note else "invoice",
            type_code=type_code,
            invoice_number=self.text(root, "cbc:ID"),
            issue_date=self.day(root, "cbc:IssueDate"),
            currency=currency,
            customization_id=self.text(root, "cbc:CustomizationID"),
            profile_id=self.text(root, "cbc:ProfileID"),
            # BIS 3 has cbc:DueDate on invoices only; credit notes and EHF 2.0 put it here.
            due_date=self.day(root, "cbc:DueDate")
            or self.day(root, "cac:PaymentMeans/cbc:PaymentDueDate"),
            tax_point_date=self.day(root, "cbc:TaxPointDate"),
            delivery_date=self.day(root, "cac:Delivery/cbc:ActualDeliveryDate"),
            period_start=self.day(root, "cac:InvoicePeriod/cbc:StartDate"),
            period_end=self.day(root, "cac:InvoicePeriod/cbc:EndDate"),
            tax_currency=tax_currency,
            buyer_reference=self.text(root, "cbc:BuyerReference"),
            project_reference=self.text(root, "cac:ProjectReference/cbc:ID")
            or self.text(root, "cac:AdditionalDocumentReference[cbc:DocumentTypeCode='50']/cbc:ID"),
            contract_reference=self.text(root, "cac:ContractDocumentReference/cbc:ID"),
            order_reference=self.text(root, "cac:OrderReference/cbc:ID"),
            sales_order_reference=self.text(root, "cac:OrderReference/cbc:SalesOrderID"),
            receiving_advice_reference=self.text(root, "cac:ReceiptDocumentReference/cbc:ID"),
            despatch_advice_reference=self.text(root, "cac:DespatchDocumentReference/cbc:ID"),
            accounting_cost=self.text(root, "cbc:AccountingCost"),
            payment_terms=self.joined(root, "cac:PaymentTerms/cbc:Note"),
            notes=self.texts(root, "cbc:Note"),
            preceding_invoices=self.texts(
                root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"
            ),
            supplier=self.party(self.node(root, "cac:AccountingSupplierParty/cac:Party")),
            buyer=self.party(self.node(root, "cac:AccountingCustomerParty/cac:Party")),
            payee=self.optional_party(self.node(root, "cac:PayeeParty")),
            tax_representative=self.optional_party(self.node(root, "cac:TaxRepresentativeParty")),
            line_total=self.amount(totals, "cbc:LineExtensionAmount"),
            allowance_total=self.amount(totals, "cbc:AllowanceTotalAmount"),
            charge_total=self.amount(totals, "cbc:ChargeTotalAmount"),
            net_amount=self.amount(totals, "cbc:TaxExclusiveAmount"),
            vat_amount=self.amount(vat_total, "cbc:TaxAmount"),
            vat_amount_in_tax_currency=self.amount(vat_total_in_tax_currency, "cbc:TaxAmount"),
            total_amount=self.amount(totals, "cbc:TaxInclusiveAmount"),
            prepaid_amount=self.amount(totals, "cbc:PrepaidAmount"),
            rounding_amount=self.amount(totals, "cbc:PayableRoundingAmount"),
            amount_due=self.amount(totals, "cbc:PayableAmount"),
            vat_breakdown=[self.vat(n) for n in self.nodes(vat_total, "cac:TaxSubtotal")],
            allowances_charges=[
                self.allowance_charge(n) for n in self.nodes(root, "cac:AllowanceCharge")
            ],
            payment_means=[self.payment_means(n) for n in self.nodes(root, "cac:PaymentMeans")],
            lines=[self.line(n) for n in self.nodes(root, "cac:InvoiceLine|cac:CreditNoteLine")],
            attachments=self.attachments(root),
            parse_notes=self.notes,
        )

    def optional_party(self, node: _Node | None) -> Party | None:
        return None if node is None else self.party(node)

    def party(self, node: _Node | None) -> Party:
        """BG-4/7/10/11. The name is the legal one (BT-27) when given, else the trading name."""
        vat_number, tax_registration = self.tax_ids(node)
        address = self.node(node, "cac:PostalAddress")
        contact = self.node(node, "cac:Contact")
        return Party(
            name=self.text(node, "cac:PartyLegalEntity/cbc:RegistrationName")
            or self.text(node, "cac:PartyName/cbc:Name"),
            trading_name=self.text(node, "cac:PartyName/cbc:Name"),
            org_number=self.text(node, "cac:PartyLegalEntity/cbc:CompanyID"),
            org_number_scheme=self.attribute(
                node, "cac:PartyLegalEntity/cbc:CompanyID", "schemeID"
            ),
            vat_number=vat_number,
            tax_registration=tax_registration,
            endpoint_id=self.text(node, "cbc:EndpointID"),
            endpoint_scheme=self.attribute(node, "cbc:EndpointID", "schemeID"),
            party_id=self.text(node, "cac:PartyIdentification/cbc:ID"),
            street=self.text(address, "cbc:StreetName"),
            additional_street=self.text(address, "cbc:AdditionalStreetName"),
            city=self.text(address, "cbc:CityName"),
            postal_code=self.text(address, "cbc:PostalZone"),
            country=self.text(address, "cac:Country/cbc:IdentificationCode"),
            contact_name=self.text(contact, "cbc:Name"),
            contact_phone=self.text(contact, "cbc:Telephone"),
            contact_email=self.text(contact, "cbc:ElectronicMail"),
        )

    def tax_ids(self, node: _Node | None) -> tuple[str | None, str | None]:
        """BT-31 is the PartyTaxScheme whose scheme is VAT, in whatever order the schemes come.

        Any other scheme (Norway's "Foretaksregisteret" under TAX, Sweden's "Godkänd för
        F-skatt", a German Steuernummer under FC) is the tax registration, BT-32. A scheme left
        out altogether is read as VAT, which is what PartyTaxScheme is used for in practice.
        """
        vat_number = tax_registration = None
        for scheme in self.nodes(node, "cac:PartyTaxScheme"):
            company_id = self.text(scheme, "cbc:CompanyID")
            if company_id is None:
                continue
            is_vat = (self.text(scheme, "cac:TaxScheme/cbc:ID") or "VAT").upper() == "VAT"
            if is_vat and vat_number is None:
                vat_number = company_id
            elif not is_vat and tax_registration is None:
                tax_registration = company_id
        return vat_number, tax_registration

    def tax_totals(
        self, root: _Node, currency: str | None, tax_currency: str | None
    ) -> tuple[_Node | None, _Node | None]:
        """The TaxTotal in the document currency (BT-110, with the breakdown) and the one in
        the tax currency (BT-111). With BT-6 set there are two, told apart only by currencyID.
        """
        totals = self.nodes(root, "cac:TaxTotal")

        def currency_of(total: _Node) -> str | None:
            return self.attribute(total, "cbc:TaxAmount", "currencyID")

        in_document = next((t for t in totals if currency and currency_of(t) == currency), None)
        if in_document is None:
            with_breakdown = [t for t in totals if self.nodes(t, "cac:TaxSubtotal")]
            in_document = (with_breakdown or totals or [None])[0]
        in_tax = next(
            (
                t
                for t in totals
                if t is not in_document and tax_currency and currency_of(t) == tax_currency
            ),
            None,
        )
        return in_document, in_tax

    def vat(self, subtotal: _Node) -> VatBreakdown:
        """BG-23."""
        category = self.node(subtotal, "cac:TaxCategory")
        return VatBreakdown(
            category=self.text(category, "cbc:ID"),
            rate=self.amount(category, "cbc:Percent"),
            taxable_amount=self.amount(subtotal, "cbc:TaxableAmount"),
            tax_amount=self.amount(subtotal, "cbc:TaxAmount"),
            exemption_reason=self.text(category, "cbc:TaxExemptionReason"),
            exemption_reason_code=self.text(category, "cbc:TaxExemptionReasonCode"),
        )

    def allowance_charge(self, node: _Node) -> AllowanceCharge:
        """BG-20/21 on the document, BG-27/28 on a line (never the price discount, BT-147)."""
        return AllowanceCharge(
            is_charge=self.flag(node, "cbc:ChargeIndicator"),
            amount=self.amount(node, "cbc:Amount"),
            base_amount=self.amount(node, "cbc:BaseAmount"),
            percent=self.amount(node, "cbc:MultiplierFactorNumeric"),
            reason=self.text(node, "cbc:AllowanceChargeReason"),
            reason_code=self.text(node, "cbc:AllowanceChargeReasonCode"),
            vat_category=self.text(node, "cac:TaxCategory/cbc:ID"),
            vat_rate=self.amount(node, "cac:TaxCategory/cbc:Percent"),
        )

    def payment_means(self, node: _Node) -> PaymentMeans:
        """BG-16; PaymentID is the KID on Norwegian invoices."""
        account = self.node(node, "cac:PayeeFinancialAccount")
        return PaymentMeans(
            code=self.text(node, "cbc:PaymentMeansCode"),
            payment_id=self.text(node, "cbc:PaymentID"),
            account=self.text(account, "cbc:ID"),
            account_name=self.text(account, "cbc:Name"),
            # BIS 3 puts the BIC on the branch. EHF 2.0 puts it on the institution below and may
            # use the branch id for a branch number, so the institution wins when present.
            bic=self.text(account, "cac:FinancialInstitutionBranch/cac:FinancialInstitution/cbc:ID")
            or self.text(account, "cac:FinancialInstitutionBranch/cbc:ID"),
            card_last_digits=self.text(node, "cac:CardAccount/cbc:PrimaryAccountNumberID"),
            mandate_reference=self.text(node, "cac:PaymentMandate/cbc:ID"),
        )

    def line(self, node: _Node) -> EInvoiceLine:
        """BG-25; credit note lines state CreditedQuantity, invoice lines InvoicedQuantity."""
        quantity_path = "cbc:InvoicedQuantity|cbc:CreditedQuantity"
        item = self.node(node, "cac:Item")
        seller_item = self.text(item, "cac:SellersItemIdentification/cbc:ID")
        standard_item = self.text(item, "cac:StandardItemIdentification/cbc:ID")
        return EInvoiceLine(
            line_id=self.text(node, "cbc:ID"),
            description=self.text(item, "cbc:Name") or self.text(item, "cbc:Description"),
            quantity=self.amount(node, quantity_path),
            unit=self.attribute(node, quantity_path, "unitCode"),
            unit_price=self.amount(node, "cac:Price/cbc:PriceAmount"),
            price_base_quantity=self.amount(node, "cac:Price/cbc:BaseQuantity"),
            net_amount=self.amount(node, "cbc:LineExtensionAmount"),
            vat_category=self.text(item, "cac:ClassifiedTaxCategory/cbc:ID"),
            vat_rate=self.amount(item, "cac:ClassifiedTaxCategory/cbc:Percent"),
            item_code=seller_item or standard_item,
            buyer_item_code=self.text(item, "cac:BuyersItemIdentification/cbc:ID"),
            standard_item_id=standard_item,
            item_description=self.text(item, "cbc:Description"),
            order_line_reference=self.text(node, "cac:OrderLineReference/cbc:LineID"),
            accounting_cost=self.text(node, "cbc:AccountingCost"),
            note=self.joined(node, "cbc:Note"),
            period_start=self.day(node, "cac:InvoicePeriod/cbc:StartDate"),
            period_end=self.day(node, "cac:InvoicePeriod/cbc:EndDate"),
            allowances_charges=[
                self.allowance_charge(n) for n in self.nodes(node, "cac:AllowanceCharge")
            ],
        )

    def attachments(self, root: _Node) -> list[Attachment]:
        """BG-24: every AdditionalDocumentReference but those that only carry an identifier."""
        return [
            self.attachment(
                self.node(reference, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject"),
                description=self.text(reference, "cbc:DocumentDescription")
                or self.text(reference, "cbc:DocumentType"),
                document_id=self.text(reference, "cbc:ID"),
                uri=self.text(reference, "cac:Attachment/cac:ExternalReference/cbc:URI"),
            )
            for reference in self.nodes(root, "cac:AdditionalDocumentReference")
            if self.text(reference, "cbc:DocumentTypeCode") not in _REFERENCE_ONLY_CODES
        ]
