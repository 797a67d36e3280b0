"""Candidate generation: every place on the pages a field's value might be, with features.

A candidate is a value in canonical form plus the evidence for it: which label it follows and
how (right of it on the line, under it), where on the page it sits, whether its check digits
hold, how sure OCR was. Nothing is decided here; the scorer weighs the features and the
selector picks the jointly consistent set.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ml.extraction.lexicon import (
    BUYER_HEADING_KEYS,
    BUYER_WORDS,
    DATE_WORDS,
    EXCLUDING_WORDS,
    INCLUDING_WORDS,
    LABELS,
    MAX_LABEL_TOKENS,
    NUMBER_WORDS,
    is_title_key,
)
from ml.extraction.page_lines import (
    Line,
    adjacent,
    amount_spans,
    overlaps_horizontally,
    text_of,
    union,
    word_run,
)
from ml.extraction.value_parsers import ParsedValue, parse_field
from models.canonical_fields import HEADER_FIELDS, FieldKind
from models.tokens import Box, Token, TokenSource
from models.values import parse_currency

FEATURES = (
    "label_weight",  # the label's prior for this field; 0 for a pattern-only candidate
    "same_line",  # right of its label on the label's line
    "below",  # under its label
    "pattern",  # found by shape alone
    "gap",  # distance from label to value, in page widths (or heights when below)
    "first_page",
    "last_page",
    "y",  # vertical position on the page, 0 top to 1 bottom
    "x",  # horizontal position, 0 left to 1 right
    "checksum",  # an identifier whose check digits hold
    "repairs",  # look-alike characters changed to make them hold
    "ocr_confidence",
    "has_decimals",
    "last_on_line",  # the rightmost amount of its line: where totals sit
    "largest_amount",  # the largest amount on the document
    "repeats",  # how often the same value occurs among candidates of other places
    "consistent",  # the arithmetic of the chosen amounts holds with this value
    "memory",  # the company's layout memory predicts this place
    "in_table",  # inside a row of the line-item table, where header totals are not
    "column_total",  # under its label, the sum of the amounts above it in that column
)
_AMOUNT_FIELDS = ("net_amount", "vat_amount", "total_amount", "amount_due")
_HEADING_LINES = 6  # an address block is rarely taller than this
_REFERENCE_BAND = 0.4  # unlabelled invoice numbers are printed in the upper part of page one
_BLOCK_HEIGHT = 9  # ... nor further below its heading than this many line heights
_BELOW_GAP = 3.5  # a value under its label is within this many line heights
_BELOW_LINES = 3
_COLUMN_ROWS = 6  # rows of a summary table read under one label
# A Norwegian account printed the way banks print it, "1234.56.78903" or "1234 56 78903": a
# shape common enough on invoices, and rare enough elsewhere, to be found without a label.
_ACCOUNT_SHAPE = re.compile(r"\d{4}([ .])\d{2}\1\d{5}")
_DROPPED_OVERLAP = 0.3  # share of the label's height a lower-set value must overlap it by
_TEXT_GAP = 6  # a text value starts within this many text heights right of its label
_TITLE_GAP = 4  # a number belongs to the title it follows within this many text heights


@dataclass(frozen=True, slots=True)
class Candidate:
    field: str
    value: str
    tokens: tuple[Token, ...]
    features: dict[str, float] = field(default_factory=dict)
    label: str | None = None

    @property
    def page(self) -> int:
        return self.tokens[0].page

    @property
    def box(self) -> Box:
        return union(self.tokens)

    def with_features(self, **changes: float) -> "Candidate":
        return replace(self, features={**self.features, **changes})


@dataclass(frozen=True, slots=True)
class LabelHit:
    key: str
    field: str
    weight: float
    line: Line
    start: int
    end: int  # exclusive

    @property
    def box(self) -> Box:
        return union(self.line.tokens[self.start : self.end])


def find_labels(line: Line) -> list[list[LabelHit]]:
    """Label phrases on a line, left to right, each the longest phrase starting at its token;
    one entry per phrase with a hit per field it may label."""
    found: list[list[LabelHit]] = []
    start = 0
    while start < len(line.keys):
        joined, match = "", None
        for end in range(start, min(start + MAX_LABEL_TOKENS, len(line.keys))):
            if end > start and not adjacent(line.tokens[end - 1], line.tokens[end]):
                break  # the words of one label are a space apart, not a column apart
            joined += line.keys[end]
            if joined in LABELS:
                match = (joined, end + 1)
        if match is None:
            start += 1
            continue
        key, end = match
        found.append([LabelHit(key, f, w, line, start, end) for f, w in LABELS[key]])
        start = end
    return _in_title_context(line, found)


def _in_title_context(line: Line, found: list[list[LabelHit]]) -> list[list[LabelHit]]:
    """ "Nr." right after a document title is the invoice number's label, and a date word on
    that line ("... Nr. X vom D") the invoice date's: weak words, strong in that company."""
    titled = False
    for hits in found:
        for position, hit in enumerate(hits):
            qualifier = line.keys[hit.start - 1] if hit.start > 0 else ""
            if hit.field == "vat_amount" and qualifier in EXCLUDING_WORDS:
                hits[position] = replace(hit, field="net_amount", weight=1.0)
                continue
            if hit.field == "vat_amount" and qualifier in INCLUDING_WORDS:
                hits[position] = replace(hit, field="total_amount", weight=1.0)
                continue
            before = line.keys[max(0, hit.start - 3) : hit.start]
            if (
                hit.field == "invoice_number"
                and hit.key in NUMBER_WORDS
                and any(is_title_key(key) for key in before)
            ):
                hits[position] = replace(hit, weight=1.0)
                titled = True
    if not titled:
        return found
    return [
        [
            replace(hit, weight=0.95)
            if hit.field == "invoice_date" and hit.key in DATE_WORDS
            else hit
            for hit in hits
        ]
        for hits in found
    ]


