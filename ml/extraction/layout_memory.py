"""Supplier layout memory: where a layout prints each field, learned from corrected invoices.

When a clerk corrects a field (or `bilag teach` supplies the truth), Bilag finds the corrected
value on the page and remembers its geometry relative to the nearest fixed word: "the value
right of the word *TTC*, about 120 points along", "the value under *Fakturanr*". The next
invoice of that layout offers a candidate at the remembered place, which the scorer trusts
above generic label rules. Positions are anchored on words, not page coordinates, so a totals
block that moves down with the number of lines is still found.

A layout also keeps how it prints dates, since one supplier's system always prints them one
way: the order of numeric dates ("02/12/2015" read month first) and month words a generic
reader refuses ("jui", juin or juillet, that this layout uses for June beside "jul").

A layout is recognised by its fixed words (the words every example shared) or by the
supplier's identifier. Everything here is plain data: the database stores templates as JSON.
"""

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ml.extraction.candidates import Candidate
from ml.extraction.date_order import NORDIC_ORDER, reread
from ml.extraction.lexicon import LABELS, label_key
from ml.extraction.page_lines import (
    Line,
    amount_spans,
    overlaps_horizontally,
    union,
    word_run,
)
from ml.extraction.value_parsers import parse_field
from models.canonical_fields import HEADER_FIELDS, FieldKind, canonical_value, same_value
from models.tokens import Box, Token
from models.values import month_word, parse_date

_LABEL_SHARE = 0.5  # share of a template's label landmarks a document must print in place
_WORD_SHARE = 0.25  # ... or of all its landmarks
_MIN_LABELS = 3
_LANDMARK_SLACK_X = 0.03  # page fractions a landmark may move (address blocks, OCR boxes)
_LANDMARK_SLACK_Y = 0.03
_MIN_WORD = 3
_ABSOLUTE_SLACK = 0.02  # page fractions around a remembered absolute box
_LEARNED_FIELDS = tuple(name for name in HEADER_FIELDS if name != "document_type")
_DATE_FIELDS = ("invoice_date", "due_date", "delivery_date")
_MONTH_WORD = re.compile(r"[^\W\d_]{3,}\.?")  # as models.values reads month words
_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er)?[.,]?")
_YEAR = re.compile(r"(\d{4})[.,]?")


@dataclass(frozen=True, slots=True)
class FieldRule:
    """Where one example printed one field: relative to an anchor word, or on the page."""

    field: str
    relation: str  # "right" | "below" | "absolute"
    anchor: str | None  # the anchor token's key
    anchor_y: float  # the anchor's (or value's) vertical position, page fraction
    anchor_x: float  # ... and horizontal: one word ("Facture") may be printed in three places
    dx: float  # value start minus anchor end (right) or value start minus anchor start (below)
    box: tuple[float, float, float, float]  # the value's box as page fractions
    page: int


Landmark = tuple[str, float, float]
"""A word and where its box starts on the first page, as page fractions."""


@dataclass(frozen=True)
class LayoutTemplate:
    """What one layout prints where: its landmarks (the words every example printed at the
    same place) and a rule per field per example."""

    id: str
    landmarks: tuple[Landmark, ...]
    rules: tuple[FieldRule, ...]
    examples: int = 1
    supplier_key: str | None = None
    date_order: tuple[str, str] = NORDIC_ORDER
    month_names: tuple[tuple[str, int], ...] = ()  # (month word, month) pairs, sorted

    @property
    def months(self) -> dict[str, int]:
        return dict(self.month_names)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "landmarks": [list(landmark) for landmark in self.landmarks],
            "date_order": list(self.date_order),
            "month_names": self.months,
            "rules": [
                {
                    "field": r.field,
                    "relation": r.relation,
                    "anchor": r.anchor,
                    "anchor_y": r.anchor_y,
                    "anchor_x": r.anchor_x,
                    "dx": r.dx,
                    "box": list(r.box),
                    "page": r.page,
                }
                for r in self.rules
            ],
            "examples": self.examples,
            "supplier_key": self.supplier_key,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "LayoutTemplate":
        rules = tuple(
            FieldRule(
                field=r["field"],
                relation=r["relation"],
                anchor=r["anchor"],
                anchor_y=float(r["anchor_y"]),
                anchor_x=float(r.get("anchor_x", 0.0)),
                dx=float(r["dx"]),
                box=(r["box"][0], r["box"][1], r["box"][2], r["box"][3]),
                page=int(r["page"]),
            )
            for r in data["rules"]
        )
        return cls(
            id=data["id"],
            landmarks=tuple((k, float(x), float(y)) for k, x, y in data["landmarks"]),
            rules=rules,
            examples=int(data["examples"]),
            supplier_key=data.get("supplier_key"),
            date_order=(data["date_order"][0], data["date_order"][1]),
            month_names=tuple(
                sorted((word, int(month)) for word, month in data.get("month_names", {}).items())
            ),
        )


