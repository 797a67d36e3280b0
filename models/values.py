"""Amounts, percentages, dates and currencies as they are printed on Nordic and European invoices.

Each parser takes one text fragment and answers None for anything it does not recognise, so an
extractor can offer it candidate after candidate and let labels decide which one is meant.
"""

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

# Small on purpose: a three-letter word on an invoice is far more often an abbreviation than a
# currency, so only codes Nordic companies actually receive invoices in are recognised.
KNOWN_CURRENCIES = frozenset(
    {"NOK", "SEK", "DKK", "EUR", "USD", "GBP", "CHF", "PLN", "ISK", "JPY", "CAD", "AUD", "CNY"}
)

# "kr" is deliberately absent: it means NOK, SEK or DKK, and only the company knows which.
_CURRENCY_SIGNS = {"€": "EUR", "EURO": "EUR", "$": "USD", "£": "GBP"}

_SPACES = "\u0020\u00a0\u2009\u202f"
# Hyphen-minus, minus sign and the en dash some PDFs print instead.
_MINUS = ("-", "\u2212", "\u2013")

_CURRENCY_AFFIX = rf"(?:{'|'.join(sorted(KNOWN_CURRENCIES))}|(?i:kr)\.?|[€$£])"
_AFFIX_START = re.compile(rf"^{_CURRENCY_AFFIX}[{_SPACES}]*")
_AFFIX_END = re.compile(rf"[{_SPACES}]*{_CURRENCY_AFFIX}$")
_WHOLE_KRONER = re.compile(rf"[.,][{''.join(_MINUS)}]$")
# Swiss and Liechtenstein invoices group thousands with an apostrophe ("1'234.56"), typed or
# typographic.
_APOSTROPHES = "'\u2019"
# Thousands groups must all use the same separator and hold exactly three digits; the first
# alternative is tried first, so "1.234" is one thousand two hundred and thirty-four.
_NUMBER = re.compile(
    rf"(?P<int>[1-9]\d{{0,2}}(?P<sep>[.,{_SPACES}{_APOSTROPHES}])\d{{3}}(?:(?P=sep)\d{{3}})*|\d+)"
    r"(?:(?P<dec>[.,])(?P<frac>\d+))?"
)
_PERCENTAGE = re.compile(rf"(?P<int>\d{{1,3}})(?:[.,](?P<frac>\d+))?[{_SPACES}]*%")

_NUMERIC_DATE = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})")
_ISO_DATE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# The ordinal suffix covers English "3rd" and French "1er".
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er)?\.?\s*([^\W\d_]{3,})\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([^\W\d_]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,\s*|\s+)(\d{4})")

# Full month names in Norwegian, Swedish, Danish, English, German and French, written without
# accents because names are compared after accents are removed ("März" is "marz", "août" is
# "aout"). An abbreviation is any prefix of three or more letters that fits one month only:
# "mar", "sept", "okt", "déc" and "janv" are read, "ma" is too short and "jui" (juin or juillet)
# is refused rather than guessed.
_MONTH_NAMES = (
    ("januar", "januari", "january", "janner", "jaenner", "janvier"),
    ("februar", "februari", "february", "fevrier"),
    ("mars", "marts", "march", "marz", "maerz"),
    ("april", "avril"),
    ("mai", "maj", "may"),
    ("juni", "june", "juin"),
    ("juli", "july", "juillet"),
    ("august", "augusti", "aout"),
    ("september", "septembre"),
    ("oktober", "october", "octobre"),
    ("november", "novembre"),
    ("desember", "december", "dezember", "decembre"),
)
# A compact YYYYMMDD date is only believed within this span: outside it an eight-digit number is
# far more likely an invoice, order or customer number.
_COMPACT_YEARS = range(1990, 2100)


