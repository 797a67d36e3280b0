"""The canonical invoice fields: the names and value forms the API, the CLI and the evals share.

Every value is carried as text in one normal form per kind (ISO dates, plain decimal strings,
identifiers without spaces) so that an extracted value, a clerk's correction, an e-invoice's
statement and an evaluation's truth compare with ``==`` after :func:`canonical_value`.
"""

from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from stdnum.util import clean

from models.values import parse_amount, parse_date


class FieldKind(StrEnum):
    TEXT = "text"
    CODE = "code"  # an identifier: kept as printed, compared without separators and case
    DATE = "date"
    AMOUNT = "amount"
    CURRENCY = "currency"
    DOCUMENT_TYPE = "document_type"


HEADER_FIELDS: dict[str, FieldKind] = {
    "document_type": FieldKind.DOCUMENT_TYPE,
    "supplier_name": FieldKind.TEXT,
    "supplier_org_number": FieldKind.CODE,
    "supplier_vat_number": FieldKind.CODE,
    "buyer_name": FieldKind.TEXT,
    "buyer_org_number": FieldKind.CODE,
    "invoice_number": FieldKind.CODE,
    "invoice_date": FieldKind.DATE,
    "due_date": FieldKind.DATE,
    "delivery_date": FieldKind.DATE,
    "currency": FieldKind.CURRENCY,
    "net_amount": FieldKind.AMOUNT,
    "vat_amount": FieldKind.AMOUNT,
    "total_amount": FieldKind.AMOUNT,
    "amount_due": FieldKind.AMOUNT,
    "po_number": FieldKind.CODE,
    "buyer_reference": FieldKind.TEXT,
    "kid": FieldKind.CODE,
    "bank_account": FieldKind.CODE,
    "iban": FieldKind.CODE,
    "bic": FieldKind.CODE,
    "payment_terms": FieldKind.TEXT,
}
"""Single-valued fields; ``vat_breakdown`` and ``lines`` are lists of the records below."""

LIST_FIELDS = ("vat_breakdown", "lines")
VAT_BREAKDOWN_KEYS: dict[str, FieldKind] = {
    "rate": FieldKind.AMOUNT,
    "base": FieldKind.AMOUNT,
    "amount": FieldKind.AMOUNT,
}
LINE_KEYS: dict[str, FieldKind] = {
    "description": FieldKind.TEXT,
    "item_code": FieldKind.CODE,
    "quantity": FieldKind.AMOUNT,
    "unit": FieldKind.TEXT,
    "unit_price": FieldKind.AMOUNT,
    "vat_rate": FieldKind.AMOUNT,
    "amount": FieldKind.AMOUNT,
}
DOCUMENT_TYPES = ("invoice", "credit_note")
_CODE_SEPARATORS = " \u00a0\u2009\u202f.-"


def canonical_value(kind: FieldKind, raw: Any) -> str | None:
    """``raw`` in the kind's normal form; None for an empty value.

    Raises ``ValueError`` with a clerk-readable message for a value that is not of the kind,
    so an API can answer 422 rather than storing "31.02.2026" as a date.
    """
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal | date):
        raise ValueError(f"expected text, got {type(raw).__name__}")
    if isinstance(raw, date):
        if kind is not FieldKind.DATE:
            raise ValueError("a date is only valid for a date field")
        return raw.isoformat()
    text = str(raw).strip()
    if not text:
        return None
    match kind:
        case FieldKind.DATE:
            parsed = parse_date(text)
            if parsed is None:
                raise ValueError(f"{text!r} is not a date; use YYYY-MM-DD")
            return parsed.isoformat()
        case FieldKind.AMOUNT:
            return str(_amount(text))
        case FieldKind.CURRENCY:
            if len(text) != 3 or not text.isalpha():
                raise ValueError(f"{text!r} is not an ISO 4217 currency code")
            return text.upper()
        case FieldKind.DOCUMENT_TYPE:
            if text not in DOCUMENT_TYPES:
                raise ValueError(f"{text!r} is not one of {', '.join(DOCUMENT_TYPES)}")
            return text
        case FieldKind.CODE:
            return "".join(text.split()) or None
        case FieldKind.TEXT:
            return " ".join(text.split())


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        parsed = parse_amount(text)
        if parsed is None:
            raise ValueError(f"{text!r} is not an amount; use a decimal like 1234.50") from None
        value = parsed
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite amount")
    return value


def same_value(kind: FieldKind, left: str | None, right: str | None) -> bool:
    """Whether two canonical values mean the same: amounts by Decimal ("82003.3" equals
    "82003.30"), text case-blind, everything else exactly."""
    if left is None or right is None:
        return left is right
    if kind is FieldKind.AMOUNT:
        return Decimal(left) == Decimal(right)
    if kind is FieldKind.TEXT:
        return left.casefold() == right.casefold()
    if kind is FieldKind.CODE:
        return _compact(left) == _compact(right)
    return left == right


def _compact(code: str) -> str:
    """An identifier as it compares: "RE-2026/504" and "re 2026/504" are one number."""
    return clean(code, _CODE_SEPARATORS).upper()


def canonical_record(keys: dict[str, FieldKind], raw: dict[str, Any]) -> dict[str, str | None]:
    """One breakdown row or line in normal form; unknown keys are refused, not dropped."""
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; expected {', '.join(keys)}")
    return {key: canonical_value(kind, raw.get(key)) for key, kind in keys.items()}


RECORD_FIELDS: dict[str, dict[str, FieldKind]] = {
    "vat_breakdown": VAT_BREAKDOWN_KEYS,
    "lines": LINE_KEYS,
}


def canonical_field(name: str, value: Any) -> Any:
    """One field's value in normal form: a header field's text, or a list of records.

    Raises ``ValueError`` for an unknown name or a value of the wrong kind.
    """
    if name in HEADER_FIELDS:
        return canonical_value(HEADER_FIELDS[name], value)
    if name in RECORD_FIELDS:
        return _records(RECORD_FIELDS[name], value)
    raise ValueError("not a canonical field")


def canonical_truth(raw: dict[str, Any]) -> dict[str, Any]:
    """A whole invoice's canonical values, from a truth file or a correction.

    Accepts the flat form (``{"invoice_number": ..., "lines": [...]}``) and the form
    ``bilag extract --json`` prints (``{"fields": {name: {"value": ...}}, "lines": [...]}``),
    so an extraction's output, corrected by hand, is a valid truth file.
    """
    flat: dict[str, Any] = dict(raw.get("fields", raw))
    if "lines" in raw:
        flat["lines"] = raw["lines"]
    truth: dict[str, Any] = {}
    for name, value in flat.items():
        if isinstance(value, dict) and "value" in value:
            value = value["value"]
        if name in ("file", "layout", "name"):
            continue
        try:
            truth[name] = canonical_field(name, value)
        except ValueError as error:
            raise ValueError(f"{name}: {error}") from None
    return truth


def _records(keys: dict[str, FieldKind], value: Any) -> list[dict[str, str | None]] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise ValueError("expected a list of objects")
    return [canonical_record(keys, row) for row in value]
