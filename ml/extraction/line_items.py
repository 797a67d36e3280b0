"""Invoice line items read from page tokens: find the item table, then read its rows.

A table is found by its header row (column words in six languages, see ``line_table``) or,
without one, by a block of rows whose right-aligned amounts equal quantity times price. A row
starts on a line with a number in the amount column; wrapped description lines join the row
above them, or the row below when a layout prints descriptions over their numbers. The table
ends at a totals line ("Sum", "Total HT", "Å betale"), a large gap or another header; when it
runs into the page foot instead it goes on overleaf, under that page's repeated header or,
without one, under the same columns for as long as rows look like the ones before.

Arithmetic settles what layout cannot: which columns hold quantity and price when the header is
missing, ambiguous ("Amount" over quantities) or wrong, and whether a table prints line totals
including VAT (then ``amount`` is the net, like every other table's). It all is heuristics over
geometry, nothing learned and nothing specific to a supplier, so supplier layout memory can
later take over any step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from typing import TypeAlias

from ml.extraction.line_table import (
    AMOUNT,
    DESCRIPTION,
    DISCOUNT,
    GROSS,
    ITEM_CODE,
    POSITION,
    QUANTITY,
    SKIPPED,
    TOTALS,
    UNIT,
    UNIT_PRICE,
    VAT,
    Cell,
    Column,
    Line,
    column_of,
    header_at,
    is_header,
    key,
    names_page,
    opening,
    page_lines,
    spilled,
    split_at_columns,
    union,
    with_unheaded_columns,
)
from models.tokens import Box, PageTokens

_STOP_GAP = 5.0  # a gap of this many text heights ends a table
_WRAP_GAP = 1.2  # a wrapped description line is closer than this to its row
_SPLIT_GAP = 0.5  # an amount printed just under the rest of its row
_PARAGRAPHS = 2  # a row after more blocks of text than this must look like the rows before
_NEAR = 1.5  # an amount this many text heights off its column's usual edge is suspect
_FOOTER_BAND = 0.08  # lines in this bottom fraction of a page are its footer
_LETTERHEAD = 0.1  # top fraction of a page that may repeat the invoice's own numbers
_CONTINUED_TOP = 0.5  # a table carried over resumes in the top half of the next page
_VOUCHING_COLUMNS = 3  # a row filling this many of the usual columns needs no arithmetic
_MOST = 0.6  # share of rows that makes a habit of the table
_MAX_VAT = Decimal(30)  # no country's VAT is higher: a larger "rate" is a misread or a discount
_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineItem:
    """One invoice line; a field is None when the table has no such column."""

    description: str  # full text, wrapped continuation rows joined with single spaces
    item_code: str | None
    quantity: Decimal | None
    unit: str | None
    unit_price: Decimal | None
    vat_rate: Decimal | None  # percentage, e.g. Decimal("25")
    amount: Decimal | None  # the line's net amount as printed
    page: int
    box: Box  # union of the row's tokens

    def to_record(self) -> dict[str, str | None]:
        """The line in the canonical line form (``models.canonical_fields.LINE_KEYS``)."""
        return {
            "description": self.description,
            "item_code": self.item_code,
            "quantity": _text(self.quantity),
            "unit": self.unit,
            "unit_price": _text(self.unit_price),
            "vat_rate": _text(self.vat_rate),
            "amount": _text(self.amount),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def extract_line_items(pages: Sequence[PageTokens]) -> list[LineItem]:
    """Every line item on the pages in reading order; an empty list when there is no table."""
    items: list[LineItem] = []
    carried: _Carried = None
    for page in pages:
        found, carried = _page_items(_Page.read(page), carried)
        items.extend(found)
    return items


@dataclass(frozen=True, slots=True)
class _Page:
    lines: list[Line]
    headers: frozenset[int]  # indexes of lines that read as table headers
    height: float

    @classmethod
    def read(cls, page: PageTokens) -> _Page:
        lines = page_lines(page)
        headers = frozenset(line.index for line in lines if is_header(line))
        return cls(lines, headers, page.height)

    def is_footer(self, line: Line) -> bool:
        return names_page(line) or line.box.top > (1 - _FOOTER_BAND) * self.height

    def only_footer_from(self, index: int) -> bool:
        return all(self.is_footer(line) for line in self.lines[index:])

    def wordy_from(self, index: int) -> bool:
        """Whether nothing but words and the footer follow ``lines[index - 1]``."""
        return all(
            self.is_footer(line) or not any(cell.is_numeric for cell in line.cells)
            for line in self.lines[index:]
        )


def _page_items(page: _Page, carried: _Carried) -> tuple[list[LineItem], _Carried]:
    items: list[LineItem] = []
    position = 0
    if carried is not None and not any(
        page.lines[i].box.top < _CONTINUED_TOP * page.height for i in page.headers
    ):
        found = (
            _continued_table(page, carried)
            if isinstance(carried, _Layout)
            else _table_under(page, 0, carried)
        )
        carried = None
        if found is not None:
            layout, table = found
            items.extend(_items(table, layout))
            position = table.end
            carried = layout if table.open else None
    else:
        carried = None
    for index in sorted(page.headers):
        if index < position:
            continue
        header = header_at(page.lines, index)
        found = _table_under(page, header.last + 1, header.columns)
        if found is None:
            if page.wordy_from(header.last + 1):
                carried = header.columns  # the header ends the page; its rows are overleaf
            continue
        layout, table = found
        items.extend(_items(table, layout))
        carried = layout if table.open else None
        position = table.end
    if not items and carried is None:
        found = _table_without_header(page)
        if found is not None:
            layout, table = found
            items.extend(_items(table, layout))
            carried = layout if table.open else None
    return items, carried


# --- layouts: which column holds what -----------------------------------------------------------


@dataclass(slots=True)
class _Layout:
    """A table's columns and the roles its header and its arithmetic settled for them."""

    columns: list[Column]
    amount: int
    quantity: int | None = None
    price: int | None = None
    rates: list[int] = field(default_factory=list)  # VAT columns
    discount: int | None = None
    below_descriptions: bool = False  # the header stacks the description under an item code
    signature: frozenset[int] = frozenset()  # columns most rows fill
    arithmetic: bool = False  # whether most rows obey quantity x price = amount
    gross: bool = False  # whether amounts of rows with a VAT rate include that VAT

    def role(self, index: int) -> str | None:
        if index == self.amount:
            return AMOUNT
        if index == self.quantity:
            return QUANTITY
        if index == self.price:
            return UNIT_PRICE
        if index == self.discount:
            return DISCOUNT
        if index in self.rates:
            return VAT
        role = self.columns[index].role
        return None if role in (AMOUNT, QUANTITY, UNIT_PRICE, VAT, DISCOUNT) else role

    @property
    def has_description(self) -> bool:
        return any(DESCRIPTION in column.roles for column in self.columns)

    @property
    def numbers_start(self) -> float:
        """Where the numeric part of a row begins; words left of it describe the item."""
        chosen = (self.amount, self.quantity, self.price, *self.rates)
        return min(self.columns[i].x0 for i in chosen if i is not None)


