"""From a candidate's raw share to a probability a clerk and the auto-accept rule can trust.

Isotonic regression is the most faithful map when the held-out slice is large, but on a
few hundred lines it overfits into steps of exactly 0 and 1 (every held-out line right
makes every later guess "certain"). Below :data:`ISOTONIC_FROM` held-out candidates a
one-feature logistic (Platt) curve on the share's log-odds is fitted instead: regularised,
smooth, never exactly 0 or 1.
"""

from collections.abc import Sequence

import numpy as np
from scipy.special import expit, logit
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

ISOTONIC_FROM = 5000
_EDGE = 1e-4


class ShareCalibration:
    def __init__(self) -> None:
        self.thresholds: tuple[np.ndarray, np.ndarray] | None = None
        self.sigmoid: tuple[float, float] | None = None

    def fit(self, shares: Sequence[float], hits: Sequence[bool]) -> "ShareCalibration":
        if len(set(hits)) < 2:
            return self
        if len(shares) >= ISOTONIC_FROM:
            isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            isotonic.fit(shares, hits)
            self.thresholds = (isotonic.X_thresholds_, isotonic.y_thresholds_)
        else:
            curve = LogisticRegression(C=1.0)
            curve.fit(_log_odds(np.asarray(shares, dtype=float)).reshape(-1, 1), hits)
            self.sigmoid = (float(curve.coef_[0][0]), float(curve.intercept_[0]))
        return self

    def __call__(self, shares: np.ndarray) -> np.ndarray:
        """Monotone in the share, so a line's ranking is unchanged."""
        if self.thresholds is not None:
            # What IsotonicRegression.predict (clipped) computes, without its validation.
            return np.interp(shares, *self.thresholds)
        if self.sigmoid is not None:
            slope, intercept = self.sigmoid
            return expit(slope * _log_odds(shares) + intercept)
        return shares


def _log_odds(shares: np.ndarray) -> np.ndarray:
    return logit(np.clip(shares, _EDGE, 1 - _EDGE))
