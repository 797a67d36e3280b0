"""Which order a document prints its numeric dates in, decided from the document itself.

"03/06/2016" is 3 June in Europe and 6 March in the United States, and a few systems print
year-day-month ("2015-30-01"). One document uses one format, so a date on it that can only be
read one way ("25/01/2015", "2015-30-04") settles how its ambiguous dates are read. Without such
evidence the order the supplier's layout was taught stands, else the Nordic reading (day first;
ISO year-month-day).
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from ml.extraction.candidates import Candidate
from ml.extraction.page_lines import Line, text_of
from models.canonical_fields import HEADER_FIELDS, FieldKind

_DAY_FIRST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})")
_YEAR_FIRST = re.compile(r"(\d{4})([./-])(\d{1,2})\2(\d{1,2})")


NORDIC_ORDER = ("dmy", "ymd")


def document_date_order(
    lines: Sequence[Line], default: tuple[str, str] = NORDIC_ORDER
) -> tuple[str, str]:
    """(order of day-month dates, order of year-first dates): ("dmy" or "mdy", "ymd" or "ydm");
    each taken from ``default`` when the document has no date that settles it."""
    votes: Counter[str] = Counter()
    for line in lines:
        for token in line.tokens:
            text = token.text.strip(".,;:()")
            if match := _DAY_FIRST.fullmatch(text):
                first, second = int(match[1]), int(match[3])
                if first > 12 >= second:
                    votes["dmy"] += 1
                elif second > 12 >= first:
                    votes["mdy"] += 1
            elif match := _YEAR_FIRST.fullmatch(text):
                second, third = int(match[3]), int(match[4])
                if second > 12 >= third:
                    votes["ydm"] += 1
                elif third > 12 >= second:
                    votes["ymd"] += 1
    short, long = default
    if votes["mdy"] != votes["dmy"]:
        short = "mdy" if votes["mdy"] > votes["dmy"] else "dmy"
    if votes["ydm"] != votes["ymd"]:
        long = "ydm" if votes["ydm"] > votes["ymd"] else "ymd"
    return short, long


def in_document_order(
    candidates: Sequence[Candidate],
    lines: Sequence[Line],
    default: tuple[str, str] = NORDIC_ORDER,
) -> list[Candidate]:
    """Date candidates re-read in the document's date order where the default read differs;
    ``default`` is the order of the supplier's layout, for documents that do not settle it."""
    short, long = document_date_order(lines, default)
    if (short, long) == NORDIC_ORDER:
        return list(candidates)
    result = []
    for candidate in candidates:
        if HEADER_FIELDS.get(candidate.field) is FieldKind.DATE:
            value = reread(text_of(candidate.tokens).strip(".,;:()"), short, long)
            if value is not None:
                candidate = replace(candidate, value=value)
        result.append(candidate)
    return result


def reread(text: str, short: str, long: str) -> str | None:
    try:
        if short == "mdy" and (match := _DAY_FIRST.fullmatch(text)):
            year = int(match[4]) if len(match[4]) == 4 else 2000 + int(match[4])
            return date(year, int(match[1]), int(match[3])).isoformat()
        if long == "ydm" and (match := _YEAR_FIRST.fullmatch(text)):
            return date(int(match[1]), int(match[4]), int(match[3])).isoformat()
    except ValueError:
        return None
    return None