# What a page leaves the next: the layout of a table still open at its foot, or the columns of
# a header printed last on it, with its rows overleaf.
_Carried: TypeAlias = _Layout | list[Column] | None


def _region(page: _Page, start: int) -> list[Line]:
    """The lines a table under a header may occupy, before its rows are known."""
    region: list[Line] = []
    for line in page.lines[start:]:
        if region and line.box.top - region[-1].box.bottom > _STOP_GAP * line.height:
            break
        if page.is_footer(line) or line.index in page.headers or opening(line) in TOTALS:
            break
        region.append(line)
    return region


def _initial_layout(columns: list[Column], lines: Sequence[Line]) -> _Layout | None:
    """Roles as the header names them. The amount column is the labelled one holding the most
    numbers, else the rightmost headed column holding numbers written as amounts are."""
    counts: Counter[int] = Counter()
    money: Counter[int] = Counter()
    for line in lines:
        for cell in line.cells:
            if cell.number is not None:
                index = column_of(columns, cell, line.height)
                if index is not None:
                    counts[index] += 1
                    money[index] += _has_decimals(cell)
    amounts = [i for i, c in enumerate(columns) if c.role == AMOUNT and counts[i]]
    if not amounts:
        amounts = [
            i
            for i in counts
            if columns[i].headed
            and columns[i].role in (None, UNIT_PRICE, GROSS)
            and money[i] * 2 >= counts[i]
        ]
    if not amounts:
        return None
    amount = max(amounts, key=lambda i: (counts[i], i) if columns[i].role == AMOUNT else (0, i))

    def labelled(role: str) -> list[int]:
        return [i for i, c in enumerate(columns) if c.role == role and i != amount]

    return _Layout(
        columns,
        amount,
        quantity=next(iter(labelled(QUANTITY)), None),
        price=next(iter(labelled(UNIT_PRICE)), None),
        rates=labelled(VAT),
        discount=next(iter(labelled(DISCOUNT)), None),
        below_descriptions=any(c.role == ITEM_CODE and DESCRIPTION in c.roles for c in columns),
    )


