"""`bilag bench matching`: a generated company whose every invoice has a known right answer.

The generator builds suppliers, purchase orders with received quantities, and a stream of
invoices and credit notes. Each document comes from one *case kind* (an exact match, a price
beyond tolerance, a closed PO, a re-sent duplicate, ...) and carries the outcome and reason codes
the matching rules must give it. The runner then does what the pipeline's match stage does, in
memory: duplicate detection against the supplier's earlier documents, candidate lookup in an
:class:`~models.matching.engine.OrderBook`, matching, and booking the allocations of a matched
invoice so that invoiced quantities accumulate. It times that phase alone and compares every
verdict with its expectation, so one run is both the throughput figure and a regression test
of the rules at scale.

Cases never share PO lines, so one case's outcome cannot depend on another's. Item codes are
unique within a supplier and prices within an order, while descriptions come from a small
vocabulary: the line assignment has to go by item code and price. A supplier's invoice dates
are at least :data:`DATE_GAP_DAYS` apart, more than the duplicate window, so the possible-
duplicate rule (same total, close dates) fires only for the deliberate re-sends.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as day_time
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from models.matching.duplicates import (
    InvoiceFingerprint,
    candidate_window,
    duplicate_reason,
    find_duplicate,
    normalise_invoice_number,
)
from models.matching.engine import OrderBook, match_invoice_to_orders
from models.matching.records import (
    InvoiceLineToMatch,
    InvoiceToMatch,
    Limit,
    MatchMode,
    MatchOutcome,
    MatchReason,
    OrderLineState,
    OrderState,
    ReasonFinding,
    Tolerances,
)
from models.matching.tolerance import allowance, merge_tolerances

CENT = Decimal("0.01")
ZERO = Decimal("0")
DUPLICATE_WINDOW_DAYS = 7
DATE_GAP_DAYS = DUPLICATE_WINDOW_DAYS + 2
"""Least gap between two invoice dates of one supplier: past the duplicate window, with the
received timestamps (a day after the invoice date, give or take hours) still more than the
window apart."""
START_DATE = date(2025, 1, 6)
MAX_LINES_PER_ORDER = 8
OUTCOMES = tuple(MatchOutcome)

COMPANY_TOLERANCES = Tolerances(
    price_over=Limit(percent=Decimal("2"), amount=Decimal("25.00")),
    price_under=Limit(percent=Decimal("5")),
    quantity_over=Limit(),
    total_over=Limit(percent=Decimal("2"), amount=Decimal("500.00")),
    total_under=Limit(percent=Decimal("5")),
    fee_amount=Decimal("250.00"),
)
"""The company's tolerances: 2 % or 25.00 a unit over the PO price (the stricter), 5 % under,
no quantity over what may be invoiced, 250.00 of freight and fees without a PO line."""
SUPPLIER_OVERRIDE = merge_tolerances(
    COMPANY_TOLERANCES,
    {
        "price_over": {"percent": "5"},
        "total_over": {"percent": "5", "amount": "1000.00"},
        "fee_amount": "500.00",
    },
)
"""What a few suppliers with volatile prices (fuel, metals) get instead."""

_CURRENCIES = (("NOK", 85), ("EUR", 10), ("SEK", 5))
_ITEMS = (
    "Kopipapir",
    "Toner",
    "Skruer rustfri",
    "Bolter galv.",
    "Arbeidshansker",
    "Vernesko",
    "Kabel",
    "Rør PVC",
    "Maling hvit",
    "Filter",
    "Lyspære LED",
    "Konsulenttime",
)
_VARIANTS = ("A4", "A3", "4x40", "5x60", "10 mm", "20 mm", "str. 42", "10 l", "sort", "type 2")
_DESCRIPTIONS = tuple(f"{item} {variant}" for item in _ITEMS for variant in _VARIANTS)
_FEE_TEXTS = ("Frakt", "Freight", "Gebyr", "Fee", "Frakt og emballasje", "Fakturagebyr")
_EXTRA_TEXTS = ("Montering på stedet", "Opplæring", "Reisetid montør", "Tilpasning")
_NON_PO_TEXTS = ("Strøm", "Husleie", "Mobilabonnement", "Forsikring", "Renhold", "Parkering")
_CHANNELS = ("ehf", "ehf", "ehf", "email", "upload")


@dataclass(frozen=True)
class CaseKind:
    """One kind of case: how often it comes, how many documents it sends, what must happen."""

    name: str
    weight: int
    documents: int
    description: str


CASE_KINDS: tuple[CaseKind, ...] = (
    CaseKind("exact", 18, 1, "lines as ordered and received -> matched"),
    CaseKind("partial_delivery", 6, 1, "the received part of a partly received line -> matched"),
    CaseKind("within_price_tolerance", 6, 1, "unit price off within tolerance"),
    CaseKind("price_over", 4, 1, "unit price far above the PO's -> price_over"),
    CaseKind("price_under", 3, 1, "unit price far below the PO's -> price_under"),
    CaseKind("at_price_limit", 3, 1, "unit price exactly at the limit -> within_tolerance"),
    CaseKind("one_ore_over", 3, 1, "unit price 0.01 past the limit -> price_over"),
    CaseKind("qty_over_received", 4, 1, "3-way: more than received -> qty_over_received"),
    CaseKind("not_received", 3, 1, "3-way: nothing received yet -> not_received"),
    CaseKind("two_way_qty_over_ordered", 3, 1, "2-way: more than ordered -> qty_over_ordered"),
    CaseKind("no_reference", 8, 1, "no PO number; found among the supplier's open POs"),
    CaseKind("unknown_po", 2, 1, "names a PO that does not exist -> no_po"),
    CaseKind("supplier_mismatch", 2, 1, "names another supplier's PO -> supplier_mismatch"),
    CaseKind("currency_mismatch", 2, 1, "PO in another currency -> currency_mismatch"),
    CaseKind("po_closed", 2, 1, "names a closed PO -> po_closed"),
    CaseKind("freight_within", 4, 1, "a freight or fee line up to the allowed amount"),
    CaseKind("fee_over", 2, 1, "a fee line above the allowed amount -> fee_over"),
    CaseKind("extra_line", 3, 1, "a line that fits no PO line -> no_po_line"),
    CaseKind("two_pos", 5, 1, "lines from two POs of the supplier -> matched"),
    CaseKind("credit_note", 4, 2, "an invoice, then a credit note on its line -> both matched"),
    CaseKind("credit_over_invoiced", 1, 2, "a credit note returning more than was invoiced"),
    CaseKind("total_over", 1, 1, "lines as ordered, net total printed too high -> total_over"),
    CaseKind("total_under", 1, 1, "lines as ordered, net total printed too low -> total_under"),
    CaseKind("duplicate", 3, 2, "an invoice, then the same re-sent -> duplicate_invoice"),
    CaseKind("three_part", 3, 3, "one line received and invoiced in three parts -> matched"),
    CaseKind("not_po_backed", 3, 1, "a supplier without POs, no reference -> not_po_backed"),
)
_KIND_BY_NAME = {kind.name: kind for kind in CASE_KINDS}


@dataclass(frozen=True)
class Receipt:
    """Goods received on a PO line just before a document arrives (three-part deliveries)."""

    order_id: str
    line_id: str
    quantity: Decimal


@dataclass(frozen=True)
class BenchDocument:
    """One generated invoice or credit note with the verdict the rules must give it."""

    case: int  # documents of one case share it; no two cases share a PO line
    kind: str
    step: str  # which document of the case: "invoice", "credit note", "re-send", "part 2/3"
    fingerprint: InvoiceFingerprint
    invoice: InvoiceToMatch
    expected_outcome: MatchOutcome
    expected_reasons: frozenset[MatchReason]
    receipts_before: tuple[Receipt, ...] = ()


@dataclass(frozen=True)
class BenchCompany:
    """Everything the runner needs: the order book at the start and the documents in order."""

    orders: tuple[OrderState, ...]
    documents: tuple[BenchDocument, ...]
    tolerances: Tolerances
    supplier_tolerances: dict[str, Tolerances]
    suppliers: int

    @property
    def po_lines(self) -> int:
        return sum(len(order.lines) for order in self.orders)

    def tolerances_for(self, supplier_id: str | None) -> Tolerances:
        if supplier_id is None:
            return self.tolerances
        return self.supplier_tolerances.get(supplier_id, self.tolerances)


# --- generation -------------------------------------------------------------------------------


@dataclass
class _Supplier:
    supplier_id: str
    currency: str
    tolerances: Tolerances
    takes_orders: bool
    number_style: int
    next_number: int
    day: date
    next_item: int = 0
    drafts: list[_Draft] = field(default_factory=list)


@dataclass
class _Draft:
    """A purchase order being built; frozen into an OrderState once filler lines are added."""

    order_id: str
    number: str
    supplier: _Supplier
    mode: MatchMode
    closed: bool
    size: int  # how many lines the order should end up with
    lines: list[OrderLineState] = field(default_factory=list)
    prices: set[Decimal] = field(default_factory=set)

    def freeze(self) -> OrderState:
        return OrderState(
            order_id=self.order_id,
            number=self.number,
            supplier_id=self.supplier.supplier_id,
            currency=self.supplier.currency,
            mode=self.mode,
            closed=self.closed,
            lines=tuple(self.lines),
        )


@dataclass(frozen=True)
class _Planned:
    """A document before its supplier's clock gives it a number and dates."""

    step: str
    invoice: InvoiceToMatch
    expected_outcome: MatchOutcome
    expected_reasons: frozenset[MatchReason] = frozenset()
    receipts_before: tuple[Receipt, ...] = ()
    resend: bool = False  # the previous document of the case sent again, same number and date


