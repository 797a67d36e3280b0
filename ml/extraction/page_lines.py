"""Page tokens grouped into printed lines, and the geometry the extractor reasons with.

Words are grouped by overlapping vertical middles rather than equal tops, so a bold 16 pt label
and a 10 pt value printed on one baseline share a line, and an OCR'd line with a slight tilt
stays one line.
"""

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from ml.extraction.lexicon import label_key, near_label_key
from models.tokens import Box, PageTokens, Token, TokenSource
from models.values import parse_amount

WORD_GAP = 0.65  # words of one value are closer than this times the text height (a monospaced
# font's space is 0.6 of it)
WORD_GAP_OCR = 1.1
# A typed (monospaced) page: every word's width per character is nearly the same. Tesseract's
# boxes hug the glyphs, so one typed space measures 1.2-1.6 of those widths (the cell plus the
# glyphs' side bearings) and two spaces 2.4 or more; proportional pages spread by 13 % or more.
_MONOSPACE_SPREAD = 0.08  # interquartile range of width per character, over its median
_MONOSPACE_WORDS = 12  # words of four letters or digits needed to tell
_TYPED_SPACE = 1.9  # widest gap within a phrase on a typed page, in widths per character
_TOUCHING = 0.05  # glyph runs this close (times the text height) are one word
_MAX_AMOUNT_TOKENS = 4  # "NOK 1 234 567,89"
_GROUP_GAP = 1.3
_TRAILING = ";:|*"  # OCR's reading of a box rule or speck right after a figure
_GROUP_HEAD = re.compile(r"[-€$£]?\d{1,3}")
_GROUP_TAIL = re.compile(r"\d{3}(?:[.,]\d{2}|\b)")


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line: its tokens left to right and each token's label key."""

    index: int  # position among all lines of the document
    page: int
    page_width: float
    page_height: float
    tokens: tuple[Token, ...]
    keys: tuple[str, ...]

    @property
    def top(self) -> float:
        return min(token.box.top for token in self.tokens)

    @property
    def bottom(self) -> float:
        return max(token.box.bottom for token in self.tokens)

    @property
    def height(self) -> float:
        return max(token.box.height for token in self.tokens)


def page_lines(pages: Sequence[PageTokens]) -> list[Line]:
    """Every page's lines in reading order (top to bottom, then left to right)."""
    lines: list[Line] = []
    for page in pages:
        rows: list[list[Token]] = []
        anchor: Box | None = None
        for token in sorted(_spaced(page), key=lambda t: t.box.middle):
            if not token.text.strip():
                continue
            if anchor is not None and anchor.top <= token.box.middle <= anchor.bottom:
                rows[-1].append(token)
            else:
                rows.append([token])
                anchor = token.box
        for row in rows:
            tokens = _glued(sorted(row, key=lambda t: t.box.x0))
            lines.append(
                Line(
                    index=len(lines),
                    page=page.number,
                    page_width=page.width or 1.0,
                    page_height=page.height or 1.0,
                    tokens=tokens,
                    keys=tuple(_key(t) for t in tokens),
                )
            )
    return lines


def _key(token: Token) -> str:
    key = label_key(token.text)
    return near_label_key(key) if token.source is TokenSource.OCR else key


def _spaced(page: PageTokens) -> list[Token]:
    """The page's tokens, told how wide a space is when OCR read a typed page: there a space
    between two words of one value ("851 076 093", "6. jan. 2025") is wider than the text is
    tall, which on a proportional page would part two columns."""
    if page.source is not TokenSource.OCR:
        return page.tokens
    widths = [
        (token.box.x1 - token.box.x0) / len(token.text)
        for token in page.tokens
        if len(token.text) >= 4 and token.text.isalnum()
    ]
    if len(widths) < _MONOSPACE_WORDS:
        return page.tokens
    first, middle, third = statistics.quantiles(widths, n=4)
    if middle <= 0 or (third - first) / middle > _MONOSPACE_SPREAD:
        return page.tokens
    return [replace(token, space=_TYPED_SPACE * middle) for token in page.tokens]


