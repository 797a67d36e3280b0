"""What a line-item table is made of: lines, cells, header rows, the columns they name, and
the words that end the table.

``line_items`` decides what rows mean; this module only answers "what is printed where" and
"what do these words say", so header detection can be improved (or replaced by supplier layout
memory) without touching how rows are read.

Cells are runs of words on one line no more than a space apart. Reading cells rather than words
is what makes OCR noise harmless: "1" "234,56" becomes one amount, "25" "%" one percentage,
"3" "Std" a quantity with its unit. A cell never holds two numbers, because tightly printed
tables put "1 Stk 25 %" a space apart too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from statistics import median

from rapidfuzz.fuzz import ratio

from models.tokens import Box, PageTokens, Token
from models.values import parse_amount

DESCRIPTION = "description"
ITEM_CODE = "item_code"
QUANTITY = "quantity"
UNIT = "unit"
UNIT_PRICE = "unit_price"
DISCOUNT = "discount"
VAT = "vat"
AMOUNT = "amount"
GROSS = "gross"  # a line total including VAT: never the net amount
POSITION = "position"  # a running line number, a quantity only if arithmetic says so

# Column header words in Norwegian, Swedish, Danish, English, German and French. They are
# compared after key() folds case and accents and drops spaces and punctuation, so "Á-pris",
# "à pris" and "A pris" are one entry; a phrase is matched over up to three words of a cell.
_HEADER_WORDS = {
    DESCRIPTION: "Beskrivelse|Tekst|Text|Varebeskrivelse|Varetekst|Varenavn|Vare|Produkt|"
    "Produktnavn|Produkt/tjeneste|Vare/tjeneste|Ytelse|Tjeneste|Betegnelse|Benevnelse|Artikkel|"
    "Artikel|Benämning|Beskrivning|Artikelbeskrivning|Specifikation|Ydelse|Description|Item|"
    "Item description|Item name|Product|Service|Details|Particulars|Bezeichnung|"
    "Artikelbezeichnung|Beschreibung|Leistung|Leistungsbeschreibung|Désignation|Libellé|"
    "Article|Détail",
    ITEM_CODE: "Varenr|Varenummer|Varekode|Kode|Art.nr|Artikkelnr|Artikkelnummer|Produktnr|"
    "Produktnummer|Produktkode|Artikelnr|Artikelnummer|Item no|Item number|Item code|"
    "Product code|Part no|SKU|Code|Réf|Référence",
    QUANTITY: "Antall|Ant|Mengde|Antal|Lev. antal|Kvantitet|Timer|Qty|Quantity|Hours|Hrs|Menge|"
    "Anzahl|Quantité|Qté|Quant",
    UNIT: "Enhet|Enh|Enhed|Unit|Units|UoM|Einheit|Unité|ME",
    UNIT_PRICE: "Pris|Enhetspris|Stykkpris|Pris pr. enhet|Pris per enhet|Enhedspris|Styckpris|"
    "á pris|Stk.pris|Price|Unit price|Price/unit|Unit cost|Rate|Einzelpreis|Einzel|E-Preis|"
    "Preis|Nettopreis|Prix|Prix unitaire|Prix uni|Prix HT|P.U.|PU HT",
    DISCOUNT: "Rabatt|Rabatt %|Rab|Rabat|Discount|Disc|Remise",
    VAT: "MVA|Mva %|Mva-sats|Moms|Momssats|VAT|VAT %|VAT rate|MwSt|MwSt-Satz|USt|Steuer|"
    "Steuersatz|TVA|Taux TVA|Taux|Taxes|Tax",
    AMOUNT: "Beløp|Sum|Netto|Nettobeløp|Linjesum|Belopp|Summa|Radsumma|Beløb|Amount|"
    "Net amount|Line amount|Total|Line total|Total price|Subtotal|Betrag|Gesamt|Gesamtpreis|"
    "Gesamtbetrag|Nettobetrag|Nettowert|Positionsbetrag|Entgelt|Montant|Montant HT|Total HT|"
    "Sous total",
    GROSS: "Total TTC|Montant TTC|Brutto|Bruttobetrag",
    POSITION: "Pos|Pos nr|Position|Nr|No|N°|#|Linje|Rad|Zeile",
}
# Words that qualify the header word before them, with the word after them ("Beløp eks. mva",
# "Amount incl. VAT"): the phrase names one column, inclusive of VAT or not.
_EXCLUSIVE = frozenset({"eks", "ekskl", "exkl", "excl", "ex", "uten", "utan", "uden", "ohne"})
_INCLUSIVE = frozenset({"inkl", "incl", "inklusive", "inclusive", "med", "mit", "avec"})
# Beginnings of longer header words that mean the same however they end: "Art-Nr-Lieferant".
_HEADER_STEMS = {"artnr": ITEM_CODE, "artikelnr": ITEM_CODE, "artikkelnr": ITEM_CODE,
                 "varenr": ITEM_CODE, "produktnr": ITEM_CODE, "itemno": ITEM_CODE}  # fmt: skip
_MAX_LABEL_WORDS = 3
_FUZZY_LENGTH = 5  # OCR'd "Qantité" and "SOUS-TOTA" are still header words, but a short word
_FUZZY_RATIO = 87  # one letter off is usually another word

_STRIP = re.compile(r"[\s.:/\-_()\[\]{}€$£%*'\u2019`\"|,;°º+=]")
# "25%", "25 %", "MVA 25%", "TVA5,5%", "19 % UST (S)": a rate with at most a word either side.
_PERCENT = re.compile(
    r"^(?:[^\W\d_]{1,12}\.?\s*)?([-+]?\d{1,3}(?:[.,]\d{1,4})?)\s*%(?:\s*[^\d\s]{1,8}){0,2}$"
)
# "3 Std", "64,00 Heures", "100Stk", "1 H87": a number and its unit.
_NUMBER_WITH_UNIT = re.compile(r"^(\S*\d(?:\s\d{3}(?:[.,]\d+)?)?)\s*([^\W\d_]{1,12}\.?\d{0,2})$")
_CODE_DIGITS = 8  # a bare integer this long is an article number or GTIN, not an amount

_CELL_GAP = 0.65  # words of one cell are closer than this times the text height ...
_GROUP_GAP = 1.2  # ... but OCR often prints the space in "1 234,56" wider than a word space
_LEADING_GROUP = re.compile(r"^[-+€$£]?\d{1,3}$")
_THOUSANDS = re.compile(r"^\d{3}(?:[.,]\d{1,4})?[^\d\s]{0,3}$")
_NUMERIC_START = re.compile(r"^[-+€$£]?\d")
_CONNECTORS = frozenset({"x", "X", "\u00d7", "*", "-", "\u2013", "/"})  # "3 x 20", "5 - 7"
_UPRIGHT_LETTERS = 3  # a shorter word may be taller than wide lying down ("1", "Il")
_TALL = 2.5  # a box this many times the page's usual height is vertical text or a logo
_STACK_GAP = 0.8  # header rows closer than this many text heights are one header
_SLACK = 0.5  # text may start this many text heights left of its column's header word
_NEAR = 1.5  # a number this many text heights beside a column still belongs to it


@lru_cache(maxsize=8192)
def key(text: str) -> str:
    """Text as header words compare: no case, accents, spaces or punctuation."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _STRIP.sub("", "".join(c for c in folded if not unicodedata.combining(c)))