def generate_candidates(lines: Sequence[Line], buyer_lines: set[int]) -> list[Candidate]:
    """Labelled and pattern candidates for every field, before document-wide features."""
    labels_by_line = [find_labels(line) for line in lines]
    return [
        *_labelled(lines, labels_by_line, buyer_lines),
        *_pattern_identifiers(lines, buyer_lines),
        *_pattern_dates(lines),
        *_pattern_references(lines),
        *_pattern_amounts(lines),
        *_currencies(lines),
    ]


def with_document_features(
    candidates: Sequence[Candidate], lines: Sequence[Line]
) -> list[Candidate]:
    """Every feature filled in: position on the page, OCR confidence, how often the value
    recurs, whether it is the document's largest amount."""
    last_page = max((line.page for line in lines), default=1)
    largest = max(
        (Decimal(c.value) for c in candidates if HEADER_FIELDS[c.field] is FieldKind.AMOUNT),
        default=None,
    )
    counts: dict[tuple[str, str], int] = {}
    for c in candidates:
        counts[(c.field, c.value)] = counts.get((c.field, c.value), 0) + 1
    sizes = {line.page: (line.page_width, line.page_height) for line in lines}
    finished = []
    for c in candidates:
        page_width, page_height = sizes.get(c.page, (595.0, 842.0))
        box = c.box
        features = dict.fromkeys(FEATURES, 0.0) | c.features
        features["first_page"] = float(c.page == 1)
        features["last_page"] = float(c.page == last_page)
        features["y"] = round(box.middle / page_height, 4)
        features["x"] = round(box.x1 / page_width, 4)
        features["ocr_confidence"] = min(t.confidence for t in c.tokens)
        features["repeats"] = min(counts[(c.field, c.value)] - 1, 3) / 3
        if largest is not None and HEADER_FIELDS[c.field] is FieldKind.AMOUNT:
            features["largest_amount"] = float(Decimal(c.value) == largest)
            features["has_decimals"] = float(Decimal(c.value).as_tuple().exponent == -2)
        finished.append(replace(c, features=features))
    return finished


