"""Invoice header fields from page tokens: find a label, read the value beside or under it.

The work is split so later issues can improve either half alone: *candidate generation* (every
place a field's value might be, each with a confidence and a rank) and *selection* (the
best-ranked candidate per field). Supplier layout memory or a learned scorer can add candidates
and re-rank them without touching how labels are found. Nothing here knows whether the tokens
came from a text layer or OCR.

Confidence is a plain heuristic in [0, 1], not a calibrated probability (that is a later issue):
a value right of its label on the same line scores ``SAME_LINE``, one directly under its label
``BELOW``, one recognised by its shape alone (``NO 923 609 016 MVA``, a lone ``EUR``)
``PATTERN``, and the company's default currency ``FALLBACK``; label-based scores are multiplied
by the label's weight, 1.0 for a specific label such as "Fakturadato" and less for a generic one
such as "Dato".
"""

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from models.identifiers import normalize_org_number
from models.tokens import Box, PageTokens, Token, TokenSource
from models.values import KNOWN_CURRENCIES, parse_amount, parse_currency, parse_date

SAME_LINE = 0.9
BELOW = 0.75
PATTERN = 0.6
FALLBACK = 0.3

# Label text with case, whitespace, "." and ":" removed -> (field, weight).
_LABELS: dict[str, tuple[str, float]] = {
    "fakturanr": ("invoice_number", 1.0),
    "fakturanummer": ("invoice_number", 1.0),
    "invoiceno": ("invoice_number", 1.0),
    "invoicenumber": ("invoice_number", 1.0),
    "invoice#": ("invoice_number", 1.0),
    "fakturadato": ("invoice_date", 1.0),
    "invoicedate": ("invoice_date", 1.0),
    "dato": ("invoice_date", 0.8),
    "date": ("invoice_date", 0.8),
    "forfallsdato": ("due_date", 1.0),
    "forfall": ("due_date", 1.0),
    "duedate": ("due_date", 1.0),
    "betalingsfrist": ("due_date", 0.9),
    "valuta": ("currency", 1.0),
    "currency": ("currency", 1.0),
    "åbetale": ("total_amount", 1.0),
    "beløpåbetale": ("total_amount", 1.0),
    "amountdue": ("total_amount", 1.0),
    # OCR with nor+eng often reads the one-letter word "Å" with the English model, as "A".
    "abetale": ("total_amount", 0.95),
    "beløpabetale": ("total_amount", 0.95),
    "suminklmva": ("total_amount", 0.95),
    "totalinklmva": ("total_amount", 0.95),
    "totaltinklmva": ("total_amount", 0.95),
    "totalinclvat": ("total_amount", 0.95),
    "total": ("total_amount", 0.85),
    "totalt": ("total_amount", 0.85),
    "orgnr": ("supplier_org_number", 1.0),
    "orgno": ("supplier_org_number", 1.0),
    "vatno": ("supplier_org_number", 1.0),
    "organisasjonsnummer": ("supplier_org_number", 1.0),
    "foretaksregisteret": ("supplier_org_number", 1.0),
}
_MAX_LABEL_TOKENS = 4  # "Totalt inkl. mva :" is the longest label phrase
# An amount under one of these is what the buyer must pay, so it beats any other total.
_AMOUNT_DUE_LABELS = frozenset({"åbetale", "beløpåbetale", "abetale", "beløpabetale", "amountdue"})

# Words that put an org number on the buyer's side when they precede it on its line ...
_BUYER_WORDS = frozenset(
    {"kunde", "kundenr", "kundenummer", "kundens", "kjøper", "buyer", "customer", "deres"}
)
# ... or head the address block it sits in ("Faktureres til:" above the buyer's address).
_BUYER_HEADINGS = frozenset({"fakturerestil", "kunde", "kjøper", "buyer", "customer", "billto"})
_HEADING_LINES = 6  # an address block is rarely taller than this

_HEADER_BAND = 0.15  # letterheads and footers sit in this top and bottom fraction of a page
_WORD_GAP = 0.6  # words of one value are closer than this times the text height
_MAX_VALUE_TOKENS = 6  # "NO 923 609 016 MVA", "NOK 1 234 567,89"
_VAT_ID = re.compile(r"(?P<no>NO\s?)?\d{3}\s?\d{3}\s?\d{3}(?P<mva>\s?(?i:MVA))?")


