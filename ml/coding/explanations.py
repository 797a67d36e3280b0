"""Why a coding is proposed: the past postings most like the line, shown to the clerk.

A clerk trusts "coded 6540 the last three times this supplier billed about this much" far
more than a bare probability, so each suggestion carries the three most similar postings
that used the suggested value: the same supplier first (closest amount, then most recent),
then, for a supplier never seen, postings of other suppliers with the most similar name.
"""

import math
from collections import deque
from dataclasses import dataclass

from rapidfuzz import fuzz

from ml.coding.examples import CodingExample, Posting, normalised_name

SHOWN = 3
_PER_SUPPLIER = 40
_PER_VALUE = 25


@dataclass(frozen=True, slots=True)
class PastPosting:
    reference: str
    posting_date: str
    supplier_name: str
    description: str
    amount: str
    currency: str
    coding: tuple[tuple[str, str], ...]

    def value(self, target: str) -> str | None:
        return dict(self.coding).get(target)

    def as_dict(self) -> dict[str, object]:
        return {
            "reference": self.reference,
            "date": self.posting_date,
            "supplier_name": self.supplier_name,
            "description": self.description,
            "amount": self.amount,
            "currency": self.currency,
            "coding": dict(self.coding),
        }


class PostingLog:
    """The recent postings of each supplier and of each coded value, kept for explanations."""

    def __init__(self) -> None:
        self.by_supplier: dict[str, deque[PastPosting]] = {}
        self.by_value: dict[tuple[str, str], deque[PastPosting]] = {}

    def learn(self, posting: Posting) -> None:
        example = posting.example
        past = PastPosting(
            posting.reference,
            example.posting_date.isoformat(),
            example.supplier_name,
            example.description,
            str(example.amount),
            example.currency,
            tuple(sorted((k, v) for k, v in posting.coding.items() if v)),
        )
        kept = self.by_supplier.get(example.supplier_key)
        if kept is None:
            kept = self.by_supplier[example.supplier_key] = deque(maxlen=_PER_SUPPLIER)
        kept.append(past)
        for target, value in past.coding:
            by_value = self.by_value.get((target, value))
            if by_value is None:
                by_value = self.by_value[(target, value)] = deque(maxlen=_PER_VALUE)
            by_value.append(past)

    def similar(self, example: CodingExample, target: str, value: str) -> list[PastPosting]:
        """Up to three past postings coded ``value`` that most resemble ``example``."""
        size = _log_size(float(example.amount))
        own = [
            p
            for p in reversed(self.by_supplier.get(example.supplier_key, ()))
            if p.value(target) == value
        ]
        own.sort(key=lambda p: abs(_log_size(float(p.amount)) - size))
        shown = own[:SHOWN]
        if len(shown) < SHOWN:
            name = normalised_name(example.supplier_name)
            others = [p for p in self.by_value.get((target, value), ()) if p not in shown]
            others.sort(key=lambda p: -fuzz.token_set_ratio(name, normalised_name(p.supplier_name)))
            shown += others[: SHOWN - len(shown)]
        return shown


def _log_size(amount: float) -> float:
    return math.copysign(math.log1p(abs(amount)), amount)
