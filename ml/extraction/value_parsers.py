"""Read one field's value from a run of tokens, in the field's canonical form.

Each parser answers None for anything that is not a value of its field, so candidate
generation can offer every run beside a label and keep only what parses. Identifiers must pass
their check digits; a look-alike OCR slip (O for 0, l for 1) is repaired only when exactly one
repair makes the checksum hold, and the number of repairs is reported so the scorer can trust a
repaired value less.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ml.extraction.page_lines import text_of
from models.canonical_fields import HEADER_FIELDS, FieldKind
from models.identifiers import (
    normalize_bank_account,
    normalize_bic,
    normalize_iban,
    normalize_kid,
    normalize_org_number,
    normalize_vat_number,
    repair_ocr_digits,
)
from models.tokens import Token
from models.values import parse_currency, parse_date

# Words printed between a label and its value that are not part of the value.
_FILLER = frozenset({":", "-", "#", "nr", "nr.", "no", "no.", "n°", "nº", "no:", "nr:", "/"})
_MAX_IDENTIFIER_TOKENS = {"iban": 9, "kid": 6, "bank_account": 4}
_MAX_TEXT_TOKENS = 10
_YEAR_DAY_MONTH = re.compile(r"(\d{4})-(1[3-9]|2\d|3[01])-(\d{1,2})")
# "#", "No.", "Nr:", "N°" glued to the number, and OCR's "N*" for "N°"; then something left.
_NUMBER_PREFIX = re.compile(r"^(?:#|N[°º*o]|No|Nr)[.:#]*\s*(?=\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ParsedValue:
    value: str
    tokens: tuple[Token, ...]
    repairs: int = 0
    checksum: bool = False


def _identifier(normalize: Callable[[str], str | None]) -> Callable[[str], tuple[str, int] | None]:
    def parse(text: str) -> tuple[str, int] | None:
        return repair_ocr_digits(text, normalize)

    return parse


def _iban(text: str) -> tuple[str, int] | None:
    compact = "".join(text.split()).upper().removeprefix("IBAN").lstrip(":")
    if len(compact) < 15 or not compact[:2].isalpha():
        return None
    return repair_ocr_digits(compact, normalize_iban)


def _plain(normalize: Callable[[str], str | None]) -> Callable[[str], tuple[str, int] | None]:
    def parse(text: str) -> tuple[str, int] | None:
        value = normalize(text)
        return (value, 0) if value else None

    return parse


_IDENTIFIERS: dict[str, Callable[[str], tuple[str, int] | None]] = {
    "supplier_org_number": _identifier(normalize_org_number),
    "buyer_org_number": _identifier(normalize_org_number),
    "kid": _identifier(normalize_kid),
    "bank_account": _identifier(normalize_bank_account),
    "iban": _iban,
    # read beside a BIC/SWIFT label, which is what lets an all-letter code count
    "bic": _plain(lambda text: normalize_bic(f"BIC {text}")),
    "supplier_vat_number": _plain(normalize_vat_number),
}


_UNREPAIRED: dict[str, Callable[[str], tuple[str, int] | None]] = {
    "supplier_org_number": _plain(normalize_org_number),
    "buyer_org_number": _plain(normalize_org_number),
    "kid": _plain(normalize_kid),
    "bank_account": _plain(normalize_bank_account),
    "iban": _plain(normalize_iban),
    "bic": _IDENTIFIERS["bic"],
    "supplier_vat_number": _IDENTIFIERS["supplier_vat_number"],
}


def reference_number(text: str) -> str | None:
    """An invoice or order number: one word with a digit that is not a date or an amount
    with decimals. Leading "#", "No." and "N°" are dropped."""
    if text.startswith("(") and text.endswith(")"):
        return None  # "(380)": a code explained in brackets, not a number
    text = text.strip("|[]{}!")  # OCR reads box rules beside a value as bars and brackets
    value = _NUMBER_PREFIX.sub("", text.strip(".,;:()"), count=1) or text.strip(".,;:()")
    if not value or " " in value or not any(c.isdigit() for c in value) or len(value) > 40:
        return None
    if not value.isdigit() and parse_date(value) is not None:
        return None  # "03.11.2026"; an all-digit "20131122" may well be a number
    if "," in value and value.replace(",", "").replace(".", "").replace(" ", "").isdigit():
        return None  # "1 234,56" is an amount
    return value


def iso_date(text: str, months: Mapping[str, int] | None = None) -> str | None:
    """A date as ISO text; a year-first date that cannot be year-month-day is read
    year-day-month, as a few systems print it ("2015-30-01"); see ``date_order``. ``months``:
    a layout's taught month words (:func:`models.values.parse_date`)."""
    parsed = parse_date(text, months)
    if parsed is None and (match := _YEAR_DAY_MONTH.fullmatch(text.strip().rstrip(".,"))):
        parsed = parse_date(f"{match[1]}-{match[3]}-{match[2]}")
    return parsed.isoformat() if parsed else None


def strip_filler(tokens: Sequence[Token]) -> Sequence[Token]:
    """Drop the ":" and "No." that sit between a label and its value."""
    start = 0
    while start < len(tokens) and tokens[start].text.casefold() in _FILLER:
        start += 1
    return tokens[start:]


def parse_field(
    field: str,
    run: Sequence[Token],
    *,
    repair: bool = True,
    months: Mapping[str, int] | None = None,
) -> ParsedValue | None:
    """The longest leading part of ``run`` that is a value of ``field``; amounts are handled
    by amount spans instead (a line holds several). ``repair`` allows OCR look-alike repairs
    of identifiers, for values read beside their label; ``months`` are a layout's taught
    month words."""
    run = strip_filler(run)
    if not run:
        return None
    kind = HEADER_FIELDS[field]
    if field in _IDENTIFIERS:
        parse = _IDENTIFIERS[field] if repair else _UNREPAIRED[field]
        for end in range(min(len(run), _MAX_IDENTIFIER_TOKENS.get(field, 5)), 0, -1):
            found = parse(text_of(run[:end]))
            if found is not None:
                return ParsedValue(found[0], tuple(run[:end]), found[1], checksum=True)
        return None
    if kind is FieldKind.DATE:
        for end in range(min(len(run), 4), 0, -1):
            value = iso_date(text_of(run[:end]), months)
            if value is not None:
                return ParsedValue(value, tuple(run[:end]))
        return None
    if kind is FieldKind.CURRENCY:
        code = parse_currency(run[0].text)
        return ParsedValue(code, (run[0],)) if code else None
    if field in ("invoice_number", "po_number"):
        value = reference_number(run[0].text)
        return ParsedValue(value, (run[0],)) if value else None
    if kind is FieldKind.TEXT:
        tokens = tuple(run[:_MAX_TEXT_TOKENS])
        return ParsedValue(" ".join(text_of(tokens).split()), tokens)
    return None