def parse_amount(text: str) -> Decimal | None:
    """A money amount with the decimals it was printed with, or None.

    Digits are kept as printed ("1234" stays ``Decimal("1234")``) so a later check can tell an
    amount in whole kroner from one in øre. A single ``.`` or ``,`` followed by exactly three
    digits ("1.234", "1,234") is read as a thousands separator, which is how both Nordic and
    English invoices print amounts over a thousand; prices with three decimals are rare enough
    on invoices to lose that tie. A trailing minus ("1 234,56-") is how credit notes often print.
    """
    body = _AFFIX_END.sub("", _AFFIX_START.sub("", text.strip().removeprefix("+"))).strip(_SPACES)
    negative = body.startswith(_MINUS)
    if negative:
        body = body[1:].lstrip(_SPACES)
    if _WHOLE_KRONER.search(body):
        body = body[:-2]
    elif body.endswith(_MINUS):
        if negative:
            return None
        negative, body = True, body[:-1].rstrip(_SPACES)
    match = _NUMBER.fullmatch(body)
    if match is None or (match["dec"] is not None and match["dec"] == match["sep"]):
        return None
    integer = match["int"].replace(match["sep"], "") if match["sep"] else match["int"]
    number = Decimal(f"{integer}.{match['frac']}" if match["frac"] else integer)
    return -number if negative else number


def parse_percentage(text: str) -> Decimal | None:
    """A percentage printed as a number and a per cent sign ("25 %", "25,0%"), or None.

    The sign is required and nothing else may surround it, so "MVA 25%" is refused: the
    extractor, not this parser, decides which label a rate belongs to. Values above 100 are
    refused because no VAT rate or discount on an invoice exceeds the whole amount.
    """
    match = _PERCENTAGE.fullmatch(text.strip())
    if match is None:
        return None
    number = Decimal(f"{match['int']}.{match['frac']}" if match["frac"] else match["int"])
    return number if number <= 100 else None


def parse_date(text: str, months: Mapping[str, int] | None = None) -> date | None:
    """A calendar date, reading numeric dates day first as Nordic invoices print them.

    Two-digit years are taken as 20xx: an invoice from the last century is not something an AP
    inbox receives. A four-digit year first ("2026-11-03", "2026/11/03", "2026.11.03", and the
    compact "20261103") is always read year-month-day, which is how ISO 8601 and every system
    that prints the year first orders it. ``months`` are month words one supplier's layout was
    taught to mean ("jui" for June where its July is "jul"), looked up before the names above.
    """
    body = unicodedata.normalize("NFC", text).strip().rstrip(".,")
    if match := _ISO_DATE.fullmatch(body):
        return _date(match[1], match[3], match[4])
    if match := _COMPACT_DATE.fullmatch(body):
        return _date(match[1], match[2], match[3]) if int(match[1]) in _COMPACT_YEARS else None
    if match := _NUMERIC_DATE.fullmatch(body):
        year = match[4] if len(match[4]) == 4 else f"20{match[4]}"
        return _date(year, match[3], match[1])
    if match := _DAY_MONTH_YEAR.fullmatch(body):
        return _named_date(match[3], match[2], match[1], months)
    if match := _MONTH_DAY_YEAR.fullmatch(body):
        return _named_date(match[3], match[1], match[2], months)
    return None


def _named_date(
    year: str, month_name: str, day: str, months: Mapping[str, int] | None
) -> date | None:
    month = _month_number(month_name, months)
    return _date(year, str(month), day) if month else None


def month_word(name: str) -> str:
    """A month word as it is compared: casefolded, without accents or a trailing dot."""
    return _without_accents(name.casefold()).rstrip(".")


def _month_number(name: str, months: Mapping[str, int] | None = None) -> int | None:
    folded = month_word(name)
    if months and folded in months:
        return months[folded]
    months = {
        number
        for number, names in enumerate(_MONTH_NAMES, start=1)
        if any(full.startswith(folded) for full in names)
    }
    return months.pop() if len(months) == 1 else None


def _without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_currency(text: str) -> str | None:
    """The ISO 4217 code a currency mark stands for, or None when it does not say.

    Only upper-case codes count: "nok" is also the Norwegian word for "enough". "kr" gives None
    because it is NOK, SEK or DKK depending on the country; the caller falls back to the
    company's currency.
    """
    body = text.strip().rstrip(":")
    if body in KNOWN_CURRENCIES:
        return body
    return _CURRENCY_SIGNS.get(body.upper())