# --- reading one line against a layout ----------------------------------------------------------


@dataclass(slots=True)
class _Reading:
    """What one line (or a row printed over two) says, by column."""

    line: Line
    numbers: dict[int, Cell] = field(default_factory=dict)
    text: list[Cell] = field(default_factory=list)  # description words
    code: Cell | None = None
    code_headed: bool = False  # the code stands under an item code header word of its own
    unit: str | None = None
    positions: set[int] = field(default_factory=set)  # columns of line numbers: never rates
    lines: list[Line] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = self.lines or [self.line]

    def number(self, index: int | None) -> Decimal | None:
        cell = self.numbers.get(index) if index is not None else None
        return cell.number if cell is not None else None

    def joined(self, other: _Reading) -> _Reading:
        """This reading with the numbers of a line printed just under it."""
        return _Reading(
            self.line,
            {**self.numbers, **other.numbers},
            self.text,
            self.code,
            self.code_headed,
            self.unit,
            self.positions | other.positions,
            [*self.lines, other.line],
        )


def _read(line: Line, layout: _Layout, wrapped: bool = False) -> _Reading:
    """A line's cells by the column they stand in. In a wrapped line (``wrapped``) a column
    headed "item code" over "description" holds description."""
    reading = _Reading(line)
    columns = layout.columns
    for cell in split_at_columns(line.cells, columns):
        index = column_of(columns, cell, line.height)
        if index is not None and not cell.is_numeric:
            index = spilled(columns, cell, index)
        role = layout.role(index) if index is not None else None
        stacked = columns[index].roles if index is not None else []
        if wrapped and DESCRIPTION in stacked:
            role = DESCRIPTION
        elif role is None and ITEM_CODE in stacked:
            role = ITEM_CODE
        if cell.is_numeric and role not in (DESCRIPTION, ITEM_CODE, UNIT):
            if index is not None:
                reading.numbers.setdefault(index, cell)
                if role == POSITION:
                    reading.positions.add(index)
        elif role == ITEM_CODE:
            headed = stacked[0] == ITEM_CODE
            if reading.code is None or (headed and not reading.code_headed):
                reading.code, reading.code_headed = cell, headed
            elif DESCRIPTION in stacked:
                reading.text.append(cell)
        elif role == UNIT or (role == QUANTITY and not cell.is_numeric):
            reading.unit = reading.unit or cell.text
        elif _describes(cell, role, index, layout):
            reading.text.append(cell)
    return reading


def _describes(cell: Cell, role: str | None, index: int | None, layout: _Layout) -> bool:
    """Whether words are description: under a description header, or left of the numbers and
    under no other header (any header, when none names the description)."""
    if key(cell.text) in _CURRENCY_MARKS:
        return False
    if role == DESCRIPTION:
        return True
    unclaimed = index is None or not layout.has_description
    return role is None and unclaimed and cell.box.x1 <= layout.numbers_start


_CURRENCY_MARKS = frozenset({"", "eur", "nok", "sek", "dkk", "usd", "gbp", "chf", "kr"})


# --- arithmetic ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fit:
    kind: str  # "net", "discount" or "gross" (the printed amount includes VAT)
    rate: Decimal | None = None
    column: int | None = None  # where the rate stands


def _fit(reading: _Reading, q: int | None, p: int | None, a: int | None) -> _Fit | None:
    """How the line's quantity x price gives its amount, if it does: plainly, after a
    percentage discount, or with a VAT rate added."""
    quantity, price, amount = reading.number(q), reading.number(p), reading.number(a)
    if quantity is None or price is None or amount is None:
        return None
    product = quantity * price
    if _close(product, amount):
        return _Fit("net")
    for column, rate in _rates(reading, (q, p, a)):
        if _close(product * (1 - rate / _HUNDRED), amount):
            return _Fit("discount", rate, column)
        if _close(product * (1 + rate / _HUNDRED), amount):
            return _Fit("gross", rate, column)
    return None


