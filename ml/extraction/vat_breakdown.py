"""The VAT breakdown: for each rate, the base it applies to and the VAT it gives.

A breakdown row is recognised by its arithmetic, not its wording: a line that prints a
percentage and two amounts where one is that percentage of the other ("MVA 25 % av 10 000,00
2 500,00", "TVA 20% 75 974,00 15 194,80"). That holds across languages and table styles and
rejects a line item, whose amounts are not a VAT rate apart.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ml.extraction.page_lines import Line, amount_spans, union
from models.tokens import Box
from models.values import parse_percentage

_CENT = Decimal("0.01")
_STANDARD_RATES = frozenset(
    Decimal(r)
    for r in (
        "0",
        "5",
        "6",
        "7",
        "10",
        "12",
        "15",
        "19",
        "20",
        "21",
        "24",
        "25",
        "5.5",
        "2.1",
        "8.5",
    )
)


@dataclass(frozen=True, slots=True)
class VatRow:
    rate: Decimal
    base: Decimal
    amount: Decimal
    page: int
    box: Box

    def to_json(self) -> dict[str, str]:
        return {"rate": _plain(self.rate), "base": str(self.base), "amount": str(self.amount)}


def _plain(rate: Decimal) -> str:
    normalized = rate.normalize()
    return format(normalized, "f")


def find_vat_breakdown(lines: Sequence[Line]) -> list[VatRow]:
    """Rows whose amounts are their printed rate apart, one per rate, highest rate first."""
    rows: dict[Decimal, VatRow] = {}
    for line in lines:
        rate = _rate_on(line)
        if rate is None:
            continue
        spans = [s.value for s in amount_spans(line.tokens) if s.has_decimals]
        found = _base_and_vat(rate, spans)
        if found is None:
            continue
        base, vat = found
        if rate not in rows or base > rows[rate].base:
            rows[rate] = VatRow(rate, base, vat, line.page, union(line.tokens))
    return sorted(rows.values(), key=lambda row: -row.rate)


def _rate_on(line: Line) -> Decimal | None:
    tokens = line.tokens
    for index, token in enumerate(tokens):
        text = token.text
        if index + 1 < len(tokens) and tokens[index + 1].text == "%":
            text += "%"
        rate = parse_percentage(text) if "%" in text else None
        if rate is not None and rate in _STANDARD_RATES:
            return rate
    return None


def _base_and_vat(rate: Decimal, amounts: Sequence[Decimal]) -> tuple[Decimal, Decimal] | None:
    """The pair (base, VAT) among the line's amounts with VAT = base * rate, to the øre."""
    for base in sorted(amounts, key=abs, reverse=True):
        expected = (base * rate / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
        for vat in amounts:
            if vat is base or base == 0:
                continue
            if abs(vat - expected) <= _CENT and (rate == 0 or vat != 0):
                return base, vat
    return None
