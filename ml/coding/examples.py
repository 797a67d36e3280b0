"""The plain data the coding model reads and learns from: one posted or to-be-coded line."""

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

TARGETS: tuple[str, ...] = ("account", "vat_code", "department", "project")


@dataclass(frozen=True)
class CodingExample:
    """What is known about a line before it is coded.

    ``supplier_key`` is the supplier's identity (the ERP's supplier id, else its org number,
    else its normalised name); ``supplier_name`` is kept apart because names carry meaning
    across suppliers ("... Hotell", "... Bygg AS") where ids do not.
    """

    posting_date: date
    supplier_key: str
    supplier_name: str
    description: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Posting:
    """A confirmed coding: the example and the value of each target it was coded with."""

    example: CodingExample
    coding: dict[str, str] = field(default_factory=dict)
    reference: str = ""

    def label(self, target: str) -> str | None:
        return self.coding.get(target) or None


_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalised_name(name: str) -> str:
    """Case, accents and punctuation do not tell suppliers apart; "Bygg-Service AS" is
    "bygg service as" however an ERP or an OCR pass spelled it."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", plain).strip()


def amount_bucket(amount: Decimal | float) -> int:
    """Half-octave buckets of the absolute amount, signed: prices scale, so 100 vs 140 is as
    different as 10,000 vs 14,000, and a credit is not a debit."""
    value = float(amount)
    if value == 0:
        return 0
    bucket = 1 + int(2 * math.log2(1 + abs(value)))
    return bucket if value > 0 else -bucket


def supplier_key(supplier_id: str | None, org_number: str | None, name: str | None) -> str:
    """The identity memory is kept under: an explicit id first, a name as a last resort."""
    if supplier_id and supplier_id.strip():
        return "id:" + supplier_id.strip()
    if org_number and org_number.strip():
        return "org:" + org_number.strip()
    return "name:" + normalised_name(name or "")


class HistoryRecord(Protocol):
    """A stored or just-parsed history row (``PostingHistory`` and ``HistoryRow`` both fit)."""

    row_key: str
    posting_date: date
    supplier_id: str | None
    supplier_name: str | None
    description: str
    amount: Decimal
    currency: str
    account: str
    vat_code: str | None
    department: str | None
    project: str | None


def posting_from_record(record: HistoryRecord) -> Posting:
    """The coding model's view of one history row; blank targets are left out."""
    example = CodingExample(
        posting_date=record.posting_date,
        supplier_key=supplier_key(record.supplier_id, None, record.supplier_name),
        supplier_name=record.supplier_name or "",
        description=record.description or "",
        amount=record.amount,
        currency=record.currency,
    )
    coding = {target: getattr(record, target) for target in TARGETS}
    return Posting(example, {k: v for k, v in coding.items() if v}, record.row_key)