@dataclass
class LayoutMemory:
    """A company's templates; ``match`` finds the one a document was printed from."""

    templates: list[LayoutTemplate] = field(default_factory=list)

    def match(
        self, lines: Sequence[Line], supplier_key: str | None = None
    ) -> LayoutTemplate | None:
        """The template whose landmarks the document prints at the same places, if any.

        Label words ("Fakturanr", "Total HT") are what a layout keeps fixed, so finding most
        of them in place is enough; otherwise a quarter of all its words must be in place
        (measured: documents of another layout share under a sixth).
        """
        index = _landmark_index(lines)
        best, best_score = None, 0.0
        for template in self.templates:
            labels = [mark for mark in template.landmarks if mark[0] in LABELS]
            label_share = _share_found(labels, index) if len(labels) >= _MIN_LABELS else 0.0
            all_share = _share_found(template.landmarks, index)
            keyed = bool(supplier_key) and template.supplier_key == supplier_key
            if label_share < _LABEL_SHARE and all_share < _WORD_SHARE and not keyed:
                continue
            score = label_share + all_share + keyed
            if score > best_score:
                best, best_score = template, score
        return best

    def learn(
        self,
        lines: Sequence[Line],
        truth: dict[str, Any],
        supplier_key: str | None = None,
    ) -> LayoutTemplate | None:
        """Add one corrected document; returns the template it updated or created, or None
        when none of the truth values could be found on the pages."""
        current = self.match(lines, supplier_key)
        months = merged_month_names(
            current.months if current else {}, learned_month_names(lines, truth)
        )
        rules = tuple(rules_from_truth(lines, truth, months))
        if not rules:
            return None
        order = learned_date_order(lines, truth)
        month_names = tuple(sorted(months.items()))
        if current is None:
            template = LayoutTemplate(
                str(uuid.uuid4()), landmarks(lines), rules, 1, supplier_key, order, month_names
            )
            self.templates.append(template)
            return template
        index = _landmark_index(lines)
        kept = tuple(mark for mark in current.landmarks if _found(mark, index))
        template = replace(
            current,
            landmarks=kept or current.landmarks,
            rules=(*current.rules, *rules),
            examples=current.examples + 1,
            supplier_key=current.supplier_key or supplier_key,
            date_order=order if order != NORDIC_ORDER else current.date_order,
            month_names=month_names,
        )
        self.templates[self.templates.index(current)] = template
        return template


def landmarks(lines: Sequence[Line]) -> tuple[Landmark, ...]:
    """The words of the first page with where they start: a layout's fingerprint. After the
    first example it still holds the variable words (names, items); examples that follow
    keep only the words found again at the same place."""
    first = lines[0].page if lines else 1
    return tuple(
        (key, round(token.box.x0 / line.page_width, 4), round(token.box.top / line.page_height, 4))
        for line in lines
        if line.page == first
        for token, key in zip(line.tokens, line.keys, strict=True)
        if len(key) >= _MIN_WORD and key.isalpha()
    )


def _landmark_index(lines: Sequence[Line]) -> dict[str, list[tuple[float, float]]]:
    index: dict[str, list[tuple[float, float]]] = {}
    for key, x, y in landmarks(lines):
        index.setdefault(key, []).append((x, y))
    return index


