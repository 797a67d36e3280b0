"""Reading an ERP's posting history (CSV or JSON records) into rows the coding model learns from.

Pure functions over plain data: no database, no files, no web framework. Callers hand in lines
of text or decoded JSON records and get back typed rows, row errors with the line they are on,
and warnings; storing is someone else's job.

Each row gets a ``row_key`` so that importing the same export twice is a no-op: the ERP's own
row id when the file has one, otherwise a hash of the row's normalised content plus how many
identical rows came before it in the same file. The occurrence number matters because identical
rows are legitimate (two equal taxi receipts on one day) and must not collapse into one, yet a
re-import of the same file must give every row the same key again.
"""

import csv
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from models.values import parse_date

COLUMNS = (
    "date",
    "supplier_id",
    "supplier_name",
    "description",
    "amount",
    "currency",
    "account",
    "vat_code",
    "department",
    "project",
)
ROW_KEY_COLUMN = "row_key"
REQUIRED_COLUMNS = ("date", "amount", "account")
SUPPLIER_COLUMNS = ("supplier_id", "supplier_name")

# The column lengths of ``PostingHistory``: a longer value is a row error, never cut short,
# because a truncated account or supplier id would teach the model a code that does not exist.
TEXT_LIMITS: Mapping[str, int] = {
    "supplier_id": 100,
    "supplier_name": 200,
    "account": 200,
    "vat_code": 200,
    "department": 200,
    "project": 200,
}
ROW_KEY_LENGTH = 64
# NUMERIC(18, 2): two decimals and sixteen digits before the point.
AMOUNT_DECIMALS = 2
_AMOUNT_LIMIT = Decimal(10) ** (18 - AMOUNT_DECIMALS)
_CENT = Decimal("0.01")

# Kept so a file that is wrong on every one of half a million rows does not hold half a million
# messages; ``error_count`` still counts them all.
ERRORS_KEPT = 1000

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DOTTED_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")
# Machine exports, not printed invoices: the only thousands separator accepted is a space, so
# "1.234" or "1,234" can only be a decimal amount, never silently a thousand times larger.
_SPACES = " \u00a0\u202f"
_AMOUNT = re.compile(
    rf"(?P<sign>[-+]?)(?P<int>\d{{1,3}}(?:[{_SPACES}]\d{{3}})+|\d+)(?:[.,](?P<frac>\d+))?"
)
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_DELIMITERS = (",", ";", "\t")
# Between the fields of the content hash: a control character no export puts inside a value.
_SEPARATOR = "\x1f"


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One posted line as the ERP booked it, normalised; what ``PostingHistory`` stores."""

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


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was not taken. ``line`` is the CSV file's physical line (the header is line
    1), or the 1-based index of a JSON record, so the sender can find and fix it."""

    line: int
    message: str


@dataclass
class HistoryParse:
    """The good rows, the bad ones' errors (the first ``ERRORS_KEPT``) and file-level warnings.

    ``records`` counts the data rows read, good and bad, so ``records == len(rows) +
    error_count`` unless the header itself was refused.
    """

    rows: list[HistoryRow]
    errors: list[RowError]
    warnings: list[str]
    records: int = 0
    error_count: int = 0


class _Invalid(ValueError):
    """One value of a row is wrong; the row is refused with this message."""


