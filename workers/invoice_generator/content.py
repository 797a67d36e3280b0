"""What a generated invoice says, before a layout decides how it looks.

Content is drawn from its own random stream (seeded by the invoice seed alone), so the same seed
rendered in two layouts is the same sale printed by two invoicing systems. Amounts follow from
the lines the way an invoicing system computes them: each line rounded to øre, VAT per rate on
that rate's net sum, half up.
"""

import random
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from workers.invoice_generator.check_digits import (
    norwegian_iban,
    random_bank_account,
    random_kid,
    random_org_number,
)
from workers.invoice_generator.vocabulary import (
    BANKS,
    BUYER_KINDS,
    CURRENCIES,
    CURRENCY_SCALE,
    DETAIL_SUFFIXES_EN,
    DETAIL_SUFFIXES_NO,
    FIRST_NAMES,
    MONTHS_EN,
    MONTHS_NO,
    NAME_WORDS,
    PLACES,
    STREETS,
    SURNAMES,
    TRADES,
    UNITS,
    Item,
)

ORE = Decimal("0.01")
_KRONE = Decimal("1")
_FIRST_DAY = date(2025, 1, 1)
_DAYS = 730
# Most suppliers are private limited companies; a few are public (ASA) or cooperatives (SA).
_COMPANY_FORMS = (" AS",) * 14 + (" ASA", " SA")


