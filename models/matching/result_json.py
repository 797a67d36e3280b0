"""An :class:`InvoiceMatch` as JSON for storage and the API: decimals as strings, never floats."""

from decimal import Decimal
from typing import Any

from models.matching.records import InvoiceMatch, LineMatch, ReasonFinding


def _number(value: Decimal | str | None) -> str | None:
    if value is None:
        return None
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def finding_json(finding: ReasonFinding) -> dict[str, Any]:
    return {
        "code": finding.code.value,
        "message": finding.message,
        "expected": _number(finding.expected),
        "actual": _number(finding.actual),
        "tolerance": finding.tolerance,
        "order_number": finding.order_number,
        "order_line": finding.order_line,
    }


def line_json(line: LineMatch) -> dict[str, Any]:
    allocation = line.allocation
    return {
        "line_number": line.line_number,
        "outcome": line.outcome.value,
        "order_number": line.order_number,
        "order_line": line.order_line,
        "quantity": _number(allocation.quantity) if allocation else None,
        "amount": _number(allocation.amount) if allocation else None,
        "is_fee": line.is_fee,
        "reasons": [finding_json(reason) for reason in line.reasons],
    }


def match_json(match: InvoiceMatch) -> dict[str, Any]:
    return {
        "outcome": match.outcome.value,
        "mode": match.mode.value if match.mode else None,
        "reasons": [finding_json(reason) for reason in match.reasons],
        "lines": [line_json(line) for line in match.lines],
    }
