"""Decimals written as a clerk writes them: without the padding a database column adds
(``5.0000``) and never in exponent form (``1E+2``)."""

from decimal import Decimal

_CENTS = Decimal("0.01")


def plain_decimal(value: Decimal) -> str:
    """``Decimal("12.5000")`` as ``"12.5"``, ``Decimal("1E+2")`` as ``"100"``."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def tidy_quantity(value: Decimal) -> Decimal:
    """5.0000 → 5, 2.5000 → 2.5: a quantity as a clerk reads it in a reason's message."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def tidy_price(value: Decimal) -> Decimal:
    """1500.0000 → 1500.00; 12.3450 → 12.345: øre at least, more only when a price has it."""
    cents = value.quantize(_CENTS)
    return cents if cents == value else value.normalize()