def _found(mark: Landmark, index: dict[str, list[tuple[float, float]]]) -> bool:
    key, x, y = mark
    return any(
        abs(x - other_x) <= _LANDMARK_SLACK_X and abs(y - other_y) <= _LANDMARK_SLACK_Y
        for other_x, other_y in index.get(key, ())
    )


def _share_found(marks: Sequence[Landmark], index: dict[str, list[tuple[float, float]]]) -> float:
    if not marks:
        return 0.0
    return sum(_found(mark, index) for mark in marks) / len(marks)


def learned_date_order(lines: Sequence[Line], truth: dict[str, Any]) -> tuple[str, str]:
    """The date order the example's printed dates must be read in to give the true dates."""
    short, long = NORDIC_ORDER
    for name in _DATE_FIELDS:
        wanted = truth.get(name)
        if not wanted:
            continue
        for line in lines:
            for token in line.tokens:
                text = token.text.strip(".,;:()")
                parsed = parse_date(text)
                default = parsed.isoformat() if parsed else None
                if default != wanted and reread(text, "mdy", "ymd") == wanted:
                    short = "mdy"
                if default != wanted and reread(text, "dmy", "ydm") == wanted:
                    long = "ydm"
    return short, long


def learned_month_names(lines: Sequence[Line], truth: dict[str, Any]) -> dict[str, int]:
    """Month words the generic reader refuses that the example prints for its true dates: a
    word printed between (or before) the true day and year.

    The day and the year must both agree, so "jui 13, 2015" teaches "jui" = June from a due
    date of 2015-06-13, while a stray word beside some other number teaches nothing. A word
    the reader already knows ("avr") is never taught another month, even when its date
    happens to share day and year with another true date; a word that fits two true dates
    teaches nothing.
    """
    wanted = [value for name in _DATE_FIELDS if (value := _iso(truth.get(name)))]
    found: dict[str, set[int]] = {}
    for line in lines:
        texts = [token.text for token in line.tokens]
        for start in range(len(texts) - 2):
            first, second, year = texts[start : start + 3]
            if (year_match := _YEAR.fullmatch(year)) is None:
                continue
            if _MONTH_WORD.fullmatch(first) and (day := _DAY.fullmatch(second)):
                word, day_text = first, day[1]
            elif (day := _DAY.fullmatch(first)) and _MONTH_WORD.fullmatch(second):
                word, day_text = second, day[1]
            else:
                continue
            for value in wanted:
                year_text, month, day_of_month = value.split("-")
                if year_match[1] != year_text or int(day_text) != int(day_of_month):
                    continue
                if parse_date(f"{day_text} {word} {year_text}") is None:
                    found.setdefault(month_word(word), set()).add(int(month))
    return {word: months.pop() for word, months in found.items() if len(months) == 1}


def _iso(raw: Any) -> str | None:
    try:
        return canonical_value(FieldKind.DATE, raw) if raw else None
    except ValueError:
        return None


def merged_month_names(known: Mapping[str, int], learned: Mapping[str, int]) -> dict[str, int]:
    """The month words of both; a word taught as two different months is dropped, since the
    layout then does not settle it."""
    merged = dict(known)
    for word, month in learned.items():
        if merged.get(word, month) != month:
            merged.pop(word)
        else:
            merged[word] = month
    return merged


# --- learning -------------------------------------------------------------------------------


def rules_from_truth(
    lines: Sequence[Line], truth: dict[str, Any], months: Mapping[str, int] | None = None
) -> Iterator[FieldRule]:
    """A rule for each truth field whose value is printed on the pages (dates read with the
    layout's month words)."""
    for name in _LEARNED_FIELDS:
        raw = truth.get(name)
        if raw is None:
            continue
        kind = HEADER_FIELDS[name]
        try:
            wanted = canonical_value(kind, raw)
        except ValueError:
            continue
        found = locate_value(lines, name, wanted, months)
        if found is not None:
            line, tokens = found
            yield _rule(lines, name, line, tokens)