@dataclass
class HistoryReader:
    """Streams rows out of CSV lines or JSON records, collecting errors and warnings aside.

    Use it directly to store rows while reading (a 500,000-row export need not be held in
    memory at once), or through :func:`parse_history_csv` / :func:`parse_history_records`.
    """

    base_currency: str
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    records: int = 0
    error_count: int = 0
    _seen: dict[bytes, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not _CURRENCY.fullmatch(self.base_currency.strip()):
            raise ValueError(f"base currency {self.base_currency!r} is not an ISO 4217 code")
        self.base_currency = self.base_currency.strip().upper()

    def csv_rows(self, lines: Iterable[str]) -> Iterator[HistoryRow]:
        """The good rows of a CSV export, header first; the delimiter (``,`` ``;`` or tab) is
        the one the header line uses most, since Nordic exports with decimal commas use ``;``."""
        remaining = iter(lines)
        first = next(remaining, None)
        if first is None or not first.strip():
            self._error(1, "The file is empty: the first line must be the header.")
            return
        first = first.removeprefix("\ufeff")
        delimiter = max(_DELIMITERS, key=first.count)
        reader = csv.reader(itertools.chain([first], remaining), delimiter=delimiter)
        try:
            names = [name.strip().lower() for name in next(reader)]
        except csv.Error as exc:
            self._error(1, f"The header is not valid CSV: {exc}.")
            return
        if not self._header_is_usable(names):
            return
        last_line = reader.line_num
        while True:
            line = last_line + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                last_line = reader.line_num
                self.records += 1
                self._error(line, f"The line is not valid CSV: {exc}.")
                continue
            last_line = reader.line_num
            if not any(value.strip() for value in fields):
                continue
            self.records += 1
            if len(fields) > len(names):
                self._error(
                    line,
                    f"The row has {len(fields)} fields but the header has {len(names)} "
                    f"(an amount with a decimal comma in a comma-separated file must be quoted).",
                )
                continue
            row = self._row(dict(zip(names, fields, strict=False)), line)
            if row is not None:
                yield row

    def record_rows(self, records: Iterable[object]) -> Iterator[HistoryRow]:
        """The good rows of JSON records (objects with the CSV's column names as keys)."""
        unknown: set[str] = set()
        for index, record in enumerate(records, start=1):
            self.records += 1
            if not isinstance(record, dict):
                self._error(index, "The record is not an object.")
                continue
            values = {str(name).strip().lower(): value for name, value in record.items()}
            unknown.update(name for name in values if name not in (*COLUMNS, ROW_KEY_COLUMN))
            row = self._row(values, index)
            if row is not None:
                yield row
        if unknown:
            self.warnings.append(f"Ignored unknown fields: {', '.join(sorted(unknown))}.")

    def parsed(self, rows: list[HistoryRow]) -> HistoryParse:
        return HistoryParse(rows, self.errors, self.warnings, self.records, self.error_count)

    def _header_is_usable(self, names: list[str]) -> bool:
        repeated = sorted({name for name in names if name and names.count(name) > 1})
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if not any(name in names for name in SUPPLIER_COLUMNS):
            missing.append(" or ".join(SUPPLIER_COLUMNS))
        if missing or repeated:
            problems = []
            if missing:
                problems.append(f"lacks the required column(s) {', '.join(missing)}")
            if repeated:
                problems.append(f"repeats the column(s) {', '.join(repeated)}")
            self._error(1, f"The header {' and '.join(problems)}; found: {', '.join(names)}.")
            return False
        unknown = [name for name in names if name not in (*COLUMNS, ROW_KEY_COLUMN)]
        if unknown:
            shown = ", ".join(name or "(blank)" for name in unknown)
            self.warnings.append(f"Ignored unknown columns: {shown}.")
        return True

    def _row(self, values: Mapping[str, Any], line: int) -> HistoryRow | None:
        """The row, or None with every problem of it reported at once (the sender fixes the
        whole row in one go rather than one value per attempt)."""
        problems: list[str] = []
        parsed: dict[str, Any] = {}
        for column, (name, parse) in _PARSERS.items():
            try:
                parsed[name] = parse(_text(values.get(column), column), self.base_currency)
            except _Invalid as invalid:
                problems.append(str(invalid))
        if not any(_is_given(values.get(column)) for column in SUPPLIER_COLUMNS):
            problems.append("supplier_id and supplier_name are both empty; give at least one.")
        if problems:
            self._error(line, " ".join(problems))
            return None
        given_key = parsed.pop("row_key")
        content = _SEPARATOR.join(_canonical(parsed[name]) for name in _CONTENT_FIELDS)
        row_key = _given_key(given_key) if given_key else self._content_key(content)
        return HistoryRow(row_key=row_key, **parsed)

    def _content_key(self, content: str) -> str:
        seen = hashlib.sha256(content.encode()).digest()
        earlier = self._seen.get(seen, 0)
        self._seen[seen] = earlier + 1
        return hashlib.sha256(f"{content}{_SEPARATOR}{earlier}".encode()).hexdigest()

    def _error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < ERRORS_KEPT:
            self.errors.append(RowError(line, message))


def parse_history_csv(lines: Iterable[str], base_currency: str) -> HistoryParse:
    """Every row of a CSV export: the good ones, and each bad one's line and why.

    ``lines`` may be an open text file (opened with ``newline=""`` so quoted line breaks
    survive); it is read once, line by line. ``base_currency`` is the company's, used where the
    currency column is absent or blank.
    """
    reader = HistoryReader(base_currency)
    return reader.parsed(list(reader.csv_rows(lines)))


def parse_history_records(records: list[dict[str, Any]], base_currency: str) -> HistoryParse:
    """Every record of a JSON import, as :func:`parse_history_csv` reads a CSV row.

    Values may be strings or JSON numbers (an amount given as a number is read from its
    decimal text, so ``1234.5`` stays exact when the JSON was decoded with ``Decimal``).
    """
    reader = HistoryReader(base_currency)
    return reader.parsed(list(reader.record_rows(records)))


def _text(value: object, name: str) -> str:
    """A value as stripped NFC text: the same words typed on two systems hash the same."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _Invalid(f"{name} must be text or a number, not {type(value).__name__}.")
    return unicodedata.normalize("NFC", str(value)).strip()


def _is_given(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _posting_date(text: str) -> date:
    if not text:
        raise _Invalid("date is empty.")
    if not (_ISO_DATE.fullmatch(text) or _DOTTED_DATE.fullmatch(text)):
        raise _Invalid(f"date {text!r} is not YYYY-MM-DD or DD.MM.YYYY.")
    parsed = parse_date(text)
    if parsed is None:
        raise _Invalid(f"date {text!r} is not a day of the calendar.")
    return parsed


def _amount(text: str) -> Decimal:
    """An amount as an ERP exports it: ``1234.50``, ``-12.5``, ``1234,50`` or ``1 234,50``.

    ``models.values.parse_amount`` is not used: it reads invoice print, where "1.234" is one
    thousand two hundred and thirty-four; in an export without thousands separators it is one
    point two three four, and guessing wrong would store an amount a thousand times off.
    """
    if not text:
        raise _Invalid("amount is empty.")
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise _Invalid(f"amount {text!r} is not a number like 1234.50, -12.5, 1234,50 or 1 234,50.")
    digits = re.sub(f"[{_SPACES}]", "", match["int"])
    amount = Decimal(f"{match['sign']}{digits}.{match['frac'] or '0'}")
    rounded = amount.quantize(_CENT)
    if rounded != amount:
        raise _Invalid(f"amount {text!r} has more than {AMOUNT_DECIMALS} decimals.")
    if abs(rounded) >= _AMOUNT_LIMIT:
        raise _Invalid(f"amount {text!r} is too large.")
    return rounded if rounded else Decimal("0.00")


def _currency(text: str, base_currency: str) -> str:
    if not text:
        return base_currency
    if not _CURRENCY.fullmatch(text):
        raise _Invalid(f"currency {text!r} is not a three-letter ISO 4217 code.")
    return text.upper()


def _limited(text: str, name: str, required: bool = False) -> str | None:
    if not text:
        if required:
            raise _Invalid(f"{name} is empty.")
        return None
    limit = TEXT_LIMITS[name]
    if len(text) > limit:
        raise _Invalid(f"{name} is {len(text)} characters long; at most {limit} are kept.")
    return text


def _given_key(text: str) -> str:
    """The ERP's own row id; hashed when it would not fit, so a long id still stays unique."""
    if len(text) <= ROW_KEY_LENGTH:
        return text
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _plain(text: str, _base_currency: str) -> str:
    return text


def _optional(column: str) -> Callable[[str, str], str | None]:
    return lambda text, _base_currency: _limited(text, column)


# Column -> (HistoryRow field, parser of the stripped text and the base currency). The order is
# the order of the content hash; changing it changes every content key already stored.
_PARSERS: Mapping[str, tuple[str, Callable[[str, str], Any]]] = {
    "date": ("posting_date", lambda text, _base: _posting_date(text)),
    "supplier_id": ("supplier_id", _optional("supplier_id")),
    "supplier_name": ("supplier_name", _optional("supplier_name")),
    "description": ("description", _plain),
    "amount": ("amount", lambda text, _base: _amount(text)),
    "currency": ("currency", _currency),
    "account": ("account", lambda text, _base: _limited(text, "account", required=True)),
    "vat_code": ("vat_code", _optional("vat_code")),
    "department": ("department", _optional("department")),
    "project": ("project", _optional("project")),
    ROW_KEY_COLUMN: ("row_key", _plain),
}
_CONTENT_FIELDS = tuple(name for name, _ in _PARSERS.values() if name != "row_key")