_LEXICON = {key(w): role for role, words in _HEADER_WORDS.items() for w in words.split("|")}
_STEM = re.compile("|".join(sorted(_HEADER_STEMS, key=len, reverse=True)))


def header_role(word: str) -> str | None:
    """The column a header word (as ``key`` gives it) names."""
    if word in _LEXICON:
        return _LEXICON[word]
    stem = _STEM.match(word)
    return _HEADER_STEMS[stem[0]] if stem else None


@lru_cache(maxsize=4096)
def _fuzzy_role(word: str) -> str | None:
    """A header word OCR misspelt or cut short ("Qantité", "SOUS-TOTA"); a longer word that
    merely starts with a header word ("Positions-") is another word."""
    if len(word) < _FUZZY_LENGTH:
        return None
    for length in (len(word) - 1, len(word), len(word) + 1):
        for known, role in _BY_LENGTH.get(length, ()):
            if not word.startswith(known) and ratio(word, known) >= _FUZZY_RATIO:
                return role
    return None


def _by_length() -> dict[int, list[tuple[str, str]]]:
    grouped: dict[int, list[tuple[str, str]]] = {}
    for known, role in _LEXICON.items():
        if len(known) >= _FUZZY_LENGTH:
            grouped.setdefault(len(known), []).append((known, role))
    return grouped


_BY_LENGTH = _by_length()  # fuzzy matching compares words of about the same length only