def locate_value(
    lines: Sequence[Line],
    name: str,
    wanted: str | None,
    months: Mapping[str, int] | None = None,
) -> tuple[Line, tuple[Token, ...]] | None:
    """Where ``wanted`` is printed; the last place for amounts (totals sit at the end), the
    first for everything else."""
    if wanted is None:
        return None
    kind = HEADER_FIELDS[name]
    found: list[tuple[Line, tuple[Token, ...]]] = []
    for line in lines:
        if kind is FieldKind.AMOUNT:
            for span in amount_spans(line.tokens):
                if same_value(kind, str(span.value), wanted) or same_value(
                    kind, str(-span.value), wanted
                ):
                    found.append((line, line.tokens[span.start : span.end]))
            continue
        for start in range(len(line.tokens)):
            tokens = _matching_run(line.tokens[start:], name, kind, wanted, months)
            if tokens:
                found.append((line, tokens))
                break
    if not found:
        return None
    return found[-1] if kind is FieldKind.AMOUNT else found[0]


def _matching_run(
    tokens: Sequence[Token],
    name: str,
    kind: FieldKind,
    wanted: str,
    months: Mapping[str, int] | None,
) -> tuple[Token, ...] | None:
    if kind is FieldKind.TEXT:
        words = wanted.split()
        run = tokens[: len(words)]
        text = " ".join(t.text for t in run)
        return tuple(run) if text.casefold() == wanted.casefold() else None
    if kind is FieldKind.CODE and name in ("invoice_number", "po_number"):
        value = canonical_value(kind, tokens[0].text.strip(".,;:()"))
        return (tokens[0],) if value == wanted else None
    parsed = parse_field(name, word_run(tokens, 9), months=months)
    if parsed is not None and same_value(kind, parsed.value, wanted):
        return parsed.tokens
    return None


def _rule(lines: Sequence[Line], name: str, line: Line, tokens: Sequence[Token]) -> FieldRule:
    """Anchor the value on a label word where there is one (left on its line, else above it),
    else on the nearest word to its left, else on the page itself."""
    first, width, height = tokens[0], line.page_width, line.page_height
    box = _fractions(union(tokens), width, height)
    left = [t for t in line.tokens if t.box.x1 <= first.box.x0 and _is_word(t)]
    above = [
        t
        for row in reversed(lines[max(0, line.index - 3) : line.index])
        if row.page == line.page
        for t in row.tokens
        if _is_word(t) and overlaps_horizontally(t.box, first.box)
    ]
    labelled_left = [t for t in left if label_key(t.text) in LABELS]
    labelled_above = [t for t in above if label_key(t.text) in LABELS]
    if labelled_left:
        return _right_of(name, labelled_left[-1], first, box, line)
    if labelled_above:
        return _below(name, labelled_above[0], first, box, line)
    if left:
        return _right_of(name, left[-1], first, box, line)
    if above:
        return _below(name, above[0], first, box, line)
    return FieldRule(name, "absolute", None, box[1], box[0], 0.0, box, line.page)


def _right_of(
    name: str, anchor: Token, first: Token, box: tuple[float, float, float, float], line: Line
) -> FieldRule:
    return FieldRule(
        name,
        "right",
        label_key(anchor.text),
        anchor.box.top / line.page_height,
        anchor.box.x0 / line.page_width,
        (first.box.x0 - anchor.box.x1) / line.page_width,
        box,
        line.page,
    )


def _below(
    name: str, anchor: Token, first: Token, box: tuple[float, float, float, float], line: Line
) -> FieldRule:
    return FieldRule(
        name,
        "below",
        label_key(anchor.text),
        anchor.box.top / line.page_height,
        anchor.box.x0 / line.page_width,
        (first.box.x0 - anchor.box.x0) / line.page_width,
        box,
        line.page,
    )


# --- recalling ------------------------------------------------------------------------------