# --- labelled candidates --------------------------------------------------------------------


def _labelled(
    lines: Sequence[Line], labels_by_line: list[list[list[LabelHit]]], buyer_lines: set[int]
) -> Iterator[Candidate]:
    for line, phrases in zip(lines, labels_by_line, strict=True):
        for position, hits in enumerate(phrases):
            stop = phrases[position + 1][0].start if position + 1 < len(phrases) else None
            right = line.tokens[hits[0].end : stop]
            below = _lines_below(lines, line)
            for hit in hits:
                if hit.field not in HEADER_FIELDS:
                    continue
                if HEADER_FIELDS[hit.field] is FieldKind.TEXT:
                    # words of a text value may be weak label words ("Netto 30 dager"): read
                    # on to a column gap or a specific label
                    strong = [p[0].start for p in phrases[position + 1 :] if p[0].weight >= 0.9]
                    end = min(strong, default=len(line.tokens))
                    right = word_run(line.tokens[hits[0].end : end], 12)
                yield from _values_for(hit, right, below, buyer_lines, lines)


def _values_for(
    hit: LabelHit,
    right: Sequence[Token],
    below: Sequence[Line],
    buyer_lines: set[int],
    lines: Sequence[Line],
) -> Iterator[Candidate]:
    field_name = _sided(hit.field, hit, buyer_lines)
    if field_name is None:
        return
    label_box = hit.box
    base = {"label_weight": hit.weight}
    kind = HEADER_FIELDS[field_name]
    if kind is FieldKind.AMOUNT:
        spans = amount_spans(right)
        for number, span in enumerate(spans):
            tokens = tuple(right[span.start : span.end])
            gap = (tokens[0].box.x0 - label_box.x1) / hit.line.page_width
            yield Candidate(
                field_name,
                str(span.value),
                tokens,
                base
                | {
                    "same_line": 1.0,
                    "gap": round(gap, 4),
                    "has_decimals": float(span.has_decimals),
                    "last_on_line": float(number == len(spans) - 1),
                },
                hit.key,
            )
        overlap = label_box.bottom - below[0].top if below else 0.0
        if not spans and overlap > _DROPPED_OVERLAP * label_box.height:
            # the figure printed right of the label but a little lower: the lines overlap
            dropped = [t for t in below[0].tokens if t.box.x0 >= label_box.x1]
            for span in amount_spans(dropped)[:1]:
                tokens = tuple(dropped[span.start : span.end])
                gap = (tokens[0].box.x0 - label_box.x1) / hit.line.page_width
                features = {"same_line": 1.0, "gap": round(gap, 4), "has_decimals": 1.0}
                yield Candidate(field_name, str(span.value), tokens, base | features, hit.key)
                spans = [span]
        if not spans:
            yield from _column_under(field_name, hit, base, lines)
        return
    if is_title_key(hit.key):
        # "Faktura 10042", "Rechnung Nr. 42": a title labels only a number printed right by it
        close = [t for t in right if t.box.x0 - label_box.x1 <= _TITLE_GAP * label_box.height]
        parsed = parse_field(field_name, word_run(close, 3)) if close else None
        if parsed is not None:
            gap = (parsed.tokens[0].box.x0 - label_box.x1) / hit.line.page_width
            yield _from_parsed(field_name, parsed, base | {"same_line": 1.0, "gap": gap}, hit)
        return
    if (
        kind is FieldKind.TEXT
        and right
        and right[0].box.x0 - label_box.x1 > _TEXT_GAP * label_box.height
    ):
        right = ()  # a text far right of its label is another cell of a header row
    parsed = parse_field(field_name, word_run(right, 12)) if right else None
    if parsed is not None:
        gap = (parsed.tokens[0].box.x0 - label_box.x1) / hit.line.page_width
        yield _from_parsed(field_name, parsed, base | {"same_line": 1.0, "gap": round(gap, 4)}, hit)
        return
    if right and kind is not FieldKind.TEXT:
        # A value set apart from its label by a wide gap, as in two-column headers.
        parsed = parse_field(field_name, word_run(_skip_to_value(right), 12))
        if parsed is not None:
            gap = (parsed.tokens[0].box.x0 - label_box.x1) / hit.line.page_width
            features = base | {"same_line": 1.0, "gap": round(gap, 4)}
            yield _from_parsed(field_name, parsed, features, hit)
            return
    for line_below in below:
        parsed = _parse_under(field_name, line_below, label_box)
        if parsed is not None:
            gap = (parsed.tokens[0].box.top - label_box.bottom) / line_below.page_height
            features = base | {"below": 1.0, "gap": round(gap, 4)}
            yield _from_parsed(field_name, parsed, features, hit)
            return