# --- words that end a table ---------------------------------------------------------------------


def _keys(words: str) -> frozenset[str]:
    return frozenset(key(word) for word in words.split("|"))


# Words that open a totals line, which ends the table ...
TOTALS = _keys(
    "Sum|Summe|Summa|Total|Totalt|Totalsum|Totalbeløp|Sum eks mva|Sum ekskl. mva|Netto|"
    "Nettobeløp|Nettobelopp|Nettobeløb|Total eks mva|Totalt eks mva|Netto sum|"
    "Nettosum|Nettobetrag|Net total|Nettosumme|Summe netto|MVA-grunnlag|Grunnlag|Grundlag|"
    "Underlag|Å betale|Beløp å betale|Att betala|At betale|Amount due|Balance due|Total due|"
    "Grand total|Invoice total|Total amount|Gesamtbetrag|Gesamtsumme|Endbetrag|"
    "Rechnungsbetrag|Rechnungssumme|Positionssumme|Warenwert|Zahlbetrag|Bruttosumme|Total HT|"
    "Total TTC|Montant HT|Montant TTC|Montant total|Net à payer|A payer|Base HT|MVA|Moms|VAT|"
    "Plus VAT|TVA|MwSt|USt|Umsatzsteuer|zzgl|zuzüglich|Taxes|Tax|Steuerbetrag|Avrunding|"
    "Öresavrundning|Rounding"
)
# ... and words that open a line to step over: running subtotals and carried-forward sums.
SKIPPED = _keys(
    "Zwischensumme|Subtotal|Sub total|Delsum|Delsumma|Sous-total|Sidesum|Sidesumma|"
    "Seitensumme|Summe Seite|Page total|Overført|Overført fra forrige side|Överfört|Übertrag|"
    "Carried forward|Brought forward|À reporter|Report de page|Transporteret"
)
_OPENING_WORDS = 4  # "Overført fra forrige side" is the longest opening phrase
# A PDF that drops spaces still shows where words met: "TotalBeforeTax", "SummeOhneUSt".
_RUN_TOGETHER = re.compile(r"[a-zäöüæøå][A-ZÄÖÜÆØÅ]")
_LONG_TOTALS = tuple(sorted((w for w in TOTALS if len(w) >= 5), key=len, reverse=True))
_PAGE_NUMBER = re.compile(
    r"\b(?:side|sida|seite|page|sivu)\s*\d+\s*(?:(?:/|av|af|von|of|sur|de)\s*\d+\s*)?$"
    r"|\b(?:side|sida|seite|page)\s*\d+\s*(?:/|av|af|von|of|sur|de)\s*\d+",
    re.IGNORECASE,
)


def opening(line: Line) -> str:
    """The line's first words as one key when they are a totals or skip phrase, else "".

    A totals label in a later cell counts too when that cell is words only: a totals block
    printed beside payment details ("Betalingsinformasjon   Netto   9 300,95") ends the
    table as surely as one at the margin.
    """
    keys = [key(t.text) for t in line.cells[0].tokens] if line.cells else []
    found = _phrase(keys)
    if found:
        return found
    if keys and _RUN_TOGETHER.search(line.cells[0].tokens[0].text):  # "TotalBeforeTax"
        return next((w for w in _LONG_TOTALS if keys[0].startswith(w)), "")
    for cell in line.cells[1:]:
        if any(any(c.isdigit() for c in t.text) for t in cell.tokens):
            continue
        found = _phrase([key(t.text) for t in cell.tokens])
        if found in TOTALS:
            return found
    return ""


def _phrase(keys: list[str]) -> str:
    for count in range(min(_OPENING_WORDS, len(keys)), 0, -1):
        joined = "".join(keys[:count])
        if joined in TOTALS or joined in SKIPPED:
            return joined
    return ""


def names_page(line: Line) -> bool:
    """Whether a line numbers its page ("Side 1 av 2", "Seite 1/3"), as a footer does."""
    return bool(_PAGE_NUMBER.search(line.text))


# --- lines and cells ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """Adjacent words on one line read together, with the number they state if any."""

    tokens: tuple[Token, ...]
    text: str
    box: Box
    number: Decimal | None  # the cell as an amount or quantity, unit word removed
    percent: Decimal | None  # "25%", "25 %", "MVA 25%"
    unit: str | None  # the word after a number: "3 Std", "64,00 Heures"

    @property
    def is_numeric(self) -> bool:
        return self.number is not None or self.percent is not None