@dataclass(frozen=True)
class FieldValue:
    """One extracted header field, normalised: ISO dates, plain decimals, ISO currency codes."""

    name: str
    value: str
    confidence: float
    page: int | None
    box: Box | None
    source: TokenSource


@dataclass(frozen=True)
class _Line:
    """Tokens of one page whose vertical middles fall within the first token's height."""

    page_height: float
    tokens: tuple[Token, ...]
    keys: tuple[str, ...]  # each token as label text, see _key

    @property
    def page(self) -> int:
        return self.tokens[0].page

    @property
    def top(self) -> float:
        return min(token.box.top for token in self.tokens)

    @property
    def bottom(self) -> float:
        return max(token.box.bottom for token in self.tokens)


@dataclass(frozen=True)
class _Label:
    key: str
    field: str
    weight: float
    start: int
    end: int  # exclusive token index


@dataclass(frozen=True)
class _Candidate:
    """A possible value for one field; ``rank`` orders candidates of a field, highest wins."""

    name: str
    value: str
    confidence: float
    tokens: tuple[Token, ...]
    rank: tuple[float | Decimal, ...]


def extract_header_fields(
    pages: list[PageTokens], default_currency: str | None = None
) -> dict[str, FieldValue]:
    """The header fields found on the pages; a field that was not found is left out.

    ``default_currency`` (the company's) is used only when the invoice names no currency, or
    only says "kr", and gets the lowest confidence.
    """
    lines = _lines(pages)
    best = _select([*_labelled_candidates(lines), *_vat_id_candidates(lines)])
    currency = best.get("currency") or _currency_without_label(lines, best.get("total_amount"))
    fields = {name: _field_value(candidate) for name, candidate in best.items()}
    if currency is not None:
        fields["currency"] = _field_value(currency)
    elif default_currency:
        fields["currency"] = FieldValue(
            "currency", default_currency, FALLBACK, None, None, _source(pages)
        )
    return fields


def _select(candidates: Sequence[_Candidate]) -> dict[str, _Candidate]:
    """The best candidate per field; on a tie the first in reading order."""
    best: dict[str, _Candidate] = {}
    for candidate in candidates:
        current = best.get(candidate.name)
        if current is None or candidate.rank > current.rank:
            best[candidate.name] = candidate
    return best


def _field_value(candidate: _Candidate) -> FieldValue:
    first = candidate.tokens[0]
    return FieldValue(
        name=candidate.name,
        value=candidate.value,
        confidence=round(candidate.confidence, 3),
        page=first.page,
        box=_union(candidate.tokens),
        source=first.source,
    )


def _source(pages: list[PageTokens]) -> TokenSource:
    return pages[0].source if pages else TokenSource.TEXT


# --- lines and labels ---------------------------------------------------------------------------


def _lines(pages: list[PageTokens]) -> list[_Line]:
    """Lines by overlapping vertical middles rather than equal tops, so a bold 16 pt label and a
    10 pt value printed on one baseline still share a line."""
    lines: list[_Line] = []
    for page in pages:
        rows: list[list[Token]] = []
        for token in sorted(page.tokens, key=lambda t: t.box.middle):
            anchor = rows[-1][0].box if rows else None
            if anchor is not None and anchor.top <= token.box.middle <= anchor.bottom:
                rows[-1].append(token)
            else:
                rows.append([token])
        for row in rows:
            tokens = tuple(sorted(row, key=lambda t: t.box.x0))
            lines.append(_Line(page.height, tokens, tuple(_key(t.text) for t in tokens)))
    return lines


def _key(text: str) -> str:
    """Token text as labels compare: case-blind, tolerant of "Org. nr." versus "Org.nr:"."""
    return re.sub(r"[\s.:]", "", text.casefold())


def _labels(line: _Line) -> list[_Label]:
    """Label phrases on a line, left to right, each the longest phrase starting at its token."""
    labels: list[_Label] = []
    start = 0
    while start < len(line.keys):
        joined, match = "", None
        for end in range(start, min(start + _MAX_LABEL_TOKENS, len(line.keys))):
            joined += line.keys[end]
            if joined in _LABELS:
                match = (joined, end + 1)
        if match is None:
            start += 1
            continue
        key, end = match
        field, weight = _LABELS[key]
        labels.append(_Label(key, field, weight, start, end))
        start = end
    return labels