def to_ore(amount: Decimal) -> Decimal:
    return amount.quantize(ORE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Party:
    name: str
    org_number: str
    street: str
    postcode_city: str
    phone: str
    email: str
    website: str


@dataclass(frozen=True)
class Line:
    """One invoice line as printed; ``discount`` is a percentage or None."""

    description: str
    item_code: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat_rate: Decimal
    discount: Decimal | None = None

    @property
    def amount(self) -> Decimal:
        gross = self.quantity * self.unit_price
        if self.discount:
            gross = gross * (100 - self.discount) / 100
        return to_ore(gross)


@dataclass(frozen=True)
class PaymentDetails:
    bank_account: str
    iban: str
    bic: str
    kid: str | None


@dataclass(frozen=True)
class InvoiceContent:
    """A sale and its document. Amounts are always positive, a credit note included."""

    document_type: str  # "invoice" or "credit_note"
    supplier: Party
    buyer: Party
    invoice_number: str
    credited_invoice_number: str | None
    invoice_date: date
    due_date: date
    delivery_date: date
    terms_days: int
    currency: str
    lines: tuple[Line, ...]
    payment: PaymentDetails
    po_number: str | None
    buyer_reference: str | None
    our_reference: str
    customer_number: str
    prepaid: Decimal
    rounds_to_krone: bool

    @property
    def is_credit_note(self) -> bool:
        return self.document_type == "credit_note"

    @property
    def net_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def net_by_rate(self) -> dict[Decimal, Decimal]:
        """The net sum at each VAT rate, highest rate first."""
        nets: dict[Decimal, Decimal] = {}
        for line in self.lines:
            nets[line.vat_rate] = nets.get(line.vat_rate, Decimal("0.00")) + line.amount
        return dict(sorted(nets.items(), reverse=True))

    @property
    def vat_by_rate(self) -> dict[Decimal, Decimal]:
        return {rate: to_ore(net * rate / 100) for rate, net in self.net_by_rate.items()}

    @property
    def vat_amount(self) -> Decimal:
        return sum(self.vat_by_rate.values(), Decimal("0.00"))

    @property
    def total_amount(self) -> Decimal:
        return self.net_amount + self.vat_amount

    @property
    def rounding(self) -> Decimal:
        """Øreavrunding: what rounding the amount due to whole kroner adds (may be negative)."""
        if not self.rounds_to_krone:
            return Decimal("0.00")
        payable = self.total_amount - self.prepaid
        return payable.quantize(_KRONE, rounding=ROUND_HALF_UP) - payable

    @property
    def amount_due(self) -> Decimal:
        return self.total_amount - self.prepaid + self.rounding


def random_content(seed: int, *, language: str, discounts: bool) -> InvoiceContent:
    """The invoice content for ``seed``. ``language`` only picks words, and ``discounts`` only
    whether drawn discounts are applied, so neither shifts the random stream."""
    rng = random.Random(f"bilag-invoice-content:{seed}")
    english = language == "en"
    trade = rng.choice(TRADES)
    supplier = _company(rng, f"{rng.choice(NAME_WORDS)} {rng.choice(trade.names)}")
    buyer = _company(rng, _buyer_name(rng))
    credit = rng.random() < 0.10
    invoice_date = _FIRST_DAY + timedelta(days=rng.randrange(_DAYS))
    terms_days = rng.choice((10, 14, 14, 15, 20, 30, 30, 45))
    currency = rng.choice(CURRENCIES) if rng.random() < 0.15 else "NOK"
    invoice_number = _invoice_number(rng, invoice_date)
    customer_number = str(rng.randrange(1000, 99999))
    lines = _lines(rng, trade.items, trade.code_prefix, english, discounts, currency, credit)
    _, bic, codes = rng.choice(BANKS)
    account = random_bank_account(rng, rng.choice(codes))
    has_kid = not credit and rng.random() < 0.70
    kid = random_kid(rng, customer_number, re.sub(r"\D", "", invoice_number)) if has_kid else None
    content = InvoiceContent(
        document_type="credit_note" if credit else "invoice",
        supplier=supplier,
        buyer=buyer,
        invoice_number=invoice_number,
        credited_invoice_number=_credited_number(rng, invoice_number) if credit else None,
        invoice_date=invoice_date,
        due_date=invoice_date + timedelta(days=terms_days),
        delivery_date=invoice_date - timedelta(days=rng.choice((0, 0, 1, 2, 3, 5, 7, 14, 21))),
        terms_days=terms_days,
        currency=currency,
        lines=lines,
        payment=PaymentDetails(account, norwegian_iban(account), bic, kid),
        po_number=_po_number(rng) if rng.random() < 0.45 else None,
        buyer_reference=_person(rng) if rng.random() < 0.55 else None,
        our_reference=_person(rng),
        customer_number=customer_number,
        prepaid=Decimal("0.00"),
        rounds_to_krone=False,
    )
    payment_twist = rng.random()
    if credit:
        return content
    if payment_twist < 0.07 and content.total_amount > 2000:
        share = Decimal(rng.choice(("0.2", "0.3", "0.5")))
        prepaid = (content.total_amount * share / 100).quantize(_KRONE, rounding=ROUND_DOWN) * 100
        return replace(content, prepaid=prepaid)
    if payment_twist > 0.91 and currency == "NOK":
        return replace(content, rounds_to_krone=True)
    return content


def _company(rng: random.Random, name: str) -> Party:
    postcode, city = rng.choice(PLACES)
    number = rng.randrange(1, 120)
    street = f"{rng.choice(STREETS)} {number}{rng.choice(('', '', '', 'A', 'B'))}"
    if rng.random() < 0.12:
        street = f"Postboks {rng.randrange(100, 9999)}"
    slug = _slug(name)
    phone = f"{rng.choice((22, 23, 32, 33, 38, 51, 55, 56, 69, 73, 77))} " + " ".join(
        f"{rng.randrange(100):02d}" for _ in range(3)
    )
    return Party(
        name=name + rng.choice(_COMPANY_FORMS),
        org_number=random_org_number(rng),
        street=street,
        postcode_city=f"{postcode} {city}",
        phone=phone,
        email=f"{rng.choice(('post', 'faktura', 'firmapost', 'regnskap'))}@{slug}.no",
        website=f"www.{slug}.no",
    )


def _buyer_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return f"{rng.choice(SURNAMES)} {rng.choice(BUYER_KINDS)}"
    if roll < 0.8:
        return f"{rng.choice(NAME_WORDS)} {rng.choice(BUYER_KINDS)}"
    return f"Byggmester {rng.choice(SURNAMES)}"


def _slug(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "&": "", " ": "", "-": ""})
    return name.lower().translate(table)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"