@dataclass(frozen=True, slots=True)
class Line:
    """The cells of one page whose middles share a band, left to right."""

    page: int
    index: int  # position among the page's lines, top to bottom
    cells: tuple[Cell, ...]
    box: Box
    height: float  # median word height, the unit every gap is measured in

    @property
    def text(self) -> str:
        return " ".join(cell.text for cell in self.cells)


def page_lines(page: PageTokens) -> list[Line]:
    """The page's lines top to bottom, without vertical margin text and stray table rules.

    A word joins a line when its middle falls inside the first word's band, which tolerates the
    uneven baselines OCR produces. Vertical text would glue unrelated lines together, so boxes
    standing upright or far taller than the page's usual word are left out.
    """
    words = [token for token in page.tokens if token.text.strip(" |¦")]
    if not words:
        return []
    usual = median(token.box.height for token in words)
    words = [t for t in words if t.box.height <= _TALL * usual and not _upright(t)]
    rows: list[list[Token]] = []
    for token in sorted(words, key=lambda t: t.box.middle):
        anchor = rows[-1][0].box if rows else None
        if anchor is not None and anchor.top <= token.box.middle <= anchor.bottom:
            rows[-1].append(token)
        else:
            rows.append([token])
    lines = []
    for index, row in enumerate(rows):
        row.sort(key=lambda t: t.box.x0)
        height = median(token.box.height for token in row)
        cells = tuple(make_cell(run) for run in _runs(row, height))
        lines.append(Line(page.number, index, cells, union(row), height))
    return lines


def _upright(token: Token) -> bool:
    box = token.box
    return len(token.text) >= _UPRIGHT_LETTERS and box.height > 1.5 * (box.x1 - box.x0)


def _runs(tokens: Sequence[Token], height: float) -> Iterator[list[Token]]:
    run = [tokens[0]]
    for token in tokens[1:]:
        gap = token.box.x0 - run[-1].box.x1
        if _THOUSANDS.match(token.text) and _LEADING_GROUP.match(run[-1].text):
            joins = gap <= _GROUP_GAP * height
        else:
            joins = gap <= _CELL_GAP * height and not _starts_value(run, token)
        if joins:
            run.append(token)
        else:
            yield run
            run = [token]
    yield run


def _starts_value(run: Sequence[Token], token: Token) -> bool:
    """Whether a number or rate begins a cell of its own although printed a space from the
    words before it: after another number ("1 Stk 25 %", "1700,00 TVA5,5%") or after a label
    ("Rabatt: 0,03"), but not inside a description's "3 x 20"."""
    if _NUMERIC_START.match(token.text) is None and _PERCENT.match(token.text) is None:
        return False
    if run[-1].text.endswith(":"):
        return True
    return run[-1].text not in _CONNECTORS and any(_NUMERIC_START.match(t.text) for t in run)


def make_cell(tokens: Sequence[Token]) -> Cell:
    text = " ".join(token.text.strip("|¦") for token in tokens).strip()
    number, percent, unit = read_number(text)
    return Cell(tuple(tokens), text, union(tokens), number, percent, unit)


def read_number(text: str) -> tuple[Decimal | None, Decimal | None, str | None]:
    """``(number, percent, unit)`` as a cell states them; all None for words.

    parse_amount already refuses dates; a long bare integer is an article number or a GTIN.
    """
    body = text.strip().lstrip("+").rstrip(":")
    if match := _PERCENT.match(body):
        return None, parse_amount(match[1]), None
    number, unit = parse_amount(body), None
    if number is None and (match := _NUMBER_WITH_UNIT.match(body)):
        number, unit = parse_amount(match[1]), match[2]
    digits = body.replace(" ", "")
    if number is None or (digits.isdigit() and len(digits) >= _CODE_DIGITS):
        return None, None, None
    return number, None, unit


def union(tokens: Iterable[Token]) -> Box:
    boxes = iter(token.box for token in tokens)
    first = next(boxes)
    x0, top, x1, bottom = first.x0, first.top, first.x1, first.bottom
    for b in boxes:
        x0 = b.x0 if b.x0 < x0 else x0
        top = b.top if b.top < top else top
        x1 = b.x1 if b.x1 > x1 else x1
        bottom = b.bottom if b.bottom > bottom else bottom
    return Box(x0, top, x1, bottom)


# --- header rows and columns --------------------------------------------------------------------