def _close(value: Decimal, target: Decimal) -> bool:
    """Equal to the cent, allowing for a price printed with more decimals than the total."""
    return abs(value - target) <= max(_CENT * 2, abs(target) * Decimal("0.002"))


def _rates(reading: _Reading, exclude: Iterable[int | None]) -> list[tuple[int, Decimal]]:
    """Percentages on the line, by column, that may scale quantity x price: a discount or the
    VAT included in the amount."""
    skip = {*exclude, *reading.positions}
    found = []
    for index, cell in reading.numbers.items():
        value = cell.percent if cell.percent is not None else cell.number
        if index not in skip and value is not None and 0 < value < _HUNDRED:
            found.append((index, value))
    return found


def _is_item(reading: _Reading, layout: _Layout) -> bool:
    return _fit(reading, layout.quantity, layout.price, layout.amount) is not None


def _settle_by_arithmetic(layout: _Layout, readings: Sequence[_Reading]) -> None:
    """Let quantity x price = amount choose the quantity and price columns when it explains
    more rows (and at least half) than the header's labels do, then learn the table's habits."""

    def score(q: int | None, p: int | None) -> int:
        return sum(1 for r in readings if _fit(r, q, p, layout.amount) is not None)

    used = {i for r in readings for i, cell in r.numbers.items() if cell.number is not None}
    candidates = sorted(
        i for i in used if i != layout.amount and layout.columns[i].role not in (GROSS, ITEM_CODE)
    )
    best, best_pair = score(layout.quantity, layout.price), None
    for pair in combinations(candidates, 2):
        found = score(*pair)
        if found > best and found * 2 >= len(readings):
            best, best_pair = found, pair
    if best_pair is not None:
        layout.quantity, layout.price = _orient(layout, best_pair, readings)
        layout.rates = [i for i in layout.rates if i not in best_pair]
        layout.discount = None if layout.discount in best_pair else layout.discount
    layout.arithmetic = bool(readings) and best >= _MOST * len(readings)
    fits = [_fit(r, layout.quantity, layout.price, layout.amount) for r in readings]
    gross = Counter(f.column for f in fits if f is not None and f.kind == "gross")
    discounts = Counter(f.column for f in fits if f is not None and f.kind == "discount")
    # The rates arithmetic used tell an unheaded column's meaning: VAT the amounts include,
    # or a discount they are net of.
    for column, count in gross.items():
        if count >= 2 and column not in layout.rates and layout.columns[column].role is None:
            layout.rates.append(column)
    if layout.discount is None and discounts:
        column, _ = discounts.most_common(1)[0]
        if column is not None and layout.columns[column].role is None:
            layout.discount = column
    net = sum(
        1
        for r, f in zip(readings, fits, strict=True)
        if f is not None and f.kind == "net" and _vat_rate(r, layout)
    )
    layout.gross = gross.total() >= 2 and gross.total() > net


def _orient(
    layout: _Layout, pair: tuple[int, int], readings: Sequence[_Reading]
) -> tuple[int, int]:
    """``(quantity, price)`` of two factor columns: as labelled, else the one holding whole
    numbers is the quantity, else the left one."""
    left, right = pair
    roles = (layout.columns[left].role, layout.columns[right].role)
    if QUANTITY in roles or UNIT_PRICE in roles:
        swap = roles[1] == QUANTITY or roles[0] == UNIT_PRICE
        return (right, left) if swap else (left, right)

    def whole(index: int) -> bool:
        values = [r.number(index) for r in readings if index in r.numbers]
        return all(v is not None and v == v.to_integral_value() for v in values)

    return (right, left) if whole(right) and not whole(left) else (left, right)


# --- rows ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    reading: _Reading  # the row's numbers, from one line or two
    wrapped: list[Line] = field(default_factory=list)  # its description lines around it

    @property
    def top(self) -> Line:
        return self.reading.lines[0]

    @property
    def bottom(self) -> Line:
        return self.reading.lines[-1]