def _skip_to_value(tokens: Sequence[Token]) -> Sequence[Token]:
    """From the first token that holds a digit or a currency mark."""
    for index, token in enumerate(tokens):
        if any(c.isdigit() for c in token.text) or parse_currency(token.text):
            return tokens[index:]
    return ()


def _from_parsed(
    field_name: str, parsed: ParsedValue, features: dict[str, float], hit: LabelHit | None
) -> Candidate:
    features = features | {"checksum": float(parsed.checksum), "repairs": float(parsed.repairs)}
    return Candidate(field_name, parsed.value, parsed.tokens, features, hit.key if hit else None)


def _sided(field_name: str, hit: LabelHit, buyer_lines: set[int]) -> str | None:
    """An org number under a buyer heading or after a buyer word is the buyer's."""
    if field_name not in ("supplier_org_number", "supplier_vat_number"):
        return field_name
    if not is_buyer_side(hit.line, hit.start, buyer_lines):
        return field_name
    return "buyer_org_number" if field_name == "supplier_org_number" else None


def _column_under(
    field_name: str, hit: LabelHit, base: dict[str, float], lines: Sequence[Line]
) -> Iterator[Candidate]:
    """Amounts in the label's column, row after row: a summary table prints one row per VAT
    rate and then their sum, and that sum row (``column_total``) is the invoice's figure."""
    label_box, column = hit.box, _widened(hit.box)
    values: list[Decimal] = []
    previous = hit.line
    for line in _following(lines, hit.line):
        if line.top - previous.bottom > _BELOW_GAP * previous.height:
            break
        under = [t for t in line.tokens if overlaps_horizontally(t.box, column)]
        found = [
            span
            for span in amount_spans(line.tokens)
            if any(overlaps_horizontally(t.box, column) for t in line.tokens[span.start : span.end])
        ]
        if not found:
            if values and under:
                break  # text in the column: the table has ended
            previous = line
            continue
        span = found[0]
        if _in_sentence(line.tokens, span.start, span.end):
            break  # "Vennligst betal 26 593,30 til konto ...": prose under the table
        tokens = tuple(line.tokens[span.start : span.end])
        total = len(values) >= 2 and abs(sum(values) - span.value) <= Decimal("0.02")
        yield Candidate(
            field_name,
            str(span.value),
            tokens,
            base
            | {
                "below": 1.0,
                "gap": round((tokens[0].box.top - label_box.bottom) / line.page_height, 4),
                "has_decimals": float(span.has_decimals),
                "column_total": float(total),
            },
            hit.key,
        )
        values.append(span.value)
        previous = line
        if total or len(values) >= _COLUMN_ROWS:
            break


def _in_sentence(tokens: Sequence[Token], start: int, end: int) -> bool:
    """Whether ``tokens[start:end]`` sits inside running text, a word a space away on each
    side, as a table's cells never do."""
    if start == 0 or end >= len(tokens):
        return False
    before, after = tokens[start - 1], tokens[end]
    return (
        adjacent(before, tokens[start])
        and adjacent(tokens[end - 1], after)
        and before.text.strip(".,:;").isalpha()
        and after.text.strip(".,:;").isalpha()
    )