@dataclass(slots=True)
class Column:
    """A header label's horizontal extent and the roles stacked in it, top label first."""

    x0: float
    x1: float
    roles: list[str | None] = field(default_factory=list)
    headed: bool = True  # False for a column found only by the numbers standing in it

    @property
    def role(self) -> str | None:
        return next((role for role in self.roles if role is not None), None)

    def overlap(self, box: Box) -> float:
        return min(self.x1, box.x1) - max(self.x0, box.x0)

    def distance(self, box: Box) -> float:
        """Zero when overlapping, else the gap; a shared left or right edge counts as touching,
        since numbers align on one edge however narrow their header word is."""
        gap = max(self.x0 - box.x1, box.x0 - self.x1, 0.0)
        return min(gap, abs(self.x1 - box.x1), abs(self.x0 - box.x0))


@dataclass(frozen=True, slots=True)
class _Label:
    role: str | None
    x0: float
    x1: float

    @property
    def box(self) -> Box:
        return Box(self.x0, 0.0, self.x1, 0.0)


@dataclass(frozen=True, slots=True)
class Header:
    """A table header: the lines it spans (first to last index) and its columns left to right."""

    first: int
    last: int
    columns: list[Column]


def is_header(line: Line) -> bool:
    """Whether a line reads as a table header: mostly header words, no amounts, at least two
    columns named, one of them the description or the quantity.

    The last rule keeps a VAT summary ("Sats  Grunnlag  Mva  Beløp") from opening a table.
    """
    if any(cell.number is not None for cell in line.cells):
        return False
    labels = line_labels(line)
    roles = {label.role for label in labels} - {None, POSITION, GROSS}
    if not roles & {DESCRIPTION, QUANTITY}:
        return False
    if len(roles) < 2:
        labels = line_labels(line, fuzzy=True)
        roles = {label.role for label in labels} - {None, POSITION, GROSS}
        if len(roles) < 2:
            return False
    named = sum(1 for label in labels if label.role is not None)
    return named >= 0.4 * len(labels)


def line_labels(line: Line, fuzzy: bool = False) -> list[_Label]:
    """The line's words as header labels, each the longest phrase within one cell that names a
    column (with a qualifier such as "eks. mva" after it); other words are unnamed labels."""
    labels: list[_Label] = []
    for cell in line.cells:
        keys = [key(token.text) for token in cell.tokens]
        start = 0
        while start < len(keys):
            role, end, joined = None, start + 1, ""
            for stop in range(start, min(start + _MAX_LABEL_WORDS, len(keys))):
                joined += keys[stop]
                if joined and (found := header_role(joined)) is not None:
                    role, end = found, stop + 1
            if role is None and fuzzy:
                role = _fuzzy_role(keys[start])
            if role is not None and end < len(keys) and keys[end] in _EXCLUSIVE | _INCLUSIVE:
                if keys[end] in _INCLUSIVE and role == AMOUNT:
                    role = GROSS
                end = min(end + 2, len(keys))
            if role is not None or keys[start]:
                tokens = cell.tokens[start:end]
                labels.append(_Label(role, tokens[0].box.x0, tokens[-1].box.x1))
            start = end
    return labels


def header_at(lines: Sequence[Line], index: int) -> Header:
    """The header whose main row is ``lines[index]``, with the label rows stacked above and
    below it ("Positions- / betrag / ohne USt.", "Art-Nr-Lieferant / Artikelbezeichnung").

    Words broken over two rows ("Unit" over "price") come first, then the labels of the main
    row; a label of another row that stands over or under one of them adds a role to that
    column (so a code column can carry the description below it), one that stands alone makes
    a column of its own.
    """
    first = last = index
    while first > 0 and _stacks(lines[first - 1], lines[first]):
        first -= 1
    while last + 1 < len(lines) and _stacks(lines[last], lines[last + 1]):
        last += 1
    ranked = [(-1, label) for label in _broken_labels(lines[first : last + 1])]
    ranked.extend((0, label) for label in line_labels(lines[index], fuzzy=True))
    for other in range(first, last + 1):
        if other != index:
            rank = 1 + abs(other - index)
            ranked.extend((rank, label) for label in line_labels(lines[other], fuzzy=True))
    columns: list[Column] = []
    for _, label in sorted(ranked, key=lambda item: (item[0], item[1].role is None)):
        home = next((c for c in columns if c.overlap(label.box) > 0), None)
        if home is None:
            columns.append(Column(label.x0, label.x1, [label.role]))
        elif label.role is not None:
            home.roles.append(label.role)
            home.x0, home.x1 = min(home.x0, label.x0), max(home.x1, label.x1)
    return Header(first, last, sorted(columns, key=lambda c: c.x0))


