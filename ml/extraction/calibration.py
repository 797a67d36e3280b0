"""Turning scores into probabilities that mean what they say.

A score ranks candidates; a confidence must also be *right as often as it claims*: of the
fields reported at 0.9, nine in ten must be correct, or an auto-approval threshold set on it
means nothing. Calibration is isotonic regression of correctness on score, fitted per field on
development data (generated invoices, never the evaluation sets) and shipped as a small table
that is interpolated at run time.
"""

import json
import os
import tempfile
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
FORMAT_VERSION = 1
_MIN_PER_FIELD = 40  # fewer examples than this and a field uses the pooled curve
_MAX_POINTS = 24
MAX_READ_CONFIDENCE = 0.995


@dataclass(frozen=True)
class Curve:
    """A non-decreasing map from score to probability, as interpolation points."""

    scores: tuple[float, ...]
    probabilities: tuple[float, ...]

    def __call__(self, score: float) -> float:
        if not self.scores:
            return score
        index = bisect_right(self.scores, score)
        if index == 0:
            return self.probabilities[0]
        if index == len(self.scores):
            return self.probabilities[-1]
        x0, x1 = self.scores[index - 1], self.scores[index]
        y0, y1 = self.probabilities[index - 1], self.probabilities[index]
        return y0 + (y1 - y0) * (score - x0) / (x1 - x0) if x1 > x0 else y1


@dataclass(frozen=True)
class Calibration:
    pooled: Curve = field(default_factory=lambda: Curve((), ()))
    per_field: dict[str, Curve] = field(default_factory=dict)

    def probability(self, field_name: str, score: float) -> float:
        """Never 1.0 from a reading: certainty is for stated values (an e-invoice's XML) and
        a person's correction."""
        curve = self.per_field.get(field_name, self.pooled)
        return max(0.0, min(MAX_READ_CONFIDENCE, curve(score)))

    def to_json(self) -> dict:
        def curve(c: Curve) -> dict:
            return {"scores": list(c.scores), "probabilities": list(c.probabilities)}

        return {
            "format_version": FORMAT_VERSION,
            "pooled": curve(self.pooled),
            "per_field": {name: curve(c) for name, c in sorted(self.per_field.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> "Calibration":
        def curve(d: dict) -> Curve:
            return Curve(tuple(d["scores"]), tuple(d["probabilities"]))

        return cls(curve(data["pooled"]), {n: curve(d) for n, d in data["per_field"].items()})


def fit_calibration(records: Sequence[tuple[str, float, bool]]) -> Calibration:
    """Isotonic fits of correctness on score: pooled, and per field with enough examples."""
    pooled = _fit([(s, c) for _, s, c in records])
    by_field: dict[str, list[tuple[float, bool]]] = {}
    for name, score, correct in records:
        by_field.setdefault(name, []).append((score, correct))
    per_field = {name: _fit(rows) for name, rows in by_field.items() if len(rows) >= _MIN_PER_FIELD}
    return Calibration(pooled, per_field)


def _fit(rows: Sequence[tuple[float, bool]]) -> Curve:
    from sklearn.isotonic import IsotonicRegression

    if len({correct for _, correct in rows}) < 2:
        rate = float(rows[0][1]) if rows else 0.5
        return Curve((0.0, 1.0), (rate, rate))
    model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    model.fit([s for s, _ in rows], [float(c) for _, c in rows])
    xs, ys = list(model.X_thresholds_), list(model.y_thresholds_)
    step = max(1, len(xs) // _MAX_POINTS)
    points = sorted({(xs[i], ys[i]) for i in range(0, len(xs), step)} | {(xs[-1], ys[-1])})
    return Curve(tuple(round(x, 4) for x, _ in points), tuple(round(y, 4) for _, y in points))


def write_calibration(calibration: Calibration, path: Path = CALIBRATION_FILE) -> None:
    """Written atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as out:
        json.dump(calibration.to_json(), out, indent=1)
    os.replace(out.name, path)
    load_calibration.cache_clear()


@cache
def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    """The shipped calibration; scores pass through unchanged when there is none or it is of
    another format."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return Calibration()
    if data.get("format_version") != FORMAT_VERSION:
        return Calibration()
    return Calibration.from_json(data)
