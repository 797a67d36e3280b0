"""Who sent the invoice and to whom, and whether it is an invoice or a credit note.

Party names have no label and no checksum. A supplier's name is the company name in its
letterhead or footer (a line ending in a legal form such as "AS" or "GmbH", the largest type
at the top), outside the buyer's address block; the buyer's is the first line under a buyer
heading ("Faktureres til:", "Bill to"). These candidates go through the same scorer as all
others, so a company's layout memory can still correct them.
"""

from collections.abc import Iterator, Sequence

from ml.extraction.candidates import Candidate
from ml.extraction.lexicon import (
    BUYER_HEADING_KEYS,
    CREDIT_NOTE_TITLES,
    INVOICE_TITLES,
    LABELS,
    LEGAL_FORMS,
    label_key,
)
from ml.extraction.page_lines import Line, adjacent, overlaps_horizontally, word_run
from models.tokens import Token

_TOP_BAND = 0.25
_CREDIT_KEYS = frozenset(label_key(t) for t in CREDIT_NOTE_TITLES)
_INVOICE_KEYS = frozenset(label_key(t) for t in INVOICE_TITLES)
_LEGAL_KEYS = frozenset(label_key(form) for form in LEGAL_FORMS)


def party_candidates(lines: Sequence[Line], buyer_lines: set[int]) -> Iterator[Candidate]:
    """Supplier-name and buyer-name candidates with the features the scorer knows."""
    first_page = [line for line in lines if line.page == lines[0].page] if lines else []
    heights = sorted(line.height for line in first_page)
    tallest = heights[-1] if heights and heights[-1] >= 1.2 * heights[len(heights) // 2] else 0.0
    for line in lines:
        for tokens in _segments(line):
            tokens = _without_logo(tokens)
            if not tokens:
                continue
            name = " ".join(t.text for t in tokens).strip(" ,;:")
            if len(name) < 3 or not any(c.isalpha() for c in name):
                continue
            keys = [label_key(t.text) for t in tokens]
            if any(key in LABELS for key in keys[:1]):
                continue
            legal = keys[-1] in _LEGAL_KEYS or (len(keys) > 1 and keys[-2] in _LEGAL_KEYS)
            y = tokens[0].box.top / line.page_height
            top = line.page == lines[0].page and y < _TOP_BAND
            large = tallest > 0 and line.height >= 0.95 * tallest and top
            if line.index in buyer_lines:
                continue
            if not (legal or large):
                continue
            score = 0.45 * legal + 0.3 * large + 0.15 * top
            yield Candidate(
                "supplier_name",
                name,
                tuple(tokens),
                {"pattern": 1.0, "label_weight": round(score, 3), "y": y},
            )
    yield from _buyer_names(lines)


def _without_logo(tokens: list[Token]) -> list[Token]:
    """The name without what OCR made of a logo beside it ("A", "&", "all]", "sil"): leading
    words with under two letters, with bracket or bar marks, or in lower case before a
    capitalised word, as a company name never starts."""
    start = 0
    while start < len(tokens) - 1:
        text = tokens[start].text
        letters = sum(c.isalpha() for c in text)
        lowered = text.islower() and tokens[start + 1].text[:1].isupper()
        if letters < 2 or any(c in "[]|{}@©®" for c in text) or lowered:
            start += 1
            continue
        break
    return tokens[start:]


def _segments(line: Line) -> Iterator[list[Token]]:
    """Runs of adjacent words: one line of a letterhead often holds several items."""
    run: list[Token] = []
    for token in line.tokens:
        if run and not adjacent(run[-1], token):
            yield run
            run = []
        run.append(token)
    if run:
        yield run


def _buyer_names(lines: Sequence[Line]) -> Iterator[Candidate]:
    """The first line under a buyer heading, in the heading's column."""
    for line in lines:
        for position, key in enumerate(line.keys):
            pair = key + (line.keys[position + 1] if position + 1 < len(line.keys) else "")
            if key not in BUYER_HEADING_KEYS and pair not in BUYER_HEADING_KEYS:
                continue
            heading = line.tokens[position].box
            width = 2 if pair in BUYER_HEADING_KEYS else 1
            rest = line.tokens[position + width :]
            if rest and adjacent(line.tokens[position + width - 1], rest[0]):
                found = _buyer(word_run(rest, 8), 0.6)
                if found is not None:
                    yield found
                continue
            for below in lines[line.index + 1 : line.index + 3]:
                if below.page != line.page:
                    break
                column = [t for t in below.tokens if t.box.x0 >= heading.x0 - heading.height]
                under = [t for t in column if overlaps_horizontally(t.box, heading)]
                if under:
                    start = column.index(under[0])
                    found = _buyer(word_run(column[start:], 8), 0.7)
                    if found is not None:
                        yield found
                    break


def _buyer(tokens: tuple[Token, ...], weight: float) -> Candidate | None:
    name = " ".join(t.text for t in tokens).strip(" ,;:")
    letters = sum(c.isalpha() for c in name)
    if label_key(tokens[0].text) in LABELS or letters < max(3, len(name) // 2):
        return None
    return Candidate("buyer_name", name, tokens, {"pattern": 1.0, "label_weight": weight})


def document_type_of(lines: Sequence[Line]) -> tuple[str, float]:
    """Credit note when a credit-note title, or a label made of one, is printed in the upper
    half of the first page."""
    first = [line for line in lines if line.page == lines[0].page] if lines else []
    invoice_title = False
    for line in first:
        if line.top > 0.5 * line.page_height:
            continue
        joined = [
            line.keys[i] + (line.keys[i + 1] if i + 1 < len(line.keys) else "")
            for i in range(len(line.keys))
        ]
        if any(k in _CREDIT_KEYS for k in (*line.keys, *joined)):
            return "credit_note", 0.9
        if any(k.startswith(credit) for k in line.keys for credit in _CREDIT_KEYS):
            # the title lost to a smudge, its labels remain: "Kreditnotanummer", "Kreditnotadato"
            return "credit_note", 0.85
        invoice_title |= any(k in _INVOICE_KEYS for k in line.keys)
    return "invoice", 0.95 if invoice_title else 0.85
