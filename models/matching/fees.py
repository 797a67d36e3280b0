"""Freight and fee lines: charges a supplier adds that the purchase order rarely lists.

A buyer orders goods; the supplier bills the goods plus freight, postage, packaging or an
invoicing fee. Such lines have no PO line to match, so instead of an exception per line they are
tolerated up to the company's (or supplier's) ``fee_amount`` in total. Only whole words count:
"Fraktkostnad" is a fee, "Fraktbrev-holder" (a product) is not.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from models.matching.records import InvoiceLineToMatch

FEE_WORDS = frozenset(
    {
        # Norwegian
        "frakt",
        "frakten",
        "fraktkostnad",
        "fraktkostnader",
        "porto",
        "gebyr",
        "gebyret",
        "faktureringsgebyr",
        "fakturagebyr",
        "ekspedisjonsgebyr",
        "emballasje",
        "miljøgebyr",
        "håndtering",
        "håndteringsgebyr",
        "leveringsgebyr",
        "fraktgebyr",
        # Swedish
        "fraktavgift",
        "faktureringsavgift",
        "fakturaavgift",
        "expeditionsavgift",
        "hanteringsavgift",
        "emballage",
        # Danish
        "fragt",
        "ekspeditionsgebyr",
        # English
        "freight",
        "shipping",
        "delivery",
        "fee",
        "fees",
        "charge",
        "charges",
        "handling",
        "postage",
        "packaging",
    }
)
FEE_ITEM_CODES = frozenset(
    {"FRAKT", "FRAGT", "FREIGHT", "FEE", "GEBYR", "PORTO", "SHIPPING", "POSTAGE", "HANDLING"}
)
_WORD = re.compile(r"[^\W\d_]+")
_NOT_ALNUM = re.compile(r"[\W_]+")


def is_fee_line(line: InvoiceLineToMatch) -> bool:
    """Whether the line is freight or a fee, by a whole word of its description or its code."""
    if line.item_code and _NOT_ALNUM.sub("", line.item_code).upper() in FEE_ITEM_CODES:
        return True
    return any(word in FEE_WORDS for word in _WORD.findall(line.description.casefold()))


def fee_line_amount(line: InvoiceLineToMatch) -> Decimal:
    """What the fee line charges: its amount, else quantity x unit price, else its unit price."""
    if line.amount is not None:
        return line.amount
    if line.unit_price is None:
        return Decimal(0)
    quantity = line.quantity if line.quantity is not None else Decimal(1)
    return (quantity * line.unit_price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
