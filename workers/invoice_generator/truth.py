"""The canonical truth of a generated invoice: what an extractor should read from the page.

A field is its value only if the renderer printed it, else None; the truth never holds what
the page does not show. Amounts are positive decimal strings with two decimals, credit notes
included (as in a UBL CreditNote), identifiers are compact, dates ISO.
"""

from decimal import Decimal
from typing import Any

from workers.invoice_generator.content import InvoiceContent
from workers.invoice_generator.style import Style

TRUTH_KEYS = (
    "document_type", "supplier_name", "supplier_org_number", "supplier_vat_number", "buyer_name",
    "buyer_org_number", "invoice_number", "invoice_date", "due_date", "delivery_date", "currency",
    "net_amount", "vat_amount", "total_amount", "amount_due", "vat_breakdown", "po_number",
    "buyer_reference", "kid", "bank_account", "iban", "bic", "payment_terms", "lines",
)  # fmt: skip


def invoice_truth(content: InvoiceContent, style: Style, shown: frozenset[str]) -> dict[str, Any]:
    def when(key: str, value: Any) -> Any:
        return value if key in shown else None

    supplier, buyer, payment = content.supplier, content.buyer, content.payment
    truth = {
        "document_type": content.document_type,
        "supplier_name": when("supplier_name", supplier.name),
        "supplier_org_number": when("supplier_org_number", supplier.org_number),
        "supplier_vat_number": when("supplier_vat_number", f"NO{supplier.org_number}MVA"),
        "buyer_name": when("buyer_name", buyer.name),
        "buyer_org_number": when("buyer_org_number", buyer.org_number),
        "invoice_number": when("invoice_number", content.invoice_number),
        "invoice_date": when("invoice_date", content.invoice_date.isoformat()),
        "due_date": when("due_date", content.due_date.isoformat()),
        "delivery_date": when("delivery_date", content.delivery_date.isoformat()),
        "currency": content.currency,
        "net_amount": when("net_amount", _money(content.net_amount)),
        "vat_amount": when("vat_amount", _money(content.vat_amount)),
        "total_amount": when("total_amount", _money(content.total_amount)),
        "amount_due": when("amount_due", _money(content.amount_due)),
        "vat_breakdown": when(
            "vat_breakdown",
            [
                {
                    "rate": _rate(rate),
                    "base": _money(base),
                    "amount": _money(content.vat_by_rate[rate]),
                }
                for rate, base in content.net_by_rate.items()
            ],
        ),
        "po_number": when("po_number", content.po_number),
        "buyer_reference": when("buyer_reference", content.buyer_reference),
        "kid": when("kid", payment.kid),
        "bank_account": when("bank_account", payment.bank_account),
        "iban": when("iban", payment.iban),
        "bic": when("bic", payment.bic),
        "payment_terms": when("payment_terms", style.terms(content.terms_days)),
        "lines": [
            {
                "description": line.description,
                "item_code": line.item_code if "item" in style.columns else None,
                "quantity": f"{line.quantity.normalize():f}",
                "unit": line.unit if "unit" in style.columns else None,
                "unit_price": _money(line.unit_price),
                "vat_rate": _rate(line.vat_rate) if "vat" in style.columns else None,
                "amount": _money(line.amount),
            }
            for line in content.lines
        ],
    }
    assert tuple(truth) == TRUTH_KEYS
    return truth


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _rate(rate: Decimal) -> str:
    return f"{rate.normalize():f}"
