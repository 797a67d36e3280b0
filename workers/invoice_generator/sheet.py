"""What every drawing block shares: the pen, the invoice, its style, and a record of which truth
fields have been printed.

The record is the point: a field's truth value is its value only if some block actually put it
on the page, so the truth can never claim what the document does not show.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from workers.invoice_generator.content import InvoiceContent
from workers.invoice_generator.layouts import Family
from workers.invoice_generator.pen import Pen
from workers.invoice_generator.style import NBSP, Style


@dataclass
class Sheet:
    pen: Pen
    content: InvoiceContent
    style: Style
    family: Family
    left: float
    right: float
    bottom: float
    new_page: Callable[[], float]
    page: int = 1
    pages: int = 1
    shown: set[str] = field(default_factory=set)

    def show(self, *keys: str) -> None:
        self.shown.update(keys)

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def size(self) -> float:
        return self.style.size

    @property
    def leading(self) -> float:
        return self.style.size * 1.35

    def label(self, key: str, colon: bool = False) -> str:
        return self.style.label(key, colon)

    def money(self, amount: Decimal, *, mark: bool = False) -> str:
        """An amount as this document prints it: credit notes may print a minus, and ``mark``
        adds the currency mark (always the ISO code for a foreign currency)."""
        content = self.content
        negative = content.is_credit_note and self.style.credit_minus and amount > 0
        return self.style.money(
            amount, currency=content.currency if mark else None, negative=negative
        )

    @property
    def has_giro(self) -> bool:
        """A giro slip is for paying kroner; foreign-currency and credit notes get none."""
        content = self.content
        return (
            self.family.payment == "giro"
            and content.currency == "NOK"
            and not content.is_credit_note
        )

    @property
    def payment_mode(self) -> str:
        return (
            "block" if self.family.payment == "giro" and not self.has_giro else self.family.payment
        )

    @property
    def kid_in_meta(self) -> bool:
        if self.content.payment.kid is None:
            return False
        return self.payment_mode == "footer" or self.style.show_kid_in_meta

    @property
    def prints_account(self) -> bool:
        return self.content.currency == "NOK" or self.style.show_account_for_foreign

    @property
    def prints_iban(self) -> bool:
        return self.content.currency != "NOK" or self.style.show_iban_for_nok

    def supplier_org_lines(self) -> list[str]:
        """The supplier's org number as this system prints it, marking what that shows: the
        ``NO…MVA`` form counts as a printed VAT id, ``Org.nr. … MVA`` only as an org number."""
        style, org = self.style, self.content.supplier.org_number
        plain = f"{style.label('org', colon=True)} {style.org(org)}"
        template = style.labels["vat_id"]
        vat_id = template.format(org=org if "NO{org}" in template else style.org(org))
        vat_id = re.sub(r"NO .*MVA", lambda match: match.group().replace(" ", NBSP), vat_id)
        self.show("supplier_org_number")
        if style.org_form == "orgnr":
            return [plain]
        if style.org_form == "orgnr_mva":
            return [f"{plain}{NBSP}MVA"]
        self.show("supplier_vat_number")
        return [plain, vat_id] if style.org_form == "vat_id" else [vat_id]