@dataclass(slots=True)
class _Table:
    events: list[_Row | Line]  # rows and text lines in reading order
    end: int  # index of the first line after the table
    open: bool  # ran into the page foot rather than a totals line: may go on overleaf

    @property
    def rows(self) -> list[_Row]:
        return [event for event in self.events if isinstance(event, _Row)]


def _read_rows(page: _Page, start: int, layout: _Layout) -> _Table:
    """Rows and text lines from ``lines[start]`` until the table ends, without strays."""
    events: list[_Row | Line] = []
    rows: list[_Row] = []
    numbers: _Reading | None = None  # a line of numbers without an amount, just above
    last: Line | None = None
    paragraphs = 0  # blocks of text since the last row
    end, still_open = len(page.lines), True
    for line in page.lines[start:]:
        reading = _read(line, layout)
        first_words = opening(line)
        if last is not None and line.box.top - last.box.bottom > _STOP_GAP * line.height:
            end, still_open = line.index, page.only_footer_from(line.index)
            break
        if page.is_footer(line):
            end = line.index
            break
        if (first_words in TOTALS and not _is_item(reading, layout)) or (
            line.index > start and line.index in page.headers
        ):
            end, still_open = line.index, False
            break
        if first_words in SKIPPED and not _is_item(reading, layout):
            continue
        if reading.number(layout.amount) is not None:
            if numbers is not None and _completes(numbers, reading, layout):
                reading = numbers.joined(reading)
            if paragraphs > _PARAGRAPHS and not _like_before(reading, layout, _usual(rows)):
                # Far below the last row, an amount is more likely a VAT summary's.
                end, still_open = line.index, False
                break
            rows.append(_Row(reading))
            events.append(rows[-1])
            numbers, paragraphs = None, 0
        elif reading.numbers:
            numbers = reading
        elif reading.text or reading.code:
            paragraphs += last is None or not _tight(last, line)
            events.append(line)
            numbers = None
        last = line
    return _aligned(_Table(events, end, still_open), layout)


def _completes(numbers: _Reading, amount_line: _Reading, layout: _Layout) -> bool:
    """Whether an amount printed alone just under a line of other numbers belongs to it."""
    gap = amount_line.line.box.top - numbers.line.box.bottom
    alone = set(amount_line.numbers) == {layout.amount}
    return alone and gap <= _SPLIT_GAP * amount_line.line.height