# --- candidate generation -----------------------------------------------------------------------


def _labelled_candidates(lines: list[_Line]) -> Iterator[_Candidate]:
    """A candidate for each label whose value reads right of it, or else directly below it."""
    for index, line in enumerate(lines):
        labels = _labels(line)
        for number, label in enumerate(labels):
            stop = labels[number + 1].start if number + 1 < len(labels) else len(line.tokens)
            found = _value_of(lines, index, label, stop)
            if found is None:
                continue
            value, tokens, position = found
            confidence = position * label.weight
            if label.field == "total_amount":
                rank = (label.key in _AMOUNT_DUE_LABELS, abs(Decimal(value)), confidence)
                yield _Candidate(label.field, value, confidence, tokens, rank)
            elif label.field == "supplier_org_number":
                context = line.tokens[max(0, label.start - 3) : label.start]
                span = _union((*line.tokens[label.start : label.end], *tokens))
                if not _is_buyers(lines, index, context, span):
                    yield _org_candidate(lines[index], value, confidence, tokens)
            else:
                yield _Candidate(label.field, value, confidence, tokens, (confidence,))


def _value_of(
    lines: list[_Line], index: int, label: _Label, stop: int
) -> tuple[str, tuple[Token, ...], float] | None:
    """The label's value with its position score: right of it up to the next label, else under
    it on the next line."""
    line, parse = lines[index], _PARSERS[label.field]
    found = _read(_word_run(line.tokens[label.end : stop]), parse)
    if found is not None:
        return (*found, SAME_LINE)
    below = _line_below(lines, index)
    if below is None:
        return None
    found = _read(_run_under(below, _union(line.tokens[label.start : label.end])), parse)
    return (*found, BELOW) if found is not None else None


def _vat_id_candidates(lines: list[_Line]) -> Iterator[_Candidate]:
    """Org numbers printed as VAT ids ("NO 923 609 016 MVA") anywhere, with or without label."""
    for index, line in enumerate(lines):
        start = 0
        while start < len(line.tokens):
            end = _vat_id_end(line.tokens, start)
            if end is None:
                start += 1
                continue
            tokens = line.tokens[start:end]
            value = normalize_org_number(_text(tokens))
            context = line.tokens[max(0, start - 3) : start]
            if value and not _is_buyers(lines, index, context, _union(tokens)):
                yield _org_candidate(line, value, PATTERN, tokens)
            start = end


def _vat_id_end(tokens: tuple[Token, ...], start: int) -> int | None:
    """End of the longest run from ``start`` shaped like a VAT id: NO and/or MVA around 9 digits."""
    if not (tokens[start].text[:1].isdigit() or tokens[start].text.startswith("NO")):
        return None
    for end in range(min(start + 5, len(tokens)), start, -1):
        match = _VAT_ID.fullmatch(_text(tokens[start:end]))
        if match and (match["no"] or match["mva"]):
            return end
    return None


def _org_candidate(
    line: _Line, value: str, confidence: float, tokens: tuple[Token, ...]
) -> _Candidate:
    """Ranks supplier org numbers: printed as a VAT id first, then in letterhead or footer."""
    text = _text(tokens).upper()
    vat_style = text.startswith("NO") or "MVA" in text or "foretaksregisteret" in line.keys
    box = _union(tokens)
    in_band = (
        box.top < _HEADER_BAND * line.page_height
        or box.bottom > (1 - _HEADER_BAND) * line.page_height
    )
    rank = (vat_style, in_band, confidence)
    return _Candidate("supplier_org_number", value, confidence, tokens, rank)


def _is_buyers(lines: list[_Line], index: int, context: Sequence[Token], span: Box) -> bool:
    """Whether an org number belongs to the buyer: a buyer word just before it on its line, or
    a buyer heading ("Faktureres til:") above it in the same column of the address block."""
    if any(_key(token.text) in _BUYER_WORDS for token in context):
        return True
    line = lines[index]
    for above in reversed(lines[max(0, index - _HEADING_LINES) : index]):
        if above.page != line.page:
            break
        for position, key in enumerate(above.keys):
            pair = key + (above.keys[position + 1] if position + 1 < len(above.keys) else "")
            heading = key in _BUYER_HEADINGS or pair in _BUYER_HEADINGS
            if heading and _overlaps_horizontally(above.tokens[position].box, span):
                return True
    return False


