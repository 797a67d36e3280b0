"""How right an extraction is: per field, per line, and whether its confidence can be trusted.

Three questions, three tables:

* *Fields*: per header field, of the invoices whose truth records it, how many were extracted
  right. A field the truth has and the prediction lacks is wrong; a field the prediction has
  and the truth lacks is counted apart (``false_positives``), since the source may simply not
  have recorded it.
* *Lines*: precision and recall of predicted lines, matched one-to-one to truth lines, and per
  line key how often a matched line has it right.
* *Reliability*: whether "0.95 sure" means right 95 % of the time, which is what deciding to
  skip a clerk's review rests on. Only predictions whose truth is known count.

Values are compared in canonical form with :func:`same_value` (``82003.3`` equals ``82003.30``,
an invoice number ignores case, spaces, dots and dashes). Text is also compared in Unicode NFC,
since a decomposed "ü" is a different string but not a different name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from models.canonical_fields import HEADER_FIELDS, LINE_KEYS, FieldKind, canonical_value, same_value

if TYPE_CHECKING:
    from api.evaluate.extraction_data import EvalCase

DEFAULT_BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)
DESCRIPTION_RIGHT_AT = 85
"""A matched line's description is right at this ``fuzz.ratio`` or more: OCR drops an accent
or splits a word, which should not make a line wrong. Plain ratio, not token-set ratio, which
scores a description cut down to its first word 100."""

PredictedFields = dict[str, tuple[str | None, float]]
Line = dict[str, str | None]


@dataclass
class FieldCounts:
    n: int = 0  # cases whose truth records the field
    correct: int = 0
    missing: int = 0  # recorded in truth, not predicted (counted wrong, within n)
    false_positives: int = 0  # predicted, not recorded in truth (outside n)


@dataclass
class LineCounts:
    predicted: int = 0
    truth: int = 0
    matched: int = 0
    keys: dict[str, FieldCounts] = field(
        default_factory=lambda: {k: FieldCounts() for k in LINE_KEYS}
    )


@dataclass
class ExtractionScores:
    """Counts over many cases; :meth:`add` one case at a time, then read the tables."""

    fields: dict[str, FieldCounts] = field(
        default_factory=lambda: {name: FieldCounts() for name in HEADER_FIELDS}
    )
    lines: LineCounts = field(default_factory=LineCounts)
    cases: int = 0
    confidences: list[tuple[float, bool]] = field(default_factory=list)
    """(confidence, right) of every prediction whose truth is known."""
    errors: list[dict[str, Any]] = field(default_factory=list)
    """Per case, each wrong field and line key: name, field, predicted, truth."""
    case_results: list[dict[str, Any]] = field(default_factory=list)
    """Per case, fields right of recorded and lines matched, for per-layout views."""

    def add(
        self,
        case: EvalCase | None,
        truth: dict[str, Any],
        fields: PredictedFields,
        lines: list[Line],
    ) -> None:
        """Score one invoice. ``fields`` is name -> (canonical value, confidence); ``lines``
        are predicted line records. Lines are scored only if the truth records them."""
        unknown = sorted(set(fields) - set(HEADER_FIELDS))
        if unknown:
            raise ValueError(f"not header fields: {', '.join(unknown)}")
        name = case.name if case is not None else None
        self.cases += 1
        right = recorded = 0
        for field_name, kind in HEADER_FIELDS.items():
            expected = _canonical(kind, truth.get(field_name))
            got, confidence = fields.get(field_name, (None, 0.0))
            got = _canonical(kind, got)
            counts = self.fields[field_name]
            if expected is None:
                counts.false_positives += got is not None
                continue
            ok = got is not None and _same(kind, got, expected)
            counts.n += 1
            counts.correct += ok
            counts.missing += got is None
            recorded += 1
            right += ok
            if got is not None:
                self.confidences.append((float(confidence), ok))
            if not ok:
                self._error(name, field_name, got, expected)
        matched = self._add_lines(name, truth.get("lines"), lines)
        self.case_results.append(
            {
                "name": name,
                "dataset": case.dataset if case is not None else None,
                "layout": case.layout if case is not None else None,
                "fields_right": right,
                "fields_recorded": recorded,
                "lines_matched": matched,
                "lines_predicted": len(lines) if truth.get("lines") is not None else None,
                "lines_truth": len(truth["lines"]) if truth.get("lines") is not None else None,
            }
        )

    def field_table(self) -> list[dict[str, Any]]:
        """One row per field that was recorded or predicted, in canonical field order."""
        return [
            {
                "field": name,
                "n": counts.n,
                "correct": counts.correct,
                "accuracy": _ratio(counts.correct, counts.n),
                "missing": counts.missing,
                "false_positives": counts.false_positives,
            }
            for name, counts in self.fields.items()
            if counts.n or counts.false_positives
        ]

    def line_scores(self) -> dict[str, Any]:
        counts = self.lines
        precision = _ratio(counts.matched, counts.predicted)
        recall = _ratio(counts.matched, counts.truth)
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision is not None and recall is not None and precision + recall > 0
            else None
        )
        return {
            "predicted": counts.predicted,
            "truth": counts.truth,
            "matched": counts.matched,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "keys": {
                key: {"n": k.n, "correct": k.correct, "accuracy": _ratio(k.correct, k.n)}
                for key, k in counts.keys.items()
                if k.n
            },
        }

    def reliability(self, bins: Sequence[float] = DEFAULT_BINS) -> list[dict[str, Any]]:
        """Per confidence bin ``[low, high)`` (the last one closed): how many predictions, how
        many right, and their mean confidence; a calibrated extractor has the two equal."""
        edges = sorted(bins)
        rows = []
        for index, (low, high) in enumerate(pairwise(edges)):
            last = index == len(edges) - 2
            inside = [
                (confidence, ok)
                for confidence, ok in self.confidences
                if low <= confidence < high or (last and confidence == high)
            ]
            rows.append(
                {
                    "low": low,
                    "high": high,
                    "n": len(inside),
                    "accuracy": _ratio(sum(ok for _, ok in inside), len(inside)),
                    "mean_confidence": (
                        sum(confidence for confidence, _ in inside) / len(inside)
                        if inside
                        else None
                    ),
                }
            )
        return rows

    def share_right_at(self, threshold: float) -> tuple[int, float]:
        """(predictions at or above ``threshold``, fraction of them right): what an auto-accept
        threshold would let through and how much of it is right; (0, 0.0) when none reach it."""
        above = [ok for confidence, ok in self.confidences if confidence >= threshold]
        return len(above), (sum(above) / len(above) if above else 0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "fields": self.field_table(),
            "lines": self.line_scores(),
            "reliability": self.reliability(),
            "errors": self.errors,
            "case_results": self.case_results,
        }

    def _add_lines(self, name: str | None, truth: Any, predicted: list[Line]) -> int | None:
        if truth is None:
            return None  # nobody recorded the lines: neither right nor wrong
        pairs = match_lines(predicted, truth)
        self.lines.predicted += len(predicted)
        self.lines.truth += len(truth)
        self.lines.matched += len(pairs)
        for p, t in pairs:
            for key, kind in LINE_KEYS.items():
                expected = _canonical(kind, truth[t].get(key))
                if expected is None:
                    continue
                got = _canonical(kind, predicted[p].get(key))
                ok = got is not None and (
                    description_similarity(got, expected) >= DESCRIPTION_RIGHT_AT
                    if key == "description"
                    else _same(kind, got, expected)
                )
                counts = self.lines.keys[key]
                counts.n += 1
                counts.correct += ok
                if not ok:
                    self._error(name, f"lines[{t}].{key}", got, expected)
        if len(pairs) < max(len(predicted), len(truth)):
            self._error(
                name,
                "lines",
                f"{len(predicted)} lines, {len(pairs)} matched",
                f"{len(truth)} lines",
            )
        return len(pairs)

    def _error(self, name: str | None, field_name: str, got: str | None, expected: str) -> None:
        self.errors.append({"name": name, "field": field_name, "predicted": got, "truth": expected})


def match_lines(predicted: Sequence[Line], truth: Sequence[Line]) -> list[tuple[int, int]]:
    """One-to-one (predicted index, truth index) pairs of lines with the same amount and, when
    both state it, the same quantity.

    Among the candidates, the most similar descriptions are paired first (rapidfuzz token-set
    ratio), and equally similar ones in reading order, so identical lines (the same item
    bought twice) pair first with first, second with second, even when a line above is missed.
    Greedy rather than optimal: a line only competes with lines of the very same amount, a
    handful at most.
    """
    candidates = []
    for p, guess in enumerate(predicted):
        amount = _decimal(guess.get("amount"))
        if amount is None:
            continue
        for t, known in enumerate(truth):
            if _decimal(known.get("amount")) != amount:
                continue
            q_guess, q_known = _decimal(guess.get("quantity")), _decimal(known.get("quantity"))
            if q_guess is not None and q_known is not None and q_guess != q_known:
                continue
            similarity = _description_match(guess.get("description"), known.get("description"))
            candidates.append((-similarity, p, t))
    pairs = []
    used_p: set[int] = set()
    used_t: set[int] = set()
    for _, p, t in sorted(candidates):
        if p not in used_p and t not in used_t:
            pairs.append((p, t))
            used_p.add(p)
            used_t.add(t)
    return sorted(pairs)


def description_similarity(left: str, right: str) -> float:
    return fuzz.ratio(_folded(left), _folded(right))


def format_report(scores: ExtractionScores, title: str, fields: Sequence[str] | None = None) -> str:
    """Plain aligned tables (fields, lines, reliability) for a terminal or a CI log.

    ``fields`` picks and orders the rows of the field table; by default every field recorded
    or predicted.
    """
    table = {row["field"]: row for row in scores.field_table()}
    names = [name for name in fields if name in table] if fields is not None else list(table)
    field_rows = [
        [
            name,
            table[name]["n"],
            table[name]["correct"],
            _percent(table[name]["accuracy"]),
            table[name]["missing"],
            table[name]["false_positives"],
        ]
        for name in names
    ]
    lines = scores.line_scores()
    line_rows = [
        ["lines", lines["truth"], lines["predicted"], lines["matched"]]
        + [_percent(lines[k]) for k in ("precision", "recall", "f1")]
    ]
    key_rows = [
        [key, row["n"], row["correct"], _percent(row["accuracy"])]
        for key, row in lines["keys"].items()
    ]
    reliability_rows = [
        [
            f"{row['low']:.2f}-{row['high']:.2f}",
            row["n"],
            _percent(row["accuracy"]),
            _percent(row["mean_confidence"]),
        ]
        for row in scores.reliability()
    ]
    parts = [
        f"{title} ({scores.cases} invoices)",
        "",
        _table(["field", "n", "right", "accuracy", "missing", "false+"], field_rows),
        "",
        _table(["", "truth", "predicted", "matched", "precision", "recall", "f1"], line_rows),
        "",
        _table(["line key", "n", "right", "accuracy"], key_rows),
        "",
        _table(["confidence", "n", "accuracy", "mean conf."], reliability_rows),
    ]
    return "\n".join(parts)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    """Columns padded to their widest cell; the first left-aligned, numbers to the right."""
    cells = [headers, *[[str(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    rendered = [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    ]
    rendered.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(rendered)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _canonical(kind: FieldKind, value: Any) -> str | None:
    """The canonical form, or the raw text when it has none: a predicted "31.02.2026" is then
    simply wrong rather than an error that stops the evaluation."""
    try:
        canonical = canonical_value(kind, value)
    except ValueError:
        return str(value)
    if canonical is not None and kind is FieldKind.TEXT:
        return unicodedata.normalize("NFC", canonical)
    return canonical


def _same(kind: FieldKind, left: str, right: str) -> bool:
    try:
        return same_value(kind, left, right)
    except InvalidOperation:  # a non-canonical amount left as raw text
        return False


def _decimal(value: Any) -> Decimal | None:
    try:
        canonical = canonical_value(FieldKind.AMOUNT, value)
    except ValueError:
        return None
    return Decimal(canonical) if canonical is not None else None


def _description_match(left: str | None, right: str | None) -> float:
    if not left or not right:
        return 0.0
    return fuzz.token_set_ratio(_folded(left), _folded(right))


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())