def _glued(tokens: Sequence[Token]) -> tuple[Token, ...]:
    """Words a text layer split where no space is printed ("1" "81301674" for 181301674, as a
    PDF that styles a first character separately gives them) joined back into one."""
    joined: list[Token] = []
    for token in tokens:
        previous = joined[-1] if joined else None
        if previous is not None and token.box.x0 - previous.box.x1 <= _TOUCHING * token.box.height:
            joined[-1] = Token(
                previous.text + token.text,
                union((previous, token)),
                token.page,
                min(previous.confidence, token.confidence),
                token.source,
                token.space,
            )
        else:
            joined.append(token)
    return tuple(joined)


def text_of(tokens: Sequence[Token]) -> str:
    return " ".join(token.text for token in tokens)


def union(tokens: Sequence[Token]) -> Box:
    return Box(
        min(t.box.x0 for t in tokens),
        min(t.box.top for t in tokens),
        max(t.box.x1 for t in tokens),
        max(t.box.bottom for t in tokens),
    )


def adjacent(left: Token, right: Token) -> bool:
    """Whether two words on a line are separated by no more than a space.

    OCR boxes hug the glyphs ("859" is as tall as its digits, not as the font), so a space
    measures more text heights there than in a text layer's boxes.
    """
    factor = WORD_GAP_OCR if left.source is TokenSource.OCR else WORD_GAP
    widest = max(factor * max(left.box.height, 1.0), left.space or 0.0)
    return right.box.x0 - left.box.x1 <= widest


def overlaps_horizontally(a: Box, b: Box) -> bool:
    return a.x0 <= b.x1 and b.x0 <= a.x1


def word_run(tokens: Sequence[Token], limit: int = 6) -> tuple[Token, ...]:
    """The first token and the words that follow it closely enough to belong to one value."""
    run = list(tokens[:1])
    for token in tokens[1:limit]:
        if not adjacent(run[-1], token):
            break
        run.append(token)
    return tuple(run)


@dataclass(frozen=True, slots=True)
class AmountSpan:
    """An amount printed on a line, possibly over several tokens ("NOK", "12", "500,00")."""

    start: int
    end: int  # exclusive
    value: Decimal

    @property
    def has_decimals(self) -> bool:
        """Two decimals, as money is printed; "19,0" is a rate and "3" a quantity."""
        return self.value.as_tuple().exponent == -2


def amount_spans(tokens: Sequence[Token]) -> list[AmountSpan]:
    """The amounts on a line, left to right, each the longest run of close tokens that parses.

    Thousands groups printed with spaces come as separate tokens; only tokens a space apart are
    joined, so the columns of a table ("2" and "500,00" far apart) stay two numbers.
    """
    spans: list[AmountSpan] = []
    start = 0
    while start < len(tokens):
        best: AmountSpan | None = None
        end = start + 1
        while end <= min(len(tokens), start + _MAX_AMOUNT_TOKENS):
            if end - start > 1 and not _same_number(tokens[end - 2], tokens[end - 1]):
                break
            value = parse_amount(text_of(tokens[start:end]).rstrip(_TRAILING))
            if value is not None:
                best = AmountSpan(start, end, value)
            end += 1
        if best is None:
            start += 1
            continue
        if not _is_percentage(tokens, best):
            spans.append(best)
        start = best.end
    return spans


def _same_number(left: Token, right: Token) -> bool:
    """Whether ``right`` continues the number in ``left``: next to it, or a three-digit
    thousands group a little further off, as OCR boxes "331 348,00" with a wide space."""
    if adjacent(left, right):
        return True
    gap = right.box.x0 - left.box.x1
    return (
        gap <= _GROUP_GAP * max(left.box.height, 1.0)
        and _GROUP_HEAD.fullmatch(left.text) is not None
        and _GROUP_TAIL.match(right.text) is not None
    )


def _is_percentage(tokens: Sequence[Token], span: AmountSpan) -> bool:
    """A number printed with a per cent sign beside it is a rate, not an amount."""
    inside = tokens[span.start : span.end]
    before = tokens[span.start - 1] if span.start > 0 else None
    after = tokens[span.end] if span.end < len(tokens) else None
    return (
        any("%" in token.text for token in inside)
        or (before is not None and "%" in before.text and adjacent(before, inside[0]))
        or (after is not None and "%" in after.text and adjacent(inside[-1], after))
    )