def _currency_without_label(lines: list[_Line], total: _Candidate | None) -> _Candidate | None:
    """A currency printed with the total ("Å betale NOK 12 500,00"), else the most frequent
    ISO code anywhere on the invoice."""
    if total is not None:
        for token in total.tokens:
            code = parse_currency(token.text)
            if code:
                return _Candidate("currency", code, total.confidence, (token,), (total.confidence,))
    codes = [token for line in lines for token in line.tokens if token.text in KNOWN_CURRENCIES]
    if not codes:
        return None
    code, _ = Counter(token.text for token in codes).most_common(1)[0]
    first = next(token for token in codes if token.text == code)
    return _Candidate("currency", code, PATTERN, (first,), (PATTERN,))


# --- values next to labels ----------------------------------------------------------------------


def _invoice_number(text: str) -> str | None:
    """A single word with a digit in it that is not a date: "10042", "INV-2026-0042"."""
    value = text.strip(".,;:")
    if " " in value or not any(c.isdigit() for c in value) or parse_date(value):
        return None
    return value


def _iso_date(text: str) -> str | None:
    parsed = parse_date(text)
    return parsed.isoformat() if parsed else None


def _amount(text: str) -> str | None:
    parsed = parse_amount(text)
    return str(parsed) if parsed is not None else None


_PARSERS: dict[str, Callable[[str], str | None]] = {
    "invoice_number": _invoice_number,
    "invoice_date": _iso_date,
    "due_date": _iso_date,
    "currency": parse_currency,
    "total_amount": _amount,
    "supplier_org_number": normalize_org_number,
}


def _read(
    run: Sequence[Token], parse: Callable[[str], str | None]
) -> tuple[str, tuple[Token, ...]] | None:
    """The longest leading part of a run of words that parses, so "17.11.2026 Side 1" still
    reads as a date and "NOK 12 500,00" as one amount."""
    for end in range(len(run), 0, -1):
        value = parse(_text(run[:end]))
        if value is not None:
            return value, tuple(run[:end])
    return None


def _word_run(tokens: Sequence[Token]) -> tuple[Token, ...]:
    """The first token and the words that follow it closely enough to belong to one value."""
    run = list(tokens[:1])
    for token in tokens[1:_MAX_VALUE_TOKENS]:
        if not _adjacent(run[-1], token):
            break
        run.append(token)
    return tuple(run)


def _run_under(line: _Line, label_box: Box) -> tuple[Token, ...]:
    """The value on a line that starts, ends or sits under the label's horizontal extent."""
    tokens = line.tokens
    hits = [i for i, t in enumerate(tokens) if _overlaps_horizontally(t.box, label_box)]
    if not hits:
        return ()
    start = hits[0]
    while start > 0 and _adjacent(tokens[start - 1], tokens[start]):
        start -= 1
    return _word_run(tokens[start:])


def _line_below(lines: list[_Line], index: int) -> _Line | None:
    """The next line, if it is on the same page and close enough to hold this line's values."""
    if index + 1 >= len(lines):
        return None
    line, below = lines[index], lines[index + 1]
    close = below.top - line.bottom <= 2 * (line.bottom - line.top)
    return below if below.page == line.page and close else None


# --- geometry -----------------------------------------------------------------------------------


def _text(tokens: Sequence[Token]) -> str:
    return " ".join(token.text for token in tokens)


def _union(tokens: Sequence[Token]) -> Box:
    return Box(
        min(t.box.x0 for t in tokens),
        min(t.box.top for t in tokens),
        max(t.box.x1 for t in tokens),
        max(t.box.bottom for t in tokens),
    )


def _adjacent(left: Token, right: Token) -> bool:
    """Whether two words on a line are separated by no more than a space."""
    return right.box.x0 - left.box.x1 <= _WORD_GAP * left.box.height


def _overlaps_horizontally(a: Box, b: Box) -> bool:
    return a.x0 <= b.x1 and b.x0 <= a.x1