def _following(lines: Sequence[Line], line: Line) -> Iterator[Line]:
    """The lines after ``line`` on its page, in order."""
    for candidate in lines[line.index + 1 :]:
        if candidate.page != line.page:
            return
        yield candidate


def _widened(box: Box) -> Box:
    pad = box.height * 2
    return Box(box.x0 - pad, box.top, box.x1 + pad, box.bottom)


def _lines_below(lines: Sequence[Line], line: Line) -> list[Line]:
    """The next few lines close under ``line``: a header row printed over two lines still
    has its values under it."""
    found = []
    for below in lines[line.index + 1 : line.index + 1 + _BELOW_LINES]:
        if below.page != line.page or below.top - line.bottom > _BELOW_GAP * line.height:
            break
        found.append(below)
    return found


def _run_under(line: Line, label_box: Box) -> tuple[Token, ...]:
    """The value on a line that starts, ends or sits under the label's horizontal extent."""
    tokens = line.tokens
    hits = [i for i, t in enumerate(tokens) if overlaps_horizontally(t.box, label_box)]
    if not hits:
        return ()
    start = hits[0]
    while start > 0 and adjacent(tokens[start - 1], tokens[start]):
        start -= 1
    return word_run(tokens[start:], 12)


def _parse_under(field_name: str, line: Line, label_box: Box) -> ParsedValue | None:
    """The value under a label: from where its words start, else from the first word under
    the label itself (a date and a number side by side in a row of values)."""
    run = _run_under(line, label_box)
    parsed = parse_field(field_name, run) if run else None
    if parsed is not None:
        return parsed
    under = [t for t in line.tokens if overlaps_horizontally(t.box, label_box)]
    return parse_field(field_name, word_run(under, 12)) if under else None


# --- buyer side -----------------------------------------------------------------------------


def buyer_block_lines(lines: Sequence[Line]) -> set[int]:
    """Lines of the address block under a buyer heading ("Faktureres til:", "Bill to")."""
    inside: set[int] = set()
    for line in lines:
        for position, key in enumerate(line.keys):
            pair = key + (line.keys[position + 1] if position + 1 < len(line.keys) else "")
            if key not in BUYER_HEADING_KEYS and pair not in BUYER_HEADING_KEYS:
                continue
            column = line.tokens[position].box
            for below in lines[line.index : line.index + _HEADING_LINES + 1]:
                if below.page != line.page or below.top - line.bottom > _BLOCK_HEIGHT * line.height:
                    break
                if any(overlaps_horizontally(t.box, _widened(column)) for t in below.tokens):
                    inside.add(below.index)
    return inside


def is_buyer_side(line: Line, start: int, buyer_lines: set[int]) -> bool:
    before = line.keys[max(0, start - 3) : start]
    return line.index in buyer_lines or any(key in BUYER_WORDS for key in before)


# --- pattern candidates ---------------------------------------------------------------------

# What each pattern field's text must start like before its check digits are computed.
_PATTERN_SHAPES = (
    (
        "supplier_vat_number",
        re.compile(r"(?:NO\s?\d{3}|[A-Z]{2}\s?[0-9A-Z]{2}\d|\d{3}\s?\d{3}\s?\d{3}\s?MVA)"),
    ),
    ("iban", re.compile(r"(?:IBAN:?\s?)?[A-Z]{2}\d{2}\s?[0-9A-Z]{4}")),
    ("bank_account", re.compile(r"\d{4}[ .]\d{2}[ .]\d{5}")),
    ("supplier_org_number", re.compile(r"(?:NO\s?)?\d{3}\s?\d{3}\s?\d{3}\s?MVA")),
)


