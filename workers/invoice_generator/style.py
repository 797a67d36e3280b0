"""One invoicing system's printing habits: font, wordings, number and date formats, and which
optional fields it prints.

A style is drawn once per invoice and kept for the whole document (a system never mixes date
formats on one page). The formatting methods are the only place a value becomes printed text,
so what the truth records and what the page shows cannot drift apart.
"""

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from workers.invoice_generator.labels import Labels, choose_labels
from workers.invoice_generator.layouts import Columns, Family

# Formatted values hold no-break spaces, so wrapping running text never splits an amount, a date
# or an account number over two lines; the pen prints them as ordinary spaces.
NBSP = "\u00a0"

BOLD = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold", "Courier": "Courier-Bold"}

_MONTHS_NO = ("jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.",
              "nov.", "des.")  # fmt: skip
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

DATE_FORMATS_NO = (
    "dd.mm.yyyy",
    "dd.mm.yyyy",
    "d.m.yyyy",
    "yyyy-mm-dd",
    "d. mon yyyy",
    "dd/mm/yyyy",
)
DATE_FORMATS_EN = ("dd.mm.yyyy", "yyyy-mm-dd", "dd/mm/yyyy", "d Mon yyyy")


@dataclass(frozen=True)
class Style:
    language: str
    font: str
    size: float
    title_size: float
    name_size: float
    labels: Labels
    colon: str
    date_format: str
    thousands: str
    decimal: str
    currency_mark: str  # "", "kr" or "NOK": how a NOK amount due is marked
    mark_suffix: bool
    mark_all_totals: bool
    account_format: str  # dots | spaces | plain
    org_grouped: bool
    org_form: str  # orgnr | orgnr_mva | vat_id | vat_only
    iban_grouped: bool
    columns: Columns
    vat_format: str
    quantity_decimals: bool
    show_delivery_date: bool
    show_buyer_org: bool
    show_terms: bool
    show_our_ref: bool
    show_customer_no: bool
    show_iban_for_nok: bool
    show_account_for_foreign: bool
    show_bank_in_footer: bool
    show_kid_in_meta: bool
    skip_total_row: bool
    breakdown_single: str  # table | inline | rate_label | none
    breakdown_multi: str  # table | inline
    credit_minus: bool
    logo_shape: str
    accent: float
    header_gray: float

    @property
    def bold_font(self) -> str:
        return BOLD[self.font]

    def label(self, key: str, colon: bool = False) -> str:
        return self.labels[key] + (self.colon if colon else "")

    def money(self, amount: Decimal, *, currency: str | None = None, negative: bool = False) -> str:
        """``amount`` as printed; ``currency`` adds the mark a system prints on totals (the ISO
        code for foreign currency, "kr" or "NOK" or nothing for kroner)."""
        whole, fraction = f"{abs(amount):.2f}".split(".")
        grouped = f"{int(whole):,}".replace(",", self.thousands.replace(" ", NBSP))
        sign = "-" if negative or amount < 0 else ""
        text = f"{sign}{grouped}{self.decimal}{fraction}"
        mark = self.currency_mark if currency == "NOK" else (currency or "")
        if not mark:
            return text
        return f"{text}{NBSP}{mark}" if self.mark_suffix else f"{mark}{NBSP}{text}"

    def number(self, value: Decimal) -> str:
        """A quantity or percentage: no trailing zeros unless the system always prints two."""
        if self.quantity_decimals:
            return f"{value:.2f}".replace(".", self.decimal)
        return f"{value.normalize():f}".replace(".", self.decimal)

    def rate(self, rate: Decimal) -> str:
        return self.vat_format.format(f"{rate.normalize():f}")

    def date(self, day: date) -> str:
        return {
            "dd.mm.yyyy": f"{day:%d.%m.%Y}",
            "d.m.yyyy": f"{day.day}.{day.month}.{day.year}",
            "yyyy-mm-dd": f"{day:%Y-%m-%d}",
            "d. mon yyyy": f"{day.day}.{NBSP}{_MONTHS_NO[day.month - 1]}{NBSP}{day.year}",
            "dd/mm/yyyy": f"{day:%d/%m/%Y}",
            "d Mon yyyy": f"{day.day}{NBSP}{_MONTHS_EN[day.month - 1]}{NBSP}{day.year}",
        }[self.date_format]

    def account(self, number: str) -> str:
        if self.account_format == "dots":
            return f"{number[:4]}.{number[4:6]}.{number[6:]}"
        if self.account_format == "spaces":
            return f"{number[:4]}{NBSP}{number[4:6]}{NBSP}{number[6:]}"
        return number

    def iban(self, iban: str) -> str:
        if not self.iban_grouped:
            return iban
        return NBSP.join(iban[i : i + 4] for i in range(0, len(iban), 4))

    def org(self, number: str) -> str:
        return f"{number[:3]}{NBSP}{number[3:6]}{NBSP}{number[6:]}" if self.org_grouped else number

    def terms(self, days: int) -> str:
        return self.labels["terms_text"].format(days=days)


