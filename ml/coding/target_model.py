"""One target's model (the GL account, say): memory, text model, ranker and calibration.

Training walks the company's postings in date order. The text model learns from the first
70 %; the ranker learns from the next 20 % as the memory saw them live; the last 10 % is held
out to calibrate probabilities, measure the model and choose the auto-accept threshold.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ml.coding.auto_accept import Coverage, threshold_for_precision
from ml.coding.calibration import ShareCalibration
from ml.coding.examples import CodingExample
from ml.coding.memory import SupplierMemory
from ml.coding.ranker import CandidateRows, Ranker, candidate_rows
from ml.coding.text_model import TextModel

TEXT_SHARE = 0.7
HELD_OUT_SHARE = 0.1
# Below this many labelled lines nothing can be held out; memory and text alone decide.
MIN_LEARNED = 200
RANKER_LINES_MAX = 150_000


@dataclass(frozen=True)
class Ranked:
    """A line's candidate values, best first, with calibrated probabilities."""

    values: list[str]
    probabilities: list[float]

    @property
    def top(self) -> str | None:
        return self.values[0] if self.values else None

    @property
    def top_probability(self) -> float:
        return self.probabilities[0] if self.probabilities else 0.0


@dataclass(frozen=True)
class HeldOutMetrics:
    lines: int
    top1: float
    top3: float
    threshold: float | None
    coverage: float
    precision: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "lines": self.lines,
            "top1": self.top1,
            "top3": self.top3,
            "threshold": self.threshold,
            "coverage": self.coverage,
            "precision": self.precision,
        }


class TargetModel:
    def __init__(self, target: str, precision_target: float = 0.98) -> None:
        self.target = target
        self.precision_target = precision_target
        self.memory = SupplierMemory()
        self.text = TextModel()
        self.ranker = Ranker()
        self.calibration = ShareCalibration()
        self.log_priors: dict[str, float] = {}
        self.held_out: HeldOutMetrics | None = None

    @property
    def threshold(self) -> float | None:
        return self.held_out.threshold if self.held_out else None

    def fit(self, examples: Sequence[CodingExample], values: Sequence[str]) -> "TargetModel":
        """Learn from labelled lines in date order; the memory ends up knowing all of them."""
        count = len(examples)
        counts = Counter(values)
        self.log_priors = {v: math.log(c / count) for v, c in counts.items()} if count else {}
        if count < MIN_LEARNED:
            self.text.fit(examples, values)
            for example, value in zip(examples, values, strict=True):
                self.memory.learn(example, value)
            return self
        text_end = int(count * TEXT_SHARE)
        ranker_end = count - int(count * HELD_OUT_SHARE)
        self.text.fit(examples[:text_end], values[:text_end])
        ranker_start = max(text_end, ranker_end - RANKER_LINES_MAX)
        later = list(range(ranker_start, count))
        text_probabilities = self.text.probabilities([examples[i] for i in later])
        ranker_lines: list[tuple[CandidateRows, str]] = []
        held_lines: list[tuple[CandidateRows, str]] = []
        for i, (example, value) in enumerate(zip(examples, values, strict=True)):
            if i >= ranker_start:
                rows = self.rows(example, text_probabilities[i - ranker_start])
                (ranker_lines if i < ranker_end else held_lines).append((rows, value))
            self.memory.learn(example, value)
        features, correct = _stacked(ranker_lines)
        self.ranker.fit(features, correct)
        self._calibrate(held_lines)
        return self

    def learn(self, example: CodingExample, value: str) -> None:
        self.memory.learn(example, value)

    def may_auto_accept(self, example: CodingExample, ranked: Ranked) -> bool:
        """Applied with no human: at or above the held-out threshold, and never the first
        coding of a supplier, whose lines the threshold was not measured on."""
        threshold = self.threshold
        return (
            threshold is not None
            and ranked.top is not None
            and ranked.top_probability >= threshold
            and example.supplier_key in self.memory.suppliers
        )

    def rank(self, example: CodingExample) -> Ranked:
        """One line against the memory as it is now."""
        return self.ranked([self.rows(example, self.text_probabilities([example])[0])])[0]

    def text_probabilities(self, examples: Sequence[CodingExample]) -> np.ndarray:
        """Computed for many lines at once: they do not depend on the memory."""
        return self.text.probabilities(examples)

    def rows(self, example: CodingExample, text_probabilities: np.ndarray) -> CandidateRows:
        """A line's candidates against the memory as it is now."""
        return candidate_rows(
            self.memory, example, self.text.values, text_probabilities, self.log_priors
        )

    def ranked(self, lines: Sequence[CandidateRows]) -> list[Ranked]:
        """Score candidates of many lines in one call; each line's add up to at most one."""
        features = [row for line in lines for row in line.features]
        scores = self.ranker.scores(np.asarray(features, dtype=float)) if features else []
        result = []
        start = 0
        for line in lines:
            own = np.asarray(scores[start : start + len(line.values)], dtype=float)
            start += len(line.values)
            total = max(float(own.sum()), 1.0)
            raw = own / total
            shares = self.calibration(raw) if len(raw) else raw
            # Calibration is monotone but flat in places; the raw shares break its ties.
            order = np.argsort(-raw, kind="stable")
            result.append(
                Ranked([line.values[i] for i in order], [float(shares[i]) for i in order])
            )
        return result

    def _calibrate(self, held_lines: list[tuple[CandidateRows, str]]) -> None:
        if not held_lines:
            return
        ranked = self.ranked([rows for rows, _ in held_lines])
        shares = [p for r in ranked for p in r.probabilities]
        hits = [
            v == truth for r, (_, truth) in zip(ranked, held_lines, strict=True) for v in r.values
        ]
        self.calibration = ShareCalibration().fit(shares, hits)
        ranked = self.ranked([rows for rows, _ in held_lines])
        truths = [truth for _, truth in held_lines]
        self.held_out = measure(ranked, truths, self.precision_target)


def measure(
    ranked: Sequence[Ranked], truths: Sequence[str], precision_target: float
) -> HeldOutMetrics:
    """Top-1, top-3 and the auto-accept threshold these lines support."""
    lines = len(truths)
    top1 = sum(r.top == t for r, t in zip(ranked, truths, strict=True))
    top3 = sum(t in r.values[:3] for r, t in zip(ranked, truths, strict=True))
    chosen: Coverage = threshold_for_precision(
        [r.top_probability for r in ranked],
        [r.top == t for r, t in zip(ranked, truths, strict=True)],
        precision_target,
    )
    return HeldOutMetrics(
        lines,
        top1 / max(lines, 1),
        top3 / max(lines, 1),
        chosen.threshold,
        chosen.coverage,
        chosen.precision,
    )


def _stacked(lines: list[tuple[CandidateRows, str]]) -> tuple[np.ndarray, np.ndarray]:
    features = [row for rows, _ in lines for row in rows.features]
    correct = [value == truth for rows, truth in lines for value in rows.values]
    return np.asarray(features, dtype=float).reshape(
        -1, len(features[0]) if features else 0
    ), np.asarray(correct)