def _aligned(table: _Table, layout: _Layout) -> _Table:
    """The table without rows whose amount stands off the amount column's usual right edge
    and, unlike the others, has no decimals: the "1" of an "Artikelrabatt 1" note that strays
    into the column."""
    cells = [row.reading.numbers[layout.amount] for row in table.rows]
    if len(cells) < 2 or sum(map(_has_decimals, cells)) < _MOST * len(cells):
        return table
    edge = sorted(cell.box.x1 for cell in cells)[len(cells) // 2]

    def stray(event: _Row | Line) -> bool:
        if not isinstance(event, _Row):
            return False
        cell = event.reading.numbers[layout.amount]
        off = abs(cell.box.x1 - edge) > _NEAR * event.bottom.height
        return off and not _has_decimals(cell)

    table.events = [event for event in table.events if not stray(event)]
    return table


def _resolve(table: _Table, layout: _Layout) -> list[_Row]:
    """Hand each text line to the row it wraps from, or to the next row when the table prints
    descriptions over their numbers: rows without words of their own, text tight over the
    first row, and no header stacking descriptions under item codes."""
    rows = table.rows
    if not rows:
        return []
    events = table.events
    first = events.index(rows[0])
    above = (
        not layout.below_descriptions
        and sum(1 for row in rows if row.reading.text) < _MOST * len(rows)
        and first > 0
        and _tight(events[first - 1], rows[0].top)
    )
    if above:
        _wrap(reversed(events), lambda row: row.top, lambda anchor, line: _tight(line, anchor))
    else:
        _wrap(events, lambda row: row.bottom, _tight)
    return rows


def _wrap(
    events: Iterable[_Row | Line],
    edge: Callable[[_Row], Line],
    tight: Callable[[Line, Line], bool],
) -> None:
    """Give each row the text lines that follow it in ``events`` order, while each is tight
    against the one before."""
    row: _Row | None = None
    anchor: Line | None = None
    for event in events:
        if isinstance(event, _Row):
            row, anchor = event, edge(event)
        elif row is not None and anchor is not None and tight(anchor, event):
            row.wrapped.append(event)
            anchor = event
        else:
            row = None


def _tight(upper: _Row | Line, lower: Line) -> bool:
    """Whether ``lower`` follows ``upper`` the way a wrapped line of the same text does."""
    if not isinstance(upper, Line):
        return False
    return lower.box.top - upper.box.bottom <= _WRAP_GAP * lower.height


# --- tables -------------------------------------------------------------------------------------


def _table_under(
    page: _Page, start: int, header: Sequence[Column]
) -> tuple[_Layout, _Table] | None:
    """The table under a header whose last line is ``lines[start - 1]``, if it has rows."""
    region = _region(page, start)
    layout = _initial_layout(with_unheaded_columns(header, region), region)
    if layout is None:
        return None
    table = _read_rows(page, start, layout)
    if not table.rows:
        return None
    before = (layout.quantity, layout.price)
    _settle_by_arithmetic(layout, [row.reading for row in table.rows])
    if (layout.quantity, layout.price) != before:
        table = _read_rows(page, start, layout)
    _learn_signature(layout, table.rows)
    return layout, table


def _continued_table(page: _Page, layout: _Layout) -> tuple[_Layout, _Table] | None:
    """The rows of a table carried over from the previous page under the same columns.

    Without a header to vouch for them, rows must look like the ones before (``_like_before``),
    beginning with the first numbers below the page's letterhead; the table ends at the first
    row that does not.
    """
    factors = {layout.amount, layout.quantity, layout.price} - {None}
    for line in page.lines:
        if line.box.top > _CONTINUED_TOP * page.height:
            return None
        reading = _read(line, layout)
        if _like_before(reading, layout):
            table = _until_stranger(_read_rows(page, line.index, layout), layout)
            return (layout, table) if table is not None else None
        if opening(line) in SKIPPED:
            continue
        if line.box.top > _LETTERHEAD * page.height and factors & set(reading.numbers):
            return None
    return None


def _until_stranger(table: _Table, layout: _Layout) -> _Table | None:
    """The table cut before its first row unlike the rows that vouched for it."""
    for position, event in enumerate(table.events):
        if isinstance(event, _Row) and not _like_before(event.reading, layout):
            table.events = table.events[:position]
            table.open = False
            break
    return table if table.rows else None


def _like_before(reading: _Reading, layout: _Layout, usual: frozenset[int] | None = None) -> bool:
    """Whether a row fills the columns the table's rows usually fill and, unless those are
    enough to vouch for it alone, obeys quantity x price = amount."""
    usual = layout.signature if usual is None else usual
    if reading.number(layout.amount) is None or not usual <= set(reading.numbers):
        return False
    return len(usual) >= _VOUCHING_COLUMNS or _is_item(reading, layout)


def _usual(rows: Sequence[_Row]) -> frozenset[int]:
    """The columns most rows fill."""
    filled = Counter(i for row in rows for i in row.reading.numbers)
    return frozenset(i for i, n in filled.items() if n >= _MOST * len(rows))


def _learn_signature(layout: _Layout, rows: Sequence[_Row]) -> None:
    layout.signature = _usual(rows)


@dataclass(frozen=True, slots=True)
class _Product:
    """A line whose rightmost number is the product of two others on it."""

    line: Line
    factors: tuple[Cell, Cell]
    amount: Cell
    rates: tuple[Cell, ...]


def _table_without_header(page: _Page) -> tuple[_Layout, _Table] | None:
    """A table found by its arithmetic: at least two lines whose rightmost numbers share one
    right edge and are each the product of two other numbers on their line."""
    groups: list[list[_Product]] = []
    for product in _products(page.lines):
        edge, reach = product.amount.box.x1, product.line.height
        group = next((g for g in groups if abs(g[0].amount.box.x1 - edge) <= reach), None)
        if group is None:
            groups.append([product])
        else:
            group.append(product)
    best = max(groups, key=len, default=[])
    if len(best) < 2:
        return None
    boxes = [union(t for p in best for t in (*p.factors, p.amount)[i].tokens) for i in range(3)]
    columns = [Column(0.0, min(box.x0 for box in boxes) - 1, [DESCRIPTION])]
    columns.extend(Column(box.x0, box.x1, [None]) for box in boxes)
    rates = [t for p in best for cell in p.rates for t in cell.tokens]
    if rates:
        box = union(rates)
        columns.append(Column(box.x0, box.x1, [VAT]))
    layout = _Layout(columns, amount=3, rates=[4] if rates else [])
    readings = [_Reading(p.line, {1: p.factors[0], 2: p.factors[1]}) for p in best]
    layout.quantity, layout.price = _orient(layout, (1, 2), readings)
    layout.arithmetic = True
    layout.signature = frozenset({1, 2, 3})
    table = _until_stranger(_read_rows(page, best[0].line.index, layout), layout)
    return (layout, table) if table is not None else None


def _products(lines: Iterable[Line]) -> Iterable[_Product]:
    for line in lines:
        numbers = [cell for cell in line.cells if cell.number is not None]
        rates = tuple(cell for cell in line.cells if cell.percent is not None)
        for left, right in combinations(numbers[:-1], 2):
            reading = _Reading(line, {0: left, 1: right, 2: numbers[-1]})
            reading.numbers.update({3 + i: cell for i, cell in enumerate(rates)})
            if _fit(reading, 0, 1, 2) is not None:
                yield _Product(line, (left, right), numbers[-1], rates)
                break


# --- rows to items ------------------------------------------------------------------------------


def _items(table: _Table, layout: _Layout) -> list[LineItem]:
    return [_item(row, layout) for row in _resolve(table, layout)]


def _item(row: _Row, layout: _Layout) -> LineItem:
    reading = row.reading
    wrapped = sorted(row.wrapped, key=lambda line: line.box.top)
    parts = [(reading.line.box.top, reading.text)]
    parts.extend((line.box.top, _read(line, layout, wrapped=True).text) for line in wrapped)
    words = [cell.text for _, cells in sorted(parts, key=lambda part: part[0]) for cell in cells]
    quantity = reading.numbers.get(layout.quantity) if layout.quantity is not None else None
    vat_rate = _vat_rate(reading, layout)
    tokens = [t for line in (*reading.lines, *wrapped) for cell in line.cells for t in cell.tokens]
    return LineItem(
        description=" ".join(" ".join(words).split()),
        item_code=reading.code.text if reading.code is not None else None,
        quantity=quantity.number if quantity is not None else None,
        unit=(quantity.unit if quantity is not None else None) or reading.unit,
        unit_price=reading.number(layout.price),
        vat_rate=vat_rate,
        amount=_net_amount(reading, layout, vat_rate),
        page=reading.line.page,
        box=union(tokens),
    )


def _net_amount(reading: _Reading, layout: _Layout, vat_rate: Decimal | None) -> Decimal | None:
    """The printed amount, or its net when the table prints totals including VAT: quantity x
    price when the row has both, else the amount less the row's rate."""
    amount = reading.number(layout.amount)
    if amount is None:
        return None
    places = Decimal(1).scaleb(min(int(amount.as_tuple().exponent), 0))
    fit = _fit(reading, layout.quantity, layout.price, layout.amount)
    quantity, price = reading.number(layout.quantity), reading.number(layout.price)
    if quantity is not None and price is not None:
        gross = fit is not None and fit.kind == "gross"
        return (quantity * price).quantize(places) if gross else amount
    if layout.gross and vat_rate:
        return (amount / (1 + vat_rate / _HUNDRED)).quantize(places)
    return amount


def _vat_rate(reading: _Reading, layout: _Layout) -> Decimal | None:
    """The rate in a VAT column, else a percentage elsewhere on the line that is no discount."""
    for index in layout.rates:
        cell = reading.numbers.get(index)
        if cell is None:
            continue
        if cell.percent is not None and 0 <= cell.percent <= _MAX_VAT:
            return cell.percent
        if cell.number is not None and 0 <= cell.number <= _MAX_VAT and _plain(cell.text):
            return cell.number
    used = {layout.amount, layout.quantity, layout.price, layout.discount}
    for index, cell in reading.numbers.items():
        if index not in used and cell.percent is not None and 0 <= cell.percent <= _MAX_VAT:
            return cell.percent
    return None


def _plain(text: str) -> bool:
    """Whether a number is written without currency or unit, as a bare rate is."""
    return all(c.isdigit() or c in " .,-" for c in text)


def _has_decimals(cell: Cell) -> bool:
    return cell.number is not None and int(cell.number.as_tuple().exponent) < 0