def random_style(family: Family, seed: int) -> Style:
    """The style of invoice ``seed`` printed by ``family``; its own random stream, so adding a
    style choice never changes any invoice's content."""
    rng = random.Random(f"bilag-invoice-style:{seed}")
    english = family.language == "en"
    size = rng.choice(_steps(*family.sizes))
    thousands, decimal = rng.choice(
        ((",", "."), (" ", "."), (" ", ","), ("", "."))
        if english
        else ((" ", ","), (" ", ","), (".", ","), ("", ","))
    )
    columns = rng.choice(family.columns)
    multi = (
        "table"
        if family.totals == "row" or family.breakdown_table
        else rng.choice(("table", "inline"))
    )
    single_options = (
        ("table",)
        if family.breakdown_table
        else ("table", "inline", "rate_label", "rate_label", "none", "none")
    )
    if family.totals == "row" and not family.breakdown_table:
        single_options = ("table", "rate_label", "rate_label", "none", "none")
    return Style(
        language=family.language,
        font=rng.choice(family.fonts),
        size=size,
        title_size=rng.choice((14, 16, 18, 20, 22)),
        name_size=rng.choice((15, 17, 19, 21, 24)),
        labels=choose_labels(family.language, rng),
        colon=rng.choice((":", ":", "")),
        date_format=rng.choice(DATE_FORMATS_EN if english else DATE_FORMATS_NO),
        thousands=thousands,
        decimal=decimal,
        currency_mark=rng.choice(("", "kr", "NOK", "NOK")),
        mark_suffix=rng.random() < 0.25,
        mark_all_totals=rng.random() < 0.3,
        account_format=rng.choice(("dots", "dots", "spaces", "plain")),
        org_grouped=rng.random() < 0.7,
        org_form=rng.choice(("orgnr", "orgnr_mva", "orgnr_mva", "vat_id", "vat_only")),
        iban_grouped=rng.random() < 0.7,
        columns=columns,
        vat_format=rng.choice(("{} %", "{}%", "{}", "{} %")),
        quantity_decimals=rng.random() < 0.25,
        show_delivery_date=rng.random() < 0.6,
        show_buyer_org=rng.random() < 0.6,
        show_terms=rng.random() < 0.6,
        show_our_ref=rng.random() < 0.5,
        show_customer_no=rng.random() < 0.6,
        show_iban_for_nok=rng.random() < 0.2,
        show_account_for_foreign=rng.random() < 0.4,
        show_bank_in_footer=rng.random() < 0.5,
        show_kid_in_meta=rng.random() < 0.4,
        skip_total_row=rng.random() < 0.3,
        breakdown_single=rng.choice(single_options),
        breakdown_multi=multi,
        credit_minus=rng.random() < 0.5,
        logo_shape=rng.choice(("circle", "square", "triangle", "mountains", "bars", "ring")),
        accent=rng.choice((0.15, 0.2, 0.25, 0.3, 0.35)),
        header_gray=rng.choice((0.82, 0.86, 0.9)),
    )


def _steps(low: float, high: float) -> tuple[float, ...]:
    count = int((high - low) / 0.5) + 1
    return tuple(low + 0.5 * i for i in range(count))
