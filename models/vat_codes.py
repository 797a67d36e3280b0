"""The Norwegian SAF-T standard VAT codes (Skatteetaten's "standard MVA-koder").

Every Norwegian ledger maps its own VAT codes to these for the SAF-T export, so they are the
neutral vocabulary Bilag suggests and reports VAT codes in. The list ships with the repository
(``data/saft/Standard_Tax_Codes.csv``, see ``data/saft/SOURCE.md``) because it changes rarely and
must be readable without network access.

The file names a rate *class* ("Regular rate", "Reduced rate, middle"), not a percentage: the
percentages are set each year in the national budget, and the code stays the same when they
change. :data:`RATE_BY_CLASS` holds the percentages in force, so a code can be compared with the
``Percent`` on an invoice line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

STANDARD_VAT_CODES_PATH = (
    Path(__file__).resolve().parent.parent / "data" / "saft" / "Standard_Tax_Codes.csv"
)

_COLUMNS = ("Code", "DescriptionNOB", "DescriptionENG", "TaxRate", "Compensation")

# The Norwegian VAT rates in force since 1 October 2021 (the temporary COVID reduction of the
# low rate ended then). A change in the national budget is a change here, not in the file.
RATE_BY_CLASS: dict[str, Decimal] = {
    "Regular rate": Decimal("25"),
    "Reduced rate, middle": Decimal("15"),
    "Reduced rate, low": Decimal("12"),
    "Reduced rate, raw fish": Decimal("11.11"),
    "Zero rate": Decimal("0"),
}


@dataclass(frozen=True)
class StandardVatCode:
    """One standard VAT code.

    ``rate`` is the percentage of ``rate_class`` today, ``None`` for codes outside VAT treatment
    (0, 6, 7, 20). ``compensation`` says the code may be used under the VAT compensation scheme
    for public bodies (the file's ``Compensation`` column).
    """

    code: str
    description_nob: str
    description_eng: str
    rate: Decimal | None
    compensation: bool
    rate_class: str | None = None


def parse_standard_vat_codes(text: str) -> list[StandardVatCode]:
    """The codes in ``text`` (the CSV as published), in file order.

    Raises ``ValueError`` naming the row for a header, rate class or flag it does not know:
    a silently wrong VAT rate would be worse than a failing start-up.
    """
    rows = csv.reader(text.lstrip("\ufeff").splitlines(), delimiter=";")
    header = tuple(column.strip() for column in next(rows, ()))
    if header != _COLUMNS:
        raise ValueError(f"Unexpected standard VAT code columns {header}; expected {_COLUMNS}.")
    codes: list[StandardVatCode] = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(_COLUMNS):
            raise ValueError(f"Row {number} has {len(row)} columns; expected {len(_COLUMNS)}.")
        code, description_nob, description_eng, rate_class, compensation = map(str.strip, row)
        codes.append(
            StandardVatCode(
                code=code,
                description_nob=description_nob,
                description_eng=description_eng,
                rate=_rate(rate_class, number),
                compensation=_flag(compensation, number),
                rate_class=rate_class or None,
            )
        )
    return codes


def load_standard_vat_codes(path: Path = STANDARD_VAT_CODES_PATH) -> list[StandardVatCode]:
    """The codes from the copy shipped in the repository (or ``path``)."""
    return parse_standard_vat_codes(path.read_text(encoding="utf-8"))


def _rate(rate_class: str, row: int) -> Decimal | None:
    if not rate_class:
        return None
    if rate_class not in RATE_BY_CLASS:
        raise ValueError(f"Row {row}: unknown VAT rate class {rate_class!r}.")
    return RATE_BY_CLASS[rate_class]


def _flag(text: str, row: int) -> bool:
    """``TRUE``/``FALSE``; the file leaves the cell empty for false."""
    value = text.upper()
    if value not in ("TRUE", "FALSE", ""):
        raise ValueError(f"Row {row}: Compensation is {text!r}; expected TRUE, FALSE or empty.")
    return value == "TRUE"
