"""UN/CEFACT Cross Industry Invoice to :class:`EInvoice`.

CII D16B is what Factur-X, ZUGFeRD 2.x and XRechnung CII carry. ZUGFeRD 1.0's
CrossIndustryDocument is the same vocabulary a version earlier: other namespaces, the trade
blocks called ``ApplicableSupplyChainTrade*`` instead of ``ApplicableHeaderTrade*``, references
as ``ID`` instead of ``IssuerAssignedID``. A :class:`_Vocabulary` holds those differences, so one
reader serves both and ZUGFeRD 1.0 gets every field the names line up for (best effort).

CII dates are ``DateTimeString`` with ``format="102"`` (YYYYMMDD). A date in another format
(month or week, 610/616) is not a calendar day, and neither is a 102 date such as ``20139102``
(which occurs in the wild); either is left out with a note rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
from workers.readers.xml_safety import XmlReader, text_of, where

CII_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
ZUGFERD_1_NS = "urn:ferd:CrossIndustryDocument:invoice:1p0"

# AdditionalReferencedDocument type codes that are references, not supporting documents:
# 50 = tender or lot (BT-17), 130 = invoiced object (BT-18).
_REFERENCE_ONLY_CODES = frozenset({"50", "130"})
_DATE_102 = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+)?(?:Z|[+-]\d{2}:\d{2})?")

_Node = etree._Element


@dataclass(frozen=True)
class _Vocabulary:
    """Where one CII version keeps each block; paths are relative to the block above."""

    namespaces: dict[str, str]
    context: str
    document: str
    transaction: str
    agreement: str
    delivery: str
    settlement: str
    summation: str
    line_agreement: str
    line_delivery: str
    line_settlement: str
    line_summation: str
    reference_id: str


_D16B = _Vocabulary(
    namespaces={
        "rsm": CII_NS,
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    },
    context="rsm:ExchangedDocumentContext",
    document="rsm:ExchangedDocument",
    transaction="rsm:SupplyChainTradeTransaction",
    agreement="ram:ApplicableHeaderTradeAgreement",
    delivery="ram:ApplicableHeaderTradeDelivery",
    settlement="ram:ApplicableHeaderTradeSettlement",
    summation="ram:SpecifiedTradeSettlementHeaderMonetarySummation",
    line_agreement="ram:SpecifiedLineTradeAgreement",
    line_delivery="ram:SpecifiedLineTradeDelivery",
    line_settlement="ram:SpecifiedLineTradeSettlement",
    line_summation="ram:SpecifiedTradeSettlementLineMonetarySummation",
    reference_id="ram:IssuerAssignedID",
)

_ZUGFERD_1 = _Vocabulary(
    namespaces={
        "rsm": ZUGFERD_1_NS,
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12",
    },
    context="rsm:SpecifiedExchangedDocumentContext",
    document="rsm:HeaderExchangedDocument",
    transaction="rsm:SpecifiedSupplyChainTradeTransaction",
    agreement="ram:ApplicableSupplyChainTradeAgreement",
    delivery="ram:ApplicableSupplyChainTradeDelivery",
    settlement="ram:ApplicableSupplyChainTradeSettlement",
    summation="ram:SpecifiedTradeSettlementMonetarySummation",
    line_agreement="ram:SpecifiedSupplyChainTradeAgreement",
    line_delivery="ram:SpecifiedSupplyChainTradeDelivery",
    line_settlement="ram:SpecifiedSupplyChainTradeSettlement",
    line_summation="ram:SpecifiedTradeSettlementMonetarySummation",
    reference_id="ram:ID",
)


def _rate(under: str = "") -> str:
    """The path of a VAT rate below ``under``: D16B names it RateApplicablePercent, ZUGFeRD 1.0
    ApplicablePercent."""
    prefix = f"{under}/" if under else ""
    return f"{prefix}ram:RateApplicablePercent|{prefix}ram:ApplicablePercent"


def parse_cii(root: _Node, syntax: EInvoiceSyntax) -> EInvoice:
    """The EN 16931 record of a ``CrossIndustryInvoice`` or ZUGFeRD 1.0 document root."""
    vocabulary = _ZUGFERD_1 if syntax is EInvoiceSyntax.ZUGFERD_1 else _D16B
    return _CiiReader(vocabulary).invoice(root, syntax)


class _CiiReader(XmlReader):
    """The XPath layer bound to one CII vocabulary, and the business groups."""

    def __init__(self, vocabulary: _Vocabulary) -> None:
        super().__init__(vocabulary.namespaces)
        self.v = vocabulary

    def day(self, node: _Node | None, path: str) -> date | None:
        """The day in ``path``'s DateTimeString/DateString child (or its own text, ZUGFeRD 1.0).

        Eight digits can only be YYYYMMDD among the CII date formats (610 is YYYYMM, 616 YYYYWW,
        203 YYYYMMDDHHMM), so a real day under a mislabelled format is read, with a note.
        """
        holder = self.node(node, path)
        if holder is None:
            return None
        children = [child for child in holder if isinstance(child.tag, str)]
        element = children[0] if children else holder
        text = text_of(element)
        if text is None:
            return None
        date_format = text_of(element.get("format"))
        match = _DATE_102.fullmatch(text) or (
            _ISO_DATE.fullmatch(text) if date_format is None else None
        )
        if match is None and date_format not in (None, "102"):
            self.unreadable(element, text, f"is format {date_format}, not a calendar day (102)")
            return None
        try:
            if match is None:
                raise ValueError(text)
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            self.unreadable(element, text, "is not a YYYYMMDD (format 102) date")
            return None
        if date_format not in (None, "102"):
            self.notes.append(f"{where(element)} says format {date_format!r}; read as YYYYMMDD.")
        return day

    # --- the document --------------------------------------------------------------------------

    def invoice(self, root: _Node, syntax: EInvoiceSyntax) -> EInvoice:
        v = self.v
        context = self.node(root, v.context)
        document = self.node(root, v.document)
        transaction = self.node(root, v.transaction)
        agreement = self.node(transaction, v.agreement)
        delivery = self.node(transaction, v.delivery)
        settlement = self.node(transaction, v.settlement)
        summation = self.node(settlement, v.summation)
        type_code = self.text(document, "ram:TypeCode")
        currency = self.text(settlement, "ram:InvoiceCurrencyCode")
        tax_currency = self.text(settlement, "ram:TaxCurrencyCode")
        vat_total, vat_total_in_tax_currency = self.tax_totals(summation, currency, tax_currency)
        return EInvoice(
            syntax=syntax,
            document_type="credit_note" if type_code in CREDIT_NOTE_TYPE_CODES else "invoice",
            type_code=type_code,
            invoice_number=self.text(document, "ram:ID"),
            issue_date=self.day(document, "ram:IssueDateTime"),
            currency=currency,
            customization_id=self.text(
                context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
            ),
            profile_id=self.text(
                context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"
            ),
            due_date=self.day(settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime"),
            tax_point_date=self.day(settlement, "ram:ApplicableTradeTax/ram:TaxPointDate"),
            delivery_date=self.day(
                delivery, "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime"
            ),
            period_start=self.day(settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime"),
            period_end=self.day(settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime"),
            tax_currency=tax_currency,
            buyer_reference=self.text(agreement, "ram:BuyerReference"),
            project_reference=self.text(agreement, "ram:SpecifiedProcuringProject/ram:ID"),
            contract_reference=self.reference(agreement, "ram:ContractReferencedDocument"),
            order_reference=self.reference(agreement, "ram:BuyerOrderReferencedDocument"),
            sales_order_reference=self.reference(agreement, "ram:SellerOrderReferencedDocument"),
            receiving_advice_reference=self.reference(
                delivery, "ram:ReceivingAdviceReferencedDocument"
            ),
            despatch_advice_reference=self.reference(
                delivery, "ram:DespatchAdviceReferencedDocument"
            ),
            accounting_cost=self.text(
                settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"
            ),
            payment_terms=self.joined(settlement, "ram:SpecifiedTradePaymentTerms/ram:Description"),
            notes=self.texts(document, "ram:IncludedNote/ram:Content"),
            preceding_invoices=self.texts(
                settlement, f"ram:InvoiceReferencedDocument/{v.reference_id}"
            ),
            supplier=self.party(self.node(agreement, "ram:SellerTradeParty")),
            buyer=self.party(self.node(agreement, "ram:BuyerTradeParty")),
            payee=self.optional_party(self.node(settlement, "ram:PayeeTradeParty")),
            tax_representative=self.optional_party(
                self.node(agreement, "ram:SellerTaxRepresentativeTradeParty")
            ),
            line_total=self.amount(summation, "ram:LineTotalAmount"),
            allowance_total=self.amount(summation, "ram:AllowanceTotalAmount"),
            charge_total=self.amount(summation, "ram:ChargeTotalAmount"),
            net_amount=self.amount(summation, "ram:TaxBasisTotalAmount"),
            vat_amount=self.amount(vat_total, "."),
            vat_amount_in_tax_currency=self.amount(vat_total_in_tax_currency, "."),
            total_amount=self.amount(summation, "ram:GrandTotalAmount"),
            prepaid_amount=self.amount(summation, "ram:TotalPrepaidAmount"),
            rounding_amount=self.amount(summation, "ram:RoundingAmount"),
            amount_due=self.amount(summation, "ram:DuePayableAmount"),
            vat_breakdown=[self.vat(n) for n in self.nodes(settlement, "ram:ApplicableTradeTax")],
            allowances_charges=self.allowances_charges(settlement),
            payment_means=self.payment_means(settlement),
            lines=[
                self.line(n)
                for n in self.nodes(transaction, "ram:IncludedSupplyChainTradeLineItem")
            ],
            attachments=self.attachments(agreement),
            parse_notes=self.notes,
        )

    def reference(self, node: _Node | None, path: str) -> str | None:
        return self.text(node, f"{path}/{self.v.reference_id}")

    def tax_totals(
        self, summation: _Node | None, currency: str | None, tax_currency: str | None
    ) -> tuple[_Node | None, _Node | None]:
        """TaxTotalAmount in the invoice currency (BT-110) and in the tax currency (BT-111).

        With a separate tax currency there are two, told apart only by ``currencyID``; one
        without ``currencyID`` is in the invoice currency.
        """
        totals = self.nodes(summation, "ram:TaxTotalAmount")
        in_document = next(
            (t for t in totals if currency and t.get("currencyID") == currency),
            next((t for t in totals if not t.get("currencyID")), None),
        )
        if in_document is None and len(totals) == 1 and not tax_currency:
            in_document = totals[0]
        in_tax = next(
            (
                t
                for t in totals
                if t is not in_document and tax_currency and t.get("currencyID") == tax_currency
            ),
            None,
        )
        return in_document, in_tax

    def optional_party(self, node: _Node | None) -> Party | None:
        return None if node is None else self.party(node)

    def party(self, node: _Node | None) -> Party:
        """BG-4/7/10/11. Tax ids: schemeID VA is the VAT number, FC the national tax number."""
        tax_ids = {
            text_of(element.get("schemeID")): text_of(element)
            for element in reversed(self.nodes(node, "ram:SpecifiedTaxRegistration/ram:ID"))
        }
        legal = self.node(node, "ram:SpecifiedLegalOrganization")
        address = self.node(node, "ram:PostalTradeAddress")
        contact = self.node(node, "ram:DefinedTradeContact")
        return Party(
            name=self.text(node, "ram:Name") or self.text(legal, "ram:TradingBusinessName"),
            trading_name=self.text(legal, "ram:TradingBusinessName"),
            org_number=self.text(legal, "ram:ID"),
            org_number_scheme=self.attribute(legal, "ram:ID", "schemeID"),
            vat_number=tax_ids.get("VA"),
            tax_registration=tax_ids.get("FC"),
            endpoint_id=self.text(node, "ram:URIUniversalCommunication/ram:URIID"),
            endpoint_scheme=self.attribute(
                node, "ram:URIUniversalCommunication/ram:URIID", "schemeID"
            ),
            party_id=self.text(node, "ram:ID") or self.text(node, "ram:GlobalID"),
            street=self.text(address, "ram:LineOne"),
            additional_street=self.text(address, "ram:LineTwo"),
            city=self.text(address, "ram:CityName"),
            postal_code=self.text(address, "ram:PostcodeCode"),
            country=self.text(address, "ram:CountryID"),
            contact_name=self.text(contact, "ram:PersonName"),
            contact_phone=self.text(
                contact, "ram:TelephoneUniversalCommunication/ram:CompleteNumber"
            ),
            contact_email=self.text(contact, "ram:EmailURIUniversalCommunication/ram:URIID"),
        )

    def vat(self, tax: _Node) -> VatBreakdown:
        """BG-23."""
        return VatBreakdown(
            category=self.text(tax, "ram:CategoryCode"),
            rate=self.amount(tax, _rate()),
            taxable_amount=self.amount(tax, "ram:BasisAmount"),
            tax_amount=self.amount(tax, "ram:CalculatedAmount"),
            exemption_reason=self.text(tax, "ram:ExemptionReason"),
            exemption_reason_code=self.text(tax, "ram:ExemptionReasonCode"),
        )

    def allowances_charges(self, settlement: _Node | None) -> list[AllowanceCharge]:
        """BG-20/21, plus ZUGFeRD's logistics service charges, which count as charges (BT-108)."""
        found = [
            self.allowance_charge(n)
            for n in self.nodes(settlement, "ram:SpecifiedTradeAllowanceCharge")
        ]
        for service in self.nodes(settlement, "ram:SpecifiedLogisticsServiceCharge"):
            found.append(
                AllowanceCharge(
                    is_charge=True,
                    amount=self.amount(service, "ram:AppliedAmount"),
                    reason=self.text(service, "ram:Description"),
                    vat_category=self.text(service, "ram:AppliedTradeTax/ram:CategoryCode"),
                    vat_rate=self.amount(service, _rate("ram:AppliedTradeTax")),
                )
            )
        return found

    def allowance_charge(self, node: _Node) -> AllowanceCharge:
        return AllowanceCharge(
            is_charge=self.flag(node, "ram:ChargeIndicator"),
            amount=self.amount(node, "ram:ActualAmount"),
            base_amount=self.amount(node, "ram:BasisAmount"),
            percent=self.amount(node, "ram:CalculationPercent"),
            reason=self.text(node, "ram:Reason"),
            reason_code=self.text(node, "ram:ReasonCode"),
            vat_category=self.text(node, "ram:CategoryTradeTax/ram:CategoryCode"),
            vat_rate=self.amount(node, _rate("ram:CategoryTradeTax")),
        )

    def payment_means(self, settlement: _Node | None) -> list[PaymentMeans]:
        """BG-16. CII keeps the remittance reference (BT-83, the KID) and the mandate once for
        the whole settlement, so each means gets them; with none stated, a bare one carries them.
        """
        reference = self.text(settlement, "ram:PaymentReference")
        mandate = self.text(settlement, "ram:SpecifiedTradePaymentTerms/ram:DirectDebitMandateID")
        found = [
            PaymentMeans(
                code=self.text(means, "ram:TypeCode"),
                payment_id=reference,
                account=self.text(means, "ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
                or self.text(means, "ram:PayeePartyCreditorFinancialAccount/ram:ProprietaryID"),
                account_name=self.text(
                    means, "ram:PayeePartyCreditorFinancialAccount/ram:AccountName"
                ),
                bic=self.text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
                card_last_digits=self.text(
                    means, "ram:ApplicableTradeSettlementFinancialCard/ram:ID"
                ),
                mandate_reference=mandate,
            )
            for means in self.nodes(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        ]
        if not found and (reference or mandate):
            found.append(PaymentMeans(payment_id=reference, mandate_reference=mandate))
        return found

    def line(self, node: _Node) -> EInvoiceLine:
        """BG-25."""
        v = self.v
        product = self.node(node, "ram:SpecifiedTradeProduct")
        agreement = self.node(node, v.line_agreement)
        settlement = self.node(node, v.line_settlement)
        quantity_path = f"{v.line_delivery}/ram:BilledQuantity"
        seller_item = self.text(product, "ram:SellerAssignedID")
        standard_item = self.text(product, "ram:GlobalID")
        return EInvoiceLine(
            line_id=self.text(node, "ram:AssociatedDocumentLineDocument/ram:LineID"),
            description=self.text(product, "ram:Name") or self.text(product, "ram:Description"),
            quantity=self.amount(node, quantity_path),
            unit=self.attribute(node, quantity_path, "unitCode"),
            unit_price=self.amount(agreement, "ram:NetPriceProductTradePrice/ram:ChargeAmount"),
            price_base_quantity=self.amount(
                agreement, "ram:NetPriceProductTradePrice/ram:BasisQuantity"
            )
            or self.amount(agreement, "ram:GrossPriceProductTradePrice/ram:BasisQuantity"),
            net_amount=self.amount(settlement, f"{v.line_summation}/ram:LineTotalAmount"),
            vat_category=self.text(settlement, "ram:ApplicableTradeTax/ram:CategoryCode"),
            vat_rate=self.amount(settlement, _rate("ram:ApplicableTradeTax")),
            item_code=seller_item or standard_item,
            buyer_item_code=self.text(product, "ram:BuyerAssignedID"),
            standard_item_id=standard_item,
            item_description=self.text(product, "ram:Description"),
            order_line_reference=self.text(
                agreement, "ram:BuyerOrderReferencedDocument/ram:LineID"
            ),
            accounting_cost=self.text(
                settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"
            ),
            note=self.joined(
                node, "ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content"
            ),
            period_start=self.day(settlement, "ram:BillingSpecifiedPeriod/ram:StartDateTime"),
            period_end=self.day(settlement, "ram:BillingSpecifiedPeriod/ram:EndDateTime"),
            allowances_charges=[
                self.allowance_charge(n)
                for n in self.nodes(settlement, "ram:SpecifiedTradeAllowanceCharge")
            ],
        )

    def attachments(self, agreement: _Node | None) -> list[Attachment]:
        """BG-24: every AdditionalReferencedDocument but those that only carry an identifier."""
        return [
            self.attachment(
                self.node(reference, "ram:AttachmentBinaryObject"),
                description=self.text(reference, "ram:Name"),
                document_id=self.text(reference, self.v.reference_id),
                uri=self.text(reference, "ram:URIID"),
            )
            for reference in self.nodes(agreement, "ram:AdditionalReferencedDocument")
            if self.text(reference, "ram:TypeCode") not in _REFERENCE_ONLY_CODES
        ]