def _stacks(upper: Line, lower: Line) -> bool:
    """Whether two lines are parts of one header: close, without amounts, each holding a header
    word or the first half of one broken over two lines ("Positions-")."""
    if lower.box.top - upper.box.bottom > _STACK_GAP * upper.height:
        return False
    return all(_header_like(line) for line in (upper, lower))


def _header_like(line: Line) -> bool:
    if any(cell.number is not None for cell in line.cells):
        return False
    return any(
        header_role(key(t.text)) is not None or t.text.endswith("-")
        for cell in line.cells
        for t in cell.tokens
    )


def _broken_labels(lines: Sequence[Line]) -> list[_Label]:
    """Header words broken over two lines: "Positions-" over "betrag", "Sous" over "total"."""
    labels = []
    for upper, lower in pairwise(lines):
        for top in (t for c in upper.cells for t in c.tokens):
            for bottom in (t for c in lower.cells for t in c.tokens):
                if min(top.box.x1, bottom.box.x1) <= max(top.box.x0, bottom.box.x0):
                    continue
                role = header_role(key(top.text) + key(bottom.text))
                if role is not None:
                    box = union((top, bottom))
                    labels.append(_Label(role, box.x0, box.x1))
    return labels


# --- placing cells in columns -------------------------------------------------------------------


def column_of(columns: Sequence[Column], cell: Cell, height: float) -> int | None:
    """The column a cell is printed in: the one it overlaps most, else one within reach."""
    box = cell.box
    best, best_overlap = None, 0.0
    for index, column in enumerate(columns):  # the hottest loop here, so written out
        overlap = (column.x1 if column.x1 < box.x1 else box.x1) - (
            column.x0 if column.x0 > box.x0 else box.x0
        )
        if overlap > best_overlap:
            best, best_overlap = index, overlap
    if best is not None:
        return best
    reach = _NEAR * height
    distance, nearest = min(
        ((column.distance(box), i) for i, column in enumerate(columns)),
        default=(reach + 1, None),
    )
    return nearest if distance <= reach else None


def with_unheaded_columns(columns: Sequence[Column], lines: Sequence[Line]) -> list[Column]:
    """The header's columns plus one per run of numbers standing under no header word, such as
    a VAT column printed without a heading."""
    found = [Column(c.x0, c.x1, list(c.roles)) for c in columns]
    extra: list[Column] = []
    for line in lines:
        for cell in line.cells:
            if not cell.is_numeric or column_of(found, cell, line.height) is not None:
                continue
            home = column_of(extra, cell, line.height)
            if home is None:
                extra.append(Column(cell.box.x0, cell.box.x1, [None], headed=False))
            else:
                extra[home].x0 = min(extra[home].x0, cell.box.x0)
                extra[home].x1 = max(extra[home].x1, cell.box.x1)
    return sorted(found + extra, key=lambda c: c.x0)


def split_at_columns(cells: Sequence[Cell], columns: Sequence[Column]) -> list[Cell]:
    """Word cells split where an item code column meets the description column: a code printed
    a space away from its description is still two values."""
    edges = [c.x0 for c in columns if c.role in (ITEM_CODE, DESCRIPTION, POSITION)]
    split: list[Cell] = []
    for cell in cells:
        tokens = cell.tokens
        if cell.is_numeric or len(tokens) < 2:
            split.append(cell)
            continue
        slack, start = _SLACK * cell.box.height, 0
        for i in range(1, len(tokens)):
            before, after = tokens[i - 1].box, tokens[i].box
            if any(before.x1 < edge + slack and after.x0 >= edge - slack for edge in edges):
                split.append(make_cell(tokens[start:i]))
                start = i
        split.append(make_cell(tokens[start:]) if start else cell)
    return split


def spilled(columns: Sequence[Column], cell: Cell, index: int) -> int:
    """The description column for words that start in a code column and run on into it:
    codes fit their column, descriptions spill."""
    if columns[index].role not in (ITEM_CODE, POSITION):
        return index
    spill = (i for i, c in enumerate(columns) if c.role == DESCRIPTION and c.overlap(cell.box) > 0)
    return next(spill, index)