def _pattern_identifiers(lines: Sequence[Line], buyer_lines: set[int]) -> Iterator[Candidate]:
    """VAT ids, IBANs and Norwegian accounts printed the bank way, anywhere: their shape and
    check digits identify them without a label. Org numbers only when printed as a VAT id.

    A shape test comes before any checksum, and nothing is OCR-repaired here: a repaired
    number with no label beside it is too likely a different number, and trying repairs on
    every word of a dense page costs seconds.
    """
    for line in lines:
        start = 0
        while start < len(line.tokens):
            run = word_run(line.tokens[start:], 9)
            text = text_of(run).upper()
            found = None
            for field_name, shape in _PATTERN_SHAPES:
                if not shape.match(text):
                    continue
                parsed = parse_field(field_name, run, repair=False)
                if parsed is None:
                    continue
                printed = text_of(parsed.tokens).upper()
                if field_name == "supplier_org_number" and "MVA" not in printed:
                    continue
                if field_name == "bank_account" and not _ACCOUNT_SHAPE.fullmatch(printed):
                    continue
                found = (field_name, parsed)
                break
            if found is None:
                start += 1
                continue
            field_name, parsed = found
            buyer = is_buyer_side(line, start, buyer_lines)
            for name in _pattern_names(field_name, buyer):
                yield _from_parsed(name, parsed, {"pattern": 1.0}, None)
            start += len(parsed.tokens)


def _pattern_names(field_name: str, buyer: bool) -> tuple[str, ...]:
    if field_name == "supplier_vat_number":
        return () if buyer else ("supplier_vat_number",)
    if field_name == "supplier_org_number":
        return ("buyer_org_number",) if buyer else ("supplier_org_number",)
    return (field_name,)


def _pattern_dates(lines: Sequence[Line]) -> Iterator[Candidate]:
    for line in lines:
        start = 0
        while start < len(line.tokens):
            parsed = parse_field("invoice_date", word_run(line.tokens[start:], 4))
            if parsed is None:
                start += 1
                continue
            for name in ("invoice_date", "due_date", "delivery_date"):
                yield _from_parsed(name, parsed, {"pattern": 1.0}, None)
            start += len(parsed.tokens)


def _pattern_references(lines: Sequence[Line]) -> Iterator[Candidate]:
    """Invoice-number-shaped words ("INV/01/2015/074320", "FA-2026-118") in the upper part of
    the first page, for invoices that print the number with no label at all."""
    first = lines[0].page if lines else 1
    for line in lines:
        if line.page != first or line.top > _REFERENCE_BAND * line.page_height:
            continue
        for token in line.tokens:
            text = token.text
            shaped = any(c.isalpha() for c in text) or any(c in "/-" for c in text)
            if len(text) < 5 or not shaped or sum(c.isdigit() for c in text) < 3:
                continue
            value = parse_field("invoice_number", (token,))
            if value is None or parse_field("invoice_date", (token,)) is not None:
                continue
            alone = float(len(line.tokens) == 1)
            yield _from_parsed(
                "invoice_number", value, {"pattern": 1.0, "label_weight": alone}, None
            )


def _pattern_amounts(lines: Sequence[Line]) -> Iterator[Candidate]:
    """The rightmost amount with decimals on each line, as a totals candidate of last resort."""
    for line in lines:
        spans = [s for s in amount_spans(line.tokens) if s.has_decimals]
        if not spans:
            continue
        span = spans[-1]
        tokens = line.tokens[span.start : span.end]
        for name in _AMOUNT_FIELDS:
            yield Candidate(
                name,
                str(span.value),
                tokens,
                {"pattern": 1.0, "has_decimals": 1.0, "last_on_line": 1.0},
            )


def _currencies(lines: Sequence[Line]) -> Iterator[Candidate]:
    """Every ISO code or currency sign, including signs glued to an amount ("1 234,56€")."""
    for line in lines:
        for token in line.tokens:
            text = token.text.strip(".,:;()")
            code = parse_currency(text)
            # OCR reads a 5 as "$" ("$1 55 55 85"), so a dollar glued to digits is trusted
            # only from a text layer
            glued = "€£" if token.source is TokenSource.OCR else "€$£"
            if code is None and len(text) > 1 and text[-1] in glued:
                code = parse_currency(text[-1])
            if code is None and len(text) > 1 and text[0] in glued:
                code = parse_currency(text[0])
            if code is not None:
                yield Candidate("currency", code, (token,), {"pattern": 1.0})
