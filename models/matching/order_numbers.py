"""Purchase-order numbers as suppliers print them, reduced to one comparable form.

Suppliers copy the buyer's PO number by hand: "PO-4711", "po 4711", "Ordre nr. 4711",
"Bestilling: 004711". The number belongs to the buyer's ERP, which pads numeric numbers with
leading zeros internally (SAP's ALPHA conversion) while its printouts and the suppliers drop them,
so for an all-digit number leading zeros are not significant. In a number with letters they are
kept ("A0012" stays "a0012"), since there the zeros are part of a code rather than padding.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from models.matching.records import InvoiceToMatch, OrderState

# Labels a supplier writes before the number, in Norwegian, Swedish, Danish and English, longest
# first so "purchase order" wins over "order". Each may be followed by "no"/"nr"/"#" and must be
# followed by something that is not a letter ("POLAR-7" is not "PO" + "LAR-7").
_LABELS = (
    "purchase order",
    "innkjøpsordre",
    "innkjopsordre",
    "inköpsorder",
    "inkopsorder",
    "indkøbsordre",
    "indkobsordre",
    "bestillingsnummer",
    "bestillingsnr",
    "bestilling",
    "beställning",
    "bestallning",
    "ordrenummer",
    "ordernummer",
    "ordrenr",
    "ordernr",
    "ordre",
    "order",
    "p.o.",
    "p.o",
    "po",
)
_LABEL = re.compile(
    r"^\s*(?:"
    + "|".join(re.escape(label).replace(r"\ ", r"\s*") for label in _LABELS)
    + r")(?:\s*(?:number|nummer|no|nr)\b\.?)?(?![^\W\d_])",
    re.IGNORECASE,
)
_NOT_ALNUM = re.compile(r"[\W_]+")


@lru_cache(maxsize=1 << 16)
def normalise_order_number(text: str) -> str:
    """The comparable form of a PO number: "PO-4711", "po 4711", "Ordre nr. 004711" and "4711"
    are all "4711"; "PO-A12/3" is "a123".

    Case, spaces and punctuation never matter; a leading label is dropped; leading zeros are
    dropped only from an all-digit number (see the module docstring). A text that is nothing but
    a label is kept as it is rather than reduced to nothing.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    stripped = _LABEL.sub("", folded, count=1)
    compact = _NOT_ALNUM.sub("", stripped) or _NOT_ALNUM.sub("", folded)
    if compact.isdigit():
        return compact.lstrip("0") or "0"
    return compact


def named_order_numbers(invoice: InvoiceToMatch) -> dict[str, str]:
    """The POs an invoice names, on its head or on its lines: comparable form → as printed.

    Blank references are ignored; the first spelling seen is kept for messages.
    """
    named: dict[str, str] = {}
    printed = (*invoice.order_numbers, *(line.order_reference for line in invoice.lines))
    for text in printed:
        if text and text.strip():
            named.setdefault(normalise_order_number(text), text.strip())
    return named


def prefer_supplier(orders: Iterable[OrderState], supplier_id: str | None) -> list[OrderState]:
    """Of orders sharing a number, the invoicing supplier's ones when there are any.

    Order numbers are the buyer's and unique, but normalising (dropped labels and leading zeros)
    can make two numbers meet; the one of the invoice's own supplier is then the one meant, and
    the other must not raise a supplier mismatch.
    """
    orders = list(orders)
    own = [order for order in orders if supplier_id and order.supplier_id == supplier_id]
    return own or orders


# "4711, 4712", "4711; 4712", "4711 og 4712": one invoice may name several orders.
_SEPARATORS = re.compile(r"\s*(?:[,;]|\s(?:og|and|och|&)\s)\s*", re.IGNORECASE)


def order_references(po_number: str | None) -> tuple[str, ...]:
    """The PO numbers an invoice's reference field names, as printed."""
    if not po_number:
        return ()
    return tuple(part for part in _SEPARATORS.split(po_number) if part.strip())
