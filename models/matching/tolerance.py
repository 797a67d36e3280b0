"""Matching tolerances: whether a deviation is allowed, in words, and as stored settings.

A company keeps one set of :class:`Tolerances`; a supplier may override any of them (a
freight-heavy supplier gets a larger ``fee_amount``, a supplier with volatile prices a wider
``price_over``). Settings are stored as JSON, so decimals travel as strings and are parsed back
to ``Decimal`` here, never through float.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from models.decimals import plain_decimal
from models.matching.records import Limit, Tolerances

_HUNDRED = Decimal(100)
_LIMIT_KEYS = frozenset({"percent", "amount"})
LIMIT_FIELDS = tuple(f.name for f in fields(Tolerances) if f.name != "fee_amount")


def within(limit: Limit, expected: Decimal, deviation: Decimal) -> bool:
    """Whether ``deviation`` (≥ 0, one direction) is allowed around ``expected``.

    The percentage applies to ``|expected|`` so a credit or a negative line is treated like its
    positive counterpart. Exactly at the limit passes; with both parts set the stricter wins
    (SAP's tolerance keys work the same way); with neither set only no deviation passes.
    """
    if deviation < 0:
        raise ValueError(f"a deviation is measured one way and is never negative: {deviation}")
    return deviation <= allowance(limit, expected)


def allowance(limit: Limit, expected: Decimal) -> Decimal:
    """How far a figure may deviate from ``expected`` under ``limit``: the stricter of the
    percentage of ``|expected|`` and the amount, whichever are set; 0 when neither is."""
    bounds = []
    if limit.percent is not None:
        bounds.append(abs(expected) * limit.percent / _HUNDRED)
    if limit.amount is not None:
        bounds.append(limit.amount)
    return min(bounds, default=Decimal(0))


def describe(limit: Limit) -> str:
    """The limit in words for a clerk: "2 % or 1.00, the stricter", "none allowed"."""
    if limit.percent is None and limit.amount is None:
        return "none allowed"
    if limit.amount is None:
        return f"{plain_decimal(limit.percent)} %"
    if limit.percent is None:
        return f"{limit.amount:f}"
    return f"{plain_decimal(limit.percent)} % or {limit.amount:f}, the stricter"


def merge_tolerances(base: Tolerances, overrides: Mapping[str, Any]) -> Tolerances:
    """``base`` with a supplier's overrides applied.

    A key that is missing keeps the base value. A limit that is given replaces the base limit as
    a whole: ``{"percent": "5"}`` means "5 %, no amount limit", because keeping the company's
    amount would silently make the supplier's wider percentage useless on large lines. A value of
    None for ``percent``/``amount`` says that part does not apply. Anything that is not a
    non-negative decimal is refused with a ValueError naming the key, so a typo in a supplier's
    settings is seen when it is saved rather than as odd verdicts later.
    """
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key == "fee_amount":
            changes[key] = _decimal(value, key, allow_none=False)
        elif key in LIMIT_FIELDS:
            changes[key] = _limit(value, key)
        else:
            raise ValueError(f"unknown tolerance {key!r}")
    return replace(base, **changes)


def tolerances_from_mapping(data: Mapping[str, Any]) -> Tolerances:
    """Tolerances as stored by :func:`tolerances_to_mapping`; missing keys take the defaults
    (no deviation allowed, no fees)."""
    return merge_tolerances(Tolerances(), data)


def tolerances_to_mapping(tolerances: Tolerances) -> dict[str, Any]:
    """A JSON-able form with decimals as strings, read back by :func:`tolerances_from_mapping`."""
    data: dict[str, Any] = {}
    for name in LIMIT_FIELDS:
        limit: Limit = getattr(tolerances, name)
        data[name] = {"percent": _text(limit.percent), "amount": _text(limit.amount)}
    data["fee_amount"] = _text(tolerances.fee_amount)
    return data


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _limit(value: Any, key: str) -> Limit:
    if isinstance(value, Limit):
        return Limit(
            percent=_decimal(value.percent, f"{key}.percent", allow_none=True),
            amount=_decimal(value.amount, f"{key}.amount", allow_none=True),
        )
    if not isinstance(value, Mapping):
        raise ValueError(f"tolerance {key!r} must be a mapping with 'percent' and/or 'amount'")
    unknown = set(value) - _LIMIT_KEYS
    if unknown:
        raise ValueError(f"tolerance {key!r} has unknown parts: {', '.join(sorted(unknown))}")
    return Limit(
        percent=_decimal(value.get("percent"), f"{key}.percent", allow_none=True),
        amount=_decimal(value.get("amount"), f"{key}.amount", allow_none=True),
    )


def _decimal(value: Any, key: str, *, allow_none: bool) -> Decimal | None:
    """A non-negative finite Decimal from a string, int, Decimal or float (via its text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_none:
            return None
        raise ValueError(f"tolerance {key!r} must be given")
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"tolerance {key!r} must be a decimal number, not {value!r}")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"tolerance {key!r} must be a decimal number, not {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"tolerance {key!r} must be a non-negative number, not {value!r}")
    return number