class _Generator:
    def __init__(self, *, invoices: int, po_lines: int, suppliers: int, seed: int) -> None:
        if invoices < 1 or po_lines < 1:
            raise ValueError("--invoices and --po-lines must be positive")
        if suppliers < 3:
            raise ValueError("--suppliers must be at least 3 (POs of another supplier are needed)")
        self.rng = random.Random(seed)
        self.invoices = invoices
        self.po_lines = po_lines
        self.next_order = 0
        self.next_line = 0
        self.cases = 0
        self.documents: list[tuple[datetime, int, BenchDocument]] = []
        self.suppliers = [self._supplier(index) for index in range(1, suppliers + 1)]
        # About one supplier in twenty sends only invoices without POs (rent, power, phones).
        non_po = max(1, suppliers // 20)
        for supplier in self.rng.sample(self.suppliers, non_po):
            supplier.takes_orders = False
        self.po_suppliers = [s for s in self.suppliers if s.takes_orders]
        self.non_po_suppliers = [s for s in self.suppliers if not s.takes_orders]

    def _supplier(self, index: int) -> _Supplier:
        rng = self.rng
        currencies, weights = zip(*_CURRENCIES, strict=True)
        override = rng.random() < 0.03
        return _Supplier(
            supplier_id=f"S{index:04d}",
            currency=rng.choices(currencies, weights)[0],
            tolerances=SUPPLIER_OVERRIDE if override else COMPANY_TOLERANCES,
            takes_orders=True,
            number_style=rng.randrange(3),
            next_number=rng.randint(1000, 90000),
            day=START_DATE + timedelta(days=rng.randrange(DATE_GAP_DAYS)),
        )

    def generate(self) -> BenchCompany:
        builders = self._builders()
        names = [kind.name for kind in CASE_KINDS]
        weights = [kind.weight for kind in CASE_KINDS]
        single = [kind.name for kind in CASE_KINDS if kind.documents == 1]
        single_weights = [_KIND_BY_NAME[name].weight for name in single]
        left = self.invoices
        while left > 0:
            name = self.rng.choices(names, weights)[0]
            if _KIND_BY_NAME[name].documents > left:
                name = self.rng.choices(single, single_weights)[0]
            pool = self.po_suppliers if name != "not_po_backed" else self.non_po_suppliers
            supplier = self.rng.choice(pool)
            planned = builders[name](supplier)
            self._emit(name, supplier, planned)
            left -= len(planned)
        orders = self._fill_orders()
        self.documents.sort(key=lambda entry: (entry[0], entry[1]))
        return BenchCompany(
            orders=orders,
            documents=tuple(document for _, _, document in self.documents),
            tolerances=COMPANY_TOLERANCES,
            supplier_tolerances={
                s.supplier_id: s.tolerances
                for s in self.suppliers
                if s.tolerances is not COMPANY_TOLERANCES
            },
            suppliers=len(self.suppliers),
        )

    # Orders and lines ---------------------------------------------------------------------

    def _order(
        self, supplier: _Supplier, *, mode: MatchMode | None = None, closed: bool = False
    ) -> _Draft:
        self.next_order += 1
        if mode is None:
            mode = MatchMode.THREE_WAY if self.rng.random() < 0.8 else MatchMode.TWO_WAY
        draft = _Draft(
            order_id=f"O{self.next_order:07d}",
            number=f"45{self.next_order:08d}",
            supplier=supplier,
            mode=mode,
            closed=closed,
            size=self.rng.randint(1, MAX_LINES_PER_ORDER),
        )
        supplier.drafts.append(draft)
        return draft

    def _price(self, draft: _Draft, *, low: int = 500, high: int = 500_000) -> Decimal:
        """A unit price in cents, log-uniform from 5.00 to 5,000.00, new to this order."""
        log_low, log_high = math.log(low), math.log(high)
        while True:
            cents = int(math.exp(log_low + (log_high - log_low) * self.rng.random()))
            price = Decimal(cents).scaleb(-2)
            if price not in draft.prices:
                return price

    def _line(
        self,
        draft: _Draft,
        *,
        received: str = "full",
        quantity: int | None = None,
        price: Decimal | None = None,
    ) -> OrderLineState:
        """Add a line to ``draft``; ``received`` is "full", "partial", "none" or "random" (half
        full, a tenth of those partly invoiced already; a quarter partial; a quarter none)."""
        rng = self.rng
        supplier = draft.supplier
        supplier.next_item += 1
        self.next_line += 1
        if quantity is None:
            quantity = (
                2 + int(99 * rng.random()) if received == "partial" else 1 + int(100 * rng.random())
            )
        if price is None:
            price = self._price(draft)
        invoiced = 0
        if received == "random":
            draw = rng.random()
            received = (
                "full" if draw < 0.5 or quantity < 2 else "partial" if draw < 0.75 else "none"
            )
            if draw < 0.05:
                invoiced = int((quantity + 1) * rng.random())
        if received == "full":
            got = quantity
        elif received == "none":
            got = 0
        else:
            got = 1 + int((quantity - 1) * rng.random())
        line = OrderLineState(
            line_id=f"L{self.next_line:08d}",
            line_number=len(draft.lines) + 1,
            item_code=f"{supplier.supplier_id[1:]}-{supplier.next_item:05d}",
            description=_DESCRIPTIONS[int(len(_DESCRIPTIONS) * rng.random())],
            quantity=Decimal(quantity),
            unit_price=price,
            unit="stk",
            received_quantity=Decimal(got),
            invoiced_quantity=Decimal(invoiced),
        )
        draft.lines.append(line)
        draft.prices.add(price)
        return line

    def _fill_orders(self) -> tuple[OrderState, ...]:
        """Top the case orders up to their sizes, then add orders no invoice touches, until the
        book holds exactly ``po_lines`` lines: the candidate lookup and a supplier's open POs
        are as large as asked, whatever the cases needed."""
        drafts = [d for s in self.suppliers for d in s.drafts]
        used = sum(len(d.lines) for d in drafts)
        if used > self.po_lines:
            raise ValueError(
                f"--po-lines {self.po_lines} is too few: the {self.invoices} invoices' cases "
                f"alone use {used} PO lines"
            )
        left = self.po_lines - used
        for draft in drafts:
            if left == 0:
                break
            if draft.closed:
                continue
            while len(draft.lines) < draft.size and left > 0:
                self._line(draft, received=self._filler_receipt(draft))
                left -= 1
        while left > 0:
            draft = self._order(self.rng.choice(self.po_suppliers))
            while len(draft.lines) < draft.size and left > 0:
                self._line(draft, received=self._filler_receipt(draft))
                left -= 1
        return tuple(d.freeze() for s in self.suppliers for d in s.drafts)

    @staticmethod
    def _filler_receipt(draft: _Draft) -> str:
        return "random" if draft.mode is MatchMode.THREE_WAY else "full"

    # Documents ----------------------------------------------------------------------------

    def _emit(self, kind: str, supplier: _Supplier, planned: Sequence[_Planned]) -> None:
        """Number and date the case's documents on the supplier's clock, in case order."""
        rng = self.rng
        self.cases += 1
        previous: InvoiceFingerprint | None = None
        for plan in planned:
            index = len(self.documents)
            if plan.resend and previous is not None:
                supplier.day += timedelta(days=rng.randint(2, 5))
                number = previous.invoice_number
                invoice_date = previous.invoice_date
            else:
                supplier.day += timedelta(days=rng.randint(DATE_GAP_DAYS, DATE_GAP_DAYS + 12))
                number = self._invoice_number(supplier)
                invoice_date = supplier.day
            received_at = datetime.combine(supplier.day + timedelta(days=1), day_time(6)) + (
                timedelta(seconds=rng.randrange(12 * 3600))
            )
            fingerprint = InvoiceFingerprint(
                document_id=f"D{index + 1:07d}",
                supplier_key=plan.invoice.supplier_id,
                invoice_number=number,
                document_type="credit_note" if plan.invoice.is_credit_note else "invoice",
                currency=plan.invoice.currency,
                total_amount=plan.invoice.net_amount,
                invoice_date=invoice_date,
                received_at=received_at,
                channel=rng.choice(_CHANNELS),
            )
            document = BenchDocument(
                case=self.cases,
                kind=kind,
                step=plan.step,
                fingerprint=fingerprint,
                invoice=plan.invoice,
                expected_outcome=plan.expected_outcome,
                expected_reasons=plan.expected_reasons,
                receipts_before=plan.receipts_before,
            )
            self.documents.append((received_at, index, document))
            previous = fingerprint

    @staticmethod
    def _invoice_number(supplier: _Supplier) -> str:
        supplier.next_number += 1
        number = supplier.next_number
        if supplier.number_style == 0:
            return str(number)
        if supplier.number_style == 1:
            return f"INV-{number:07d}"
        return f"{supplier.day.year}-{number:06d}"

    def _invoice(
        self,
        supplier: _Supplier,
        lines: Sequence[InvoiceLineToMatch],
        orders: Sequence[_Draft] = (),
        *,
        currency: str | None = None,
        numbers: Sequence[str] | None = None,
        credit: bool = False,
    ) -> InvoiceToMatch:
        numbered = tuple(replace(line, line_number=n) for n, line in enumerate(lines, start=1))
        return InvoiceToMatch(
            supplier_id=supplier.supplier_id,
            currency=currency or supplier.currency,
            net_amount=sum((line.amount or ZERO for line in numbered), ZERO),
            lines=numbered,
            order_numbers=tuple(numbers if numbers is not None else (d.number for d in orders)),
            is_credit_note=credit,
        )

    def _billing(
        self,
        line: OrderLineState,
        quantity: Decimal | int | None = None,
        price: Decimal | None = None,
        *,
        with_code: bool = True,
        order_reference: str | None = None,
    ) -> InvoiceLineToMatch:
        """An invoice line billing ``line``: by default all of it at the PO price."""
        quantity = Decimal(quantity) if quantity is not None else line.quantity
        price = price if price is not None else line.unit_price
        return InvoiceLineToMatch(
            line_number=0,
            description=line.description,
            item_code=line.item_code if with_code else None,
            quantity=quantity,
            unit_price=price,
            amount=(quantity * price).quantize(CENT),
            order_reference=order_reference,
        )

    def _free_line(self, description: str, amount: Decimal, code: str | None) -> InvoiceLineToMatch:
        return InvoiceLineToMatch(
            line_number=0,
            description=description,
            item_code=code,
            quantity=Decimal(1),
            unit_price=amount,
            amount=amount,
        )

    def _amount(self, low: Decimal, high: Decimal) -> Decimal:
        return Decimal(self.rng.randint(int(low * 100), int(high * 100))).scaleb(-2)

    # Case kinds ---------------------------------------------------------------------------

    def _builders(self) -> dict[str, Callable[[_Supplier], list[_Planned]]]:
        builders = {kind.name: getattr(self, f"_case_{kind.name}") for kind in CASE_KINDS}
        return builders

    def _exact_lines(self, draft: _Draft, count: int | None = None) -> list[InvoiceLineToMatch]:
        """1-3 new lines billed in full at the PO price. A quarter print no item code, so
        description and price (unique within the order) must place them."""
        count = count or self.rng.randint(1, 3)
        lines = [self._line(draft) for _ in range(count)]
        return [self._billing(line, with_code=self.rng.random() >= 0.25) for line in lines]

    def _matched(self, step: str, invoice: InvoiceToMatch) -> _Planned:
        return _Planned(step, invoice, MatchOutcome.MATCHED)

    def _exception(self, invoice: InvoiceToMatch, *reasons: MatchReason) -> list[_Planned]:
        return [_Planned("invoice", invoice, MatchOutcome.EXCEPTION, frozenset(reasons))]

    def _case_exact(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier)
        return [
            self._matched("invoice", self._invoice(supplier, self._exact_lines(draft), [draft]))
        ]

    def _case_partial_delivery(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier, mode=MatchMode.THREE_WAY)
        line = self._line(draft, received="partial")
        invoice = self._invoice(supplier, [self._billing(line, line.received_quantity)], [draft])
        return [self._matched("invoice", invoice)]

    def _price_case(
        self,
        supplier: _Supplier,
        offset: Callable[[Decimal], Decimal],
        *,
        exact_limit: bool,
    ) -> InvoiceToMatch:
        """An invoice billing one line at ``offset(PO price)`` from the PO price."""
        draft = self._order(supplier)
        price = self._price_with_exact_limit(draft, supplier) if exact_limit else self._price(draft)
        unit_price = (price + offset(price)).quantize(CENT)
        quantity = self.rng.randint(1, 20)
        line = self._line(draft, price=price, quantity=quantity)
        return self._invoice(supplier, [self._billing(line, price=unit_price)], [draft])

    def _price_with_exact_limit(self, draft: _Draft, supplier: _Supplier) -> Decimal:
        """A unit price whose over-limit is a whole number of cents, so "at the limit" and
        "one øre over" are prices an invoice can carry."""
        while True:
            price = self._price(draft, low=1000)
            allowed = allowance(supplier.tolerances.price_over, price)
            if allowed > 0 and allowed == allowed.quantize(CENT):
                return price

    def _case_within_price_tolerance(self, supplier: _Supplier) -> list[_Planned]:
        over = self.rng.random() < 0.6
        limit = supplier.tolerances.price_over if over else supplier.tolerances.price_under

        def offset(price: Decimal) -> Decimal:
            allowed = allowance(limit, price)
            inside = max(CENT, (allowed / 2).quantize(CENT, rounding=ROUND_FLOOR))
            return inside if over else -inside

        invoice = self._price_case(supplier, offset, exact_limit=False)
        return [_Planned("invoice", invoice, MatchOutcome.WITHIN_TOLERANCE)]

    def _case_price_over(self, supplier: _Supplier) -> list[_Planned]:
        limit = supplier.tolerances.price_over
        invoice = self._price_case(
            supplier,
            lambda price: allowance(limit, price) + (price / 10).quantize(CENT) + CENT,
            exact_limit=False,
        )
        return self._exception(invoice, MatchReason.PRICE_OVER)

    def _case_price_under(self, supplier: _Supplier) -> list[_Planned]:
        limit = supplier.tolerances.price_under
        invoice = self._price_case(
            supplier,
            lambda price: -(allowance(limit, price) + (price / 10).quantize(CENT) + CENT),
            exact_limit=False,
        )
        return self._exception(invoice, MatchReason.PRICE_UNDER)

    def _case_at_price_limit(self, supplier: _Supplier) -> list[_Planned]:
        limit = supplier.tolerances.price_over
        invoice = self._price_case(
            supplier, lambda price: allowance(limit, price), exact_limit=True
        )
        return [_Planned("invoice", invoice, MatchOutcome.WITHIN_TOLERANCE)]

    def _case_one_ore_over(self, supplier: _Supplier) -> list[_Planned]:
        limit = supplier.tolerances.price_over
        invoice = self._price_case(
            supplier, lambda price: allowance(limit, price) + CENT, exact_limit=True
        )
        return self._exception(invoice, MatchReason.PRICE_OVER)

    def _case_qty_over_received(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier, mode=MatchMode.THREE_WAY)
        line = self._line(draft, received="partial")
        extra = self.rng.randint(1, int(line.quantity - line.received_quantity))
        billed = self._billing(line, line.received_quantity + extra)
        invoice = self._invoice(supplier, [billed], [draft])
        return self._exception(invoice, MatchReason.QTY_OVER_RECEIVED)

    def _case_not_received(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier, mode=MatchMode.THREE_WAY)
        line = self._line(draft, received="none")
        invoice = self._invoice(supplier, [self._billing(line)], [draft])
        return self._exception(invoice, MatchReason.NOT_RECEIVED)

    def _case_two_way_qty_over_ordered(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier, mode=MatchMode.TWO_WAY)
        line = self._line(draft, received="random")
        billed = self._billing(line, line.quantity + self.rng.randint(1, 10))
        invoice = self._invoice(supplier, [billed], [draft])
        return self._exception(invoice, MatchReason.QTY_OVER_ORDERED)

    def _case_no_reference(self, supplier: _Supplier) -> list[_Planned]:
        """Every line prints its item code, unique within the supplier, so no other open line
        of the supplier fits as well as the one billed."""
        draft = self._order(supplier)
        lines = [self._billing(self._line(draft)) for _ in range(self.rng.randint(1, 3))]
        return [self._matched("invoice", self._invoice(supplier, lines, numbers=()))]

    def _case_unknown_po(self, supplier: _Supplier) -> list[_Planned]:
        # Lines like a real order's, of an order that was never sent to Bilag.
        ghost = _Draft("ghost", "ghost", supplier, MatchMode.THREE_WAY, False, 0)
        lines = [self._billing(self._line(ghost)) for _ in range(self.rng.randint(1, 3))]
        self.next_order += 1
        unknown = f"46{self.next_order:08d}"  # book numbers all start with 45
        return self._exception(
            self._invoice(supplier, lines, numbers=(unknown,)), MatchReason.NO_PO
        )

    def _case_supplier_mismatch(self, supplier: _Supplier) -> list[_Planned]:
        other = supplier
        while other is supplier:
            other = self.rng.choice(self.po_suppliers)
        draft = self._order(other)
        line = self._line(draft)
        invoice = self._invoice(supplier, [self._billing(line)], [draft], currency=other.currency)
        return self._exception(invoice, MatchReason.SUPPLIER_MISMATCH)

    def _case_currency_mismatch(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier)
        line = self._line(draft)
        currency = self.rng.choice([c for c, _ in _CURRENCIES if c != supplier.currency])
        invoice = self._invoice(supplier, [self._billing(line)], [draft], currency=currency)
        return self._exception(invoice, MatchReason.CURRENCY_MISMATCH)

    def _case_po_closed(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier, closed=True)
        line = self._line(draft)
        invoice = self._invoice(supplier, [self._billing(line)], [draft])
        return self._exception(invoice, MatchReason.PO_CLOSED)

    def _case_freight_within(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier)
        lines = self._exact_lines(draft)
        allowed = supplier.tolerances.fee_amount
        fee = allowed if self.rng.random() < 0.2 else self._amount(CENT, allowed)
        lines.append(self._free_line(self.rng.choice(_FEE_TEXTS), fee, None))
        invoice = self._invoice(supplier, lines, [draft])
        return [_Planned("invoice", invoice, MatchOutcome.WITHIN_TOLERANCE)]

    def _case_fee_over(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier)
        lines = self._exact_lines(draft)
        allowed = supplier.tolerances.fee_amount
        fee = allowed + self._amount(CENT, Decimal("400.00"))
        lines.append(self._free_line(self.rng.choice(_FEE_TEXTS), fee, None))
        invoice = self._invoice(supplier, lines, [draft])
        return self._exception(invoice, MatchReason.FEE_OVER)

    def _case_extra_line(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier)
        lines = self._exact_lines(draft)
        amount = self._amount(Decimal("300.00"), Decimal("9000.00"))
        code = f"X-{self.rng.randint(10000, 99999)}"
        lines.append(self._free_line(self.rng.choice(_EXTRA_TEXTS), amount, code))
        invoice = self._invoice(supplier, lines, [draft])
        return self._exception(invoice, MatchReason.NO_PO_LINE)

    def _case_two_pos(self, supplier: _Supplier) -> list[_Planned]:
        drafts = [self._order(supplier), self._order(supplier)]
        on_lines = self.rng.random() < 0.5  # EHF: the PO number on each line, not the header
        lines = [
            self._billing(self._line(draft), order_reference=draft.number if on_lines else None)
            for draft in drafts
            for _ in range(self.rng.randint(1, 2))
        ]
        numbers = () if on_lines else tuple(d.number for d in drafts)
        return [self._matched("invoice", self._invoice(supplier, lines, numbers=numbers))]

    def _case_credit_note(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier)
        line = self._line(draft)
        invoice = self._invoice(supplier, [self._billing(line)], [draft])
        returned = self.rng.randint(1, int(line.quantity))
        credit = self._invoice(supplier, [self._billing(line, returned)], [draft], credit=True)
        return [self._matched("invoice", invoice), self._matched("credit note", credit)]

    def _case_credit_over_invoiced(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier)
        line = self._line(draft, quantity=self.rng.randint(2, 100))
        billed = self.rng.randint(1, int(line.quantity) - 1)
        invoice = self._invoice(supplier, [self._billing(line, billed)], [draft])
        returned = self.rng.randint(billed + 1, int(line.quantity))
        credit = self._invoice(supplier, [self._billing(line, returned)], [draft], credit=True)
        over = _Planned(
            "credit note",
            credit,
            MatchOutcome.EXCEPTION,
            frozenset({MatchReason.QTY_OVER_INVOICED}),
        )
        return [self._matched("invoice", invoice), over]

    def _case_total_over(self, supplier: _Supplier) -> list[_Planned]:
        return self._misprinted_total(supplier, MatchReason.TOTAL_OVER)

    def _case_total_under(self, supplier: _Supplier) -> list[_Planned]:
        return self._misprinted_total(supplier, MatchReason.TOTAL_UNDER)

    def _misprinted_total(self, supplier: _Supplier, reason: MatchReason) -> list[_Planned]:
        """Lines as ordered under a net amount a tenth (plus the tolerance) off their sum, as
        when a total is misread."""
        draft = self._order(supplier)
        invoice = self._invoice(supplier, self._exact_lines(draft), [draft])
        lines_total = invoice.net_amount or ZERO
        over = reason is MatchReason.TOTAL_OVER
        limit = supplier.tolerances.total_over if over else supplier.tolerances.total_under
        off = allowance(limit, lines_total) + (lines_total / 10).quantize(CENT) + CENT
        net = lines_total + off if over else lines_total - off
        return self._exception(replace(invoice, net_amount=net), reason)

    def _case_duplicate(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier)
        invoice = self._invoice(supplier, self._exact_lines(draft), [draft])
        resend = _Planned(
            "re-send",
            invoice,
            MatchOutcome.EXCEPTION,
            frozenset({MatchReason.DUPLICATE_INVOICE}),
            resend=True,
        )
        return [self._matched("invoice", invoice), resend]

    def _case_three_part(self, supplier: _Supplier) -> list[_Planned]:
        draft = self._order(supplier, mode=MatchMode.THREE_WAY)
        line = self._line(draft, received="none", quantity=self.rng.randint(3, 100))
        total = int(line.quantity)
        first, second = sorted(self.rng.sample(range(1, total), 2))
        parts = (first, second - first, total - second)
        planned = []
        for n, part in enumerate(parts, start=1):
            receipt = Receipt(draft.order_id, line.line_id, Decimal(part))
            invoice = self._invoice(supplier, [self._billing(line, part)], [draft])
            planned.append(
                _Planned(f"part {n}/3", invoice, MatchOutcome.MATCHED, receipts_before=(receipt,))
            )
        return planned

    def _case_not_po_backed(self, supplier: _Supplier) -> list[_Planned]:
        lines = [
            self._free_line(
                self.rng.choice(_NON_PO_TEXTS), self._amount(Decimal("100"), Decimal("20000")), None
            )
            for _ in range(self.rng.randint(1, 2))
        ]
        invoice = self._invoice(supplier, lines, numbers=())
        return [_Planned("invoice", invoice, MatchOutcome.NOT_PO_BACKED)]


def generate_company(
    *, invoices: int = 10_000, po_lines: int = 100_000, suppliers: int = 2_000, seed: int = 1
) -> BenchCompany:
    """A company with ``po_lines`` PO lines and ``invoices`` documents of known outcome."""
    return _Generator(
        invoices=invoices, po_lines=po_lines, suppliers=suppliers, seed=seed
    ).generate()


# --- running ----------------------------------------------------------------------------------

_BOOKED = frozenset({MatchOutcome.MATCHED, MatchOutcome.WITHIN_TOLERANCE})
"""Outcomes whose allocations are booked at once; an exception's wait for a clerk."""


@dataclass(frozen=True)
class CaseResult:
    """One document's verdict next to the one it should have had."""

    position: int  # 1-based, in processing order
    document: BenchDocument
    outcome: MatchOutcome
    reasons: tuple[ReasonFinding, ...]

    @property
    def reason_codes(self) -> frozenset[MatchReason]:
        return frozenset(reason.code for reason in self.reasons)

    @property
    def correct(self) -> bool:
        return (
            self.outcome is self.document.expected_outcome
            and self.reason_codes == self.document.expected_reasons
        )


@dataclass(frozen=True)
class BenchReport:
    """Throughput and correctness of one run; :meth:`to_dict` is the ``--json`` output."""

    seed: int
    suppliers: int
    orders: int
    po_lines: int
    generation_seconds: float
    matching_seconds: float
    matching_cpu_seconds: float
    durations: tuple[float, ...]  # seconds per document, in processing order
    results: tuple[CaseResult, ...]

    @property
    def invoices(self) -> int:
        return len(self.results)

    @property
    def wrong(self) -> tuple[CaseResult, ...]:
        return tuple(result for result in self.results if not result.correct)

    def confusion(self) -> dict[str, dict[str, int]]:
        """Expected outcome → actual outcome → documents, every outcome present."""
        counts = Counter((r.document.expected_outcome, r.outcome) for r in self.results)
        return {
            expected.value: {actual.value: counts[expected, actual] for actual in OUTCOMES}
            for expected in OUTCOMES
        }

    def by_kind(self) -> list[dict[str, Any]]:
        total: Counter[str] = Counter()
        right: Counter[str] = Counter()
        for result in self.results:
            total[result.document.kind] += 1
            right[result.document.kind] += result.correct
        return [
            {"kind": kind.name, "count": total[kind.name], "correct": right[kind.name]}
            for kind in CASE_KINDS
        ]

    def to_dict(self, *, mismatches: int = 10) -> dict[str, Any]:
        n = self.invoices
        per_invoice_ms = sorted(d * 1000 for d in self.durations)
        lines = sum(len(r.document.invoice.lines) for r in self.results)
        wrong = self.wrong
        return {
            "seed": self.seed,
            "invoices": n,
            "po_lines": self.po_lines,
            "orders": self.orders,
            "suppliers": self.suppliers,
            "generation_seconds": round(self.generation_seconds, 3),
            "matching_seconds": round(self.matching_seconds, 3),
            "matching_cpu_seconds": round(self.matching_cpu_seconds, 3),
            "invoices_per_second": round(n / self.matching_seconds, 1)
            if self.matching_seconds
            else None,
            "ms_per_invoice_mean": round(sum(per_invoice_ms) / n, 3) if n else None,
            "ms_per_invoice_p99": round(_percentile(per_invoice_ms, 99), 3) if n else None,
            "lines_per_invoice": round(lines / n, 2) if n else None,
            "correct": n - len(wrong),
            "wrong": len(wrong),
            "confusion": self.confusion(),
            "by_kind": self.by_kind(),
            "mismatches": [_mismatch(result) for result in wrong[:mismatches]],
        }


def _percentile(ordered: Sequence[float], percent: int) -> float:
    """The nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(len(ordered) * percent / 100))
    return ordered[rank - 1]


def _mismatch(result: CaseResult) -> dict[str, Any]:
    document = result.document
    return {
        "position": result.position,
        "case": document.case,
        "document_id": document.fingerprint.document_id,
        "kind": document.kind,
        "step": document.step,
        "supplier": document.invoice.supplier_id,
        "order_numbers": list(document.invoice.order_numbers),
        "expected_outcome": document.expected_outcome.value,
        "actual_outcome": result.outcome.value,
        "expected_reasons": sorted(code.value for code in document.expected_reasons),
        "actual_reasons": sorted(code.value for code in result.reason_codes),
        "messages": [reason.message for reason in result.reasons],
    }


class _EarlierDocuments:
    """The supplier's earlier documents that the duplicate rules could match: the same
    normalised number, or an invoice date inside the duplicate window."""

    def __init__(self, window_days: int) -> None:
        self.window_days = window_days
        self.by_number: dict[tuple[str | None, str], list[InvoiceFingerprint]] = defaultdict(list)
        self.by_date: dict[tuple[str | None, date], list[InvoiceFingerprint]] = defaultdict(list)

    def candidates(self, invoice: InvoiceFingerprint) -> list[InvoiceFingerprint]:
        supplier = invoice.supplier_key
        found: list[InvoiceFingerprint] = []
        if invoice.invoice_number:
            number = normalise_invoice_number(invoice.invoice_number)
            found.extend(self.by_number.get((supplier, number), ()))
        window = candidate_window(invoice, self.window_days)
        if window is not None:
            day, last = window
            while day <= last:
                found.extend(self.by_date.get((supplier, day), ()))
                day += timedelta(days=1)
        return found

    def add(self, invoice: InvoiceFingerprint) -> None:
        if invoice.invoice_number:
            number = normalise_invoice_number(invoice.invoice_number)
            self.by_number[invoice.supplier_key, number].append(invoice)
        if invoice.invoice_date is not None:
            self.by_date[invoice.supplier_key, invoice.invoice_date].append(invoice)


def run_matching(company: BenchCompany) -> tuple[list[CaseResult], list[float], float, float]:
    """Process the documents in order as the match stage would; results, per-document seconds,
    wall seconds and CPU seconds of the whole loop."""
    book = OrderBook(company.orders)
    earlier = _EarlierDocuments(DUPLICATE_WINDOW_DAYS)
    results: list[CaseResult] = []
    durations: list[float] = []
    wall, cpu = time.perf_counter(), time.process_time()
    for position, document in enumerate(company.documents, start=1):
        started = time.perf_counter()
        for receipt in document.receipts_before:
            book.replace(_received(book, receipt))
        fingerprint = document.fingerprint
        finding = find_duplicate(
            fingerprint, earlier.candidates(fingerprint), window_days=DUPLICATE_WINDOW_DAYS
        )
        earlier.add(fingerprint)
        if finding is not None:
            outcome, reasons = MatchOutcome.EXCEPTION, (duplicate_reason(finding),)
        else:
            invoice = document.invoice
            match = match_invoice_to_orders(
                invoice, book.candidates_for(invoice), company.tolerances_for(invoice.supplier_id)
            )
            if match.outcome in _BOOKED:
                book.apply(match.allocations)
            outcome, reasons = match.outcome, match.all_reasons
        durations.append(time.perf_counter() - started)
        results.append(CaseResult(position, document, outcome, reasons))
    return results, durations, time.perf_counter() - wall, time.process_time() - cpu


def _received(book: OrderBook, receipt: Receipt) -> OrderState:
    """The order with a goods receipt added to one line, as the ERP's receipt advice does."""
    order = book.get(receipt.order_id)
    if order is None:
        raise LookupError(f"receipt for unknown order {receipt.order_id}")
    lines = tuple(
        replace(line, received_quantity=line.received_quantity + receipt.quantity)
        if line.line_id == receipt.line_id
        else line
        for line in order.lines
    )
    return replace(order, lines=lines)


def run_matching_bench(
    *, invoices: int = 10_000, po_lines: int = 100_000, suppliers: int = 2_000, seed: int = 1
) -> BenchReport:
    """Generate the company (timed apart) and match all its documents (timed)."""
    started = time.perf_counter()
    company = generate_company(invoices=invoices, po_lines=po_lines, suppliers=suppliers, seed=seed)
    generation = time.perf_counter() - started
    results, durations, wall, cpu = run_matching(company)
    return BenchReport(
        seed=seed,
        suppliers=company.suppliers,
        orders=len(company.orders),
        po_lines=company.po_lines,
        generation_seconds=generation,
        matching_seconds=wall,
        matching_cpu_seconds=cpu,
        durations=tuple(durations),
        results=tuple(results),
    )
