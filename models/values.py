"""Amounts, dates and currencies as they are printed on Nordic and European invoices.

Each parser takes one text fragment and answers None for anything it does not recognise, so an
extractor can offer it candidate after candidate and let labels decide which one is meant.
"""

import re
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
# Thousands groups must all use the same separator and hold exactly three digits; the first
# alternative is tried first, so "1.234" is one thousand two hundred and thirty-four.
_NUMBER = re.compile(
    rf"(?P<int>[1-9]\d{{0,2}}(?P<sep>[.,{_SPACES}])\d{{3}}(?:(?P=sep)\d{{3}})*|\d+)"
    r"(?:(?P<dec>[.,])(?P<frac>\d+))?"
)

_NUMERIC_DATE = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\.?\s*([^\W\d_]{3,})\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([^\W\d_]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")

# Full month names in Norwegian, Swedish, Danish and English; any abbreviation of three or more
# letters is accepted, which covers "mar", "mars", "sept", "okt", "des" and "dec" alike.
_MONTH_NAMES = (
    ("januar", "januari", "january"),
    ("februar", "februari", "february"),
    ("mars", "marts", "march"),
    ("april",),
    ("mai", "maj", "may"),
    ("juni", "june"),
    ("juli", "july"),
    ("august", "augusti"),
    ("september",),
    ("oktober", "october"),
    ("november",),
    ("desember", "december"),
)


def parse_amount(text: str) -> Decimal | None:
    """A money amount with the decimals it was printed with, or None.

    Digits are kept as printed ("1234" stays ``Decimal("1234")``) so a later check can tell an
    amount in whole kroner from one in øre. A single ``.`` or ``,`` followed by exactly three
    digits ("1.234", "1,234") is read as a thousands separator, which is how both Nordic and
    English invoices print amounts over a thousand; prices with three decimals are rare enough
    on invoices to lose that tie. A trailing minus ("1 234,56-") is how credit notes often print.
    """
    body = _AFFIX_END.sub("", _AFFIX_START.sub("", text.strip())).strip(_SPACES)
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


def parse_date(text: str) -> date | None:
    """A calendar date, reading numeric dates day first as Nordic invoices print them.

    Two-digit years are taken as 20xx: an invoice from the last century is not something an AP
    inbox receives.
    """
    body = text.strip().rstrip(".,")
    if match := _ISO_DATE.fullmatch(body):
        return _date(match[1], match[2], match[3])
    if match := _NUMERIC_DATE.fullmatch(body):
        year = match[4] if len(match[4]) == 4 else f"20{match[4]}"
        return _date(year, match[3], match[1])
    if match := _DAY_MONTH_YEAR.fullmatch(body):
        return _named_date(match[3], match[2], match[1])
    if match := _MONTH_DAY_YEAR.fullmatch(body):
        return _named_date(match[3], match[1], match[2])
    return None


def _named_date(year: str, month_name: str, day: str) -> date | None:
    month = _month_number(month_name)
    return _date(year, str(month), day) if month else None


def _month_number(name: str) -> int | None:
    folded = name.casefold()
    for number, names in enumerate(_MONTH_NAMES, start=1):
        if any(full.startswith(folded) for full in names):
            return number
    return None


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