def _invoice_number(rng: random.Random, invoice_date: date) -> str:
    serial = rng.randrange(1, 99999)
    return rng.choice(
        (
            str(10000 + serial),
            f"{invoice_date.year}-{serial % 10000:04d}",
            f"F-{20000 + serial}",
            f"INV-{serial:06d}",
            str(700000000 + serial * 7),
            f"{invoice_date.year}{serial % 100000:05d}",
        )
    )


def _credited_number(rng: random.Random, number: str) -> str:
    """An earlier invoice in the same series as ``number``."""
    digits = re.search(r"\d+$", number)
    assert digits is not None
    earlier = max(1, int(digits.group()) - rng.randrange(1, 400))
    return number[: digits.start()] + str(earlier).zfill(len(digits.group()))


def _po_number(rng: random.Random) -> str:
    return rng.choice(
        (
            f"PO-{rng.randrange(10000, 99999)}",
            f"45000{rng.randrange(10000, 99999)}",
            f"B-{rng.randrange(2024, 2027)}-{rng.randrange(1, 999):03d}",
            str(rng.randrange(100000, 999999)),
        )
    )


def _lines(
    rng: random.Random,
    items: tuple[Item, ...],
    code_prefix: str,
    english: bool,
    discounts: bool,
    currency: str,
    credit: bool,
) -> tuple[Line, ...]:
    count = rng.choice((1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 9, 10, 12, 14))
    if credit:
        count = rng.choice((1, 1, 2, 3))
    dialect = rng.randrange(4)
    code_style = rng.randrange(3)
    lines = []
    for index in range(count):
        item = items[index] if index < len(items) and rng.random() < 0.6 else rng.choice(items)
        description = item.en if english else item.no
        if rng.random() < 0.25:
            description += _detail(rng, english)
        else:
            _detail(rng, english)  # keeps the stream the same either way
        discount = Decimal(rng.choice((5, 10, 10, 15, 20, 25)))
        discounted = rng.random() < 0.3  # drawn either way, so the stream does not shift
        quantity = _quantity(rng, item.quantity)
        if item.low >= 2000 and item.quantity == "int":
            quantity = min(quantity, Decimal(rng.choice((1, 1, 1, 2, 3))))
        lines.append(
            Line(
                description=description,
                item_code=_item_code(rng, code_prefix, code_style),
                quantity=quantity,
                unit=UNITS[item.unit][1 if english else 0][dialect],
                unit_price=_price(rng, item, currency),
                vat_rate=item.vat_rate,
                discount=discount if discounts and discounted else None,
            )
        )
    return tuple(lines)


def _detail(rng: random.Random, english: bool) -> str:
    template = rng.choice(DETAIL_SUFFIXES_EN if english else DETAIL_SUFFIXES_NO)
    month = rng.randrange(12)
    return template.format(
        week=rng.randrange(1, 53),
        month_name=(MONTHS_EN if english else MONTHS_NO)[month],
        year=rng.choice((2025, 2026)),
        number=rng.randrange(1000, 9999),
        place=rng.choice(PLACES)[1],
    )


def _item_code(rng: random.Random, prefix: str, style: int) -> str:
    number = rng.randrange(1000, 999999)
    return (f"{number:06d}", f"{prefix}-{number % 100000}", f"{prefix}{number % 10000:04d}")[style]


def _quantity(rng: random.Random, kind: str) -> Decimal:
    if kind == "hours":
        return Decimal(rng.randrange(1, 76)) / 2
    if kind == "decimal":
        return Decimal(rng.randrange(10, 1500)) / 10
    return Decimal(rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 20, 24, 50)))


def _price(rng: random.Random, item: Item, currency: str) -> Decimal:
    kroner = Decimal(rng.randint(item.low, item.high))
    if kroner >= 500:
        kroner = (kroner / 5).quantize(_KRONE) * 5
    price = kroner * CURRENCY_SCALE[currency]
    if price < 10:
        return to_ore(price)
    cents = rng.choice(("0", "0", "0.50", "0.90", "0.95", "0.25"))
    return to_ore(price.quantize(_KRONE, rounding=ROUND_DOWN) + Decimal(cents))