def memory_candidates(lines: Sequence[Line], template: LayoutTemplate) -> list[Candidate]:
    """Candidates at the places the template remembers, with ``memory`` = the share of the
    template's examples whose rule reads the same value here."""
    by_key: dict[str, list[tuple[Line, int]]] = {}
    for line in lines:
        for index, key in enumerate(line.keys):
            by_key.setdefault(key, []).append((line, index))
    found: dict[tuple[str, str], tuple[Candidate, int]] = {}
    months = template.months
    for rule in template.rules:
        candidate = _recall(rule, lines, by_key, months)
        if candidate is None:
            continue
        key = (candidate.field, candidate.value)
        previous = found.get(key)
        found[key] = (previous[0] if previous else candidate, (previous[1] if previous else 0) + 1)
    return [
        candidate.with_features(memory=round(min(votes / template.examples, 1.0), 3))
        for candidate, votes in found.values()
    ]


def _recall(
    rule: FieldRule,
    lines: Sequence[Line],
    by_key: dict[str, list[tuple[Line, int]]],
    months: Mapping[str, int],
) -> Candidate | None:
    if rule.relation == "absolute" or rule.anchor is None:
        return _at_box(rule, lines, months)
    places = [(ln, i) for ln, i in by_key.get(rule.anchor, []) if ln.page == rule.page]
    if not places:
        places = by_key.get(rule.anchor, [])
    if not places:
        return _at_box(rule, lines, months)
    line, index = min(
        places,
        key=lambda p: (
            abs(p[0].tokens[p[1]].box.top / p[0].page_height - rule.anchor_y)
            + abs(p[0].tokens[p[1]].box.x0 / p[0].page_width - rule.anchor_x)
        ),
    )
    anchor = line.tokens[index]
    if rule.relation == "right":
        target = anchor.box.x1 + rule.dx * line.page_width
        rest = list(line.tokens[index + 1 :])
        return _parse_near(rule.field, rest, target, months)
    below = [ln for ln in lines[line.index + 1 : line.index + 4] if ln.page == line.page]
    target = anchor.box.x0 + rule.dx * line.page_width
    for candidate_line in below:
        tokens = [t for t in candidate_line.tokens if t.box.x1 >= target - anchor.box.height]
        found = _parse_near(rule.field, tokens, target, months)
        if found is not None:
            return found
    return None


def _parse_near(
    field_name: str, tokens: Sequence[Token], target: float, months: Mapping[str, int]
) -> Candidate | None:
    """The value starting at the token nearest to where the rule expects it."""
    if not tokens:
        return None
    order = sorted(range(len(tokens)), key=lambda i: abs(tokens[i].box.x0 - target))
    kind = HEADER_FIELDS[field_name]
    for start in order[:2]:
        run = list(tokens[start:])
        if kind is FieldKind.AMOUNT:
            spans = amount_spans(run)
            if spans and spans[0].start == 0:
                span = spans[0]
                return Candidate(field_name, str(span.value), tuple(run[: span.end]), {})
            continue
        parsed = parse_field(field_name, word_run(run, 12), months=months)
        if parsed is not None:
            return Candidate(field_name, parsed.value, parsed.tokens, {})
    return None


def _at_box(rule: FieldRule, lines: Sequence[Line], months: Mapping[str, int]) -> Candidate | None:
    x0, top, x1, bottom = rule.box
    for line in lines:
        if line.page != rule.page:
            continue
        inside = [
            t
            for t in line.tokens
            if x0 - _ABSOLUTE_SLACK <= t.box.x0 / line.page_width <= x1 + _ABSOLUTE_SLACK
            and top - _ABSOLUTE_SLACK <= t.box.middle / line.page_height <= bottom + _ABSOLUTE_SLACK
        ]
        if inside:
            found = _parse_near(rule.field, inside, inside[0].box.x0, months)
            if found is not None:
                return found
    return None


def _is_word(token: Token) -> bool:
    letters = sum(c.isalpha() for c in token.text)
    return letters >= 2 and letters >= len(token.text) / 2


def _fractions(box: Box, width: float, height: float) -> tuple[float, float, float, float]:
    return (
        round(box.x0 / width, 4),
        round(box.top / height, 4),
        round(box.x1 / width, 4),
        round(box.bottom / height, 4),
    )
