"""Ranking candidate values: memory evidence and the text model's view, weighed by a learned
model of which evidence turns out right.

Each candidate value of a line becomes one row of features; a gradient-boosted classifier
learns P(this candidate is the coding). It is trained on lines the memory had not yet seen,
walked in date order, so it learns how far to trust "last used" against "usual for this
amount" exactly as they behave live.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from ml.coding.examples import CodingExample
from ml.coding.memory import MEMORY_FEATURES, SupplierMemory

TEXT_CANDIDATES = 5
RANKER_FEATURES: tuple[str, ...] = (
    *MEMORY_FEATURES,
    "text_probability",
    "text_rank",
    "log_prior",
    "from_memory",
    "candidate_count",
)


@dataclass(frozen=True)
class CandidateRows:
    """The candidates of one line and their feature rows."""

    values: list[str]
    features: list[list[float]]


def candidate_rows(
    memory: SupplierMemory,
    example: CodingExample,
    text_values: Sequence[str],
    text_probabilities: np.ndarray,
    log_priors: dict[str, float],
) -> CandidateRows:
    """Candidates from memory first, then the text model's best guesses."""
    remembered = memory.candidates(example)
    values = list(remembered)
    order = np.argsort(-text_probabilities)
    text_rank = {text_values[i]: rank for rank, i in enumerate(order)}
    for i in order[:TEXT_CANDIDATES]:
        if text_values[i] not in values:
            values.append(text_values[i])
    text_index = {value: i for i, value in enumerate(text_values)}
    evidence = memory.evidence(example, values)
    count = float(len(values))
    rows = []
    for value, row in zip(values, evidence, strict=True):
        index = text_index.get(value)
        probability = float(text_probabilities[index]) if index is not None else 0.0
        rank = text_rank.get(value)
        rows.append(
            [
                *row,
                probability,
                1.0 / (1 + rank) if rank is not None else 0.0,
                log_priors.get(value, math.log(1e-06)),
                float(value in remembered),
                count,
            ]
        )
    return CandidateRows(values, rows)


class Ranker:
    """P(candidate is right | its evidence); one per target."""

    def __init__(self) -> None:
        self.classifier: HistGradientBoostingClassifier | None = None

    def fit(self, features: np.ndarray, correct: np.ndarray) -> "Ranker":
        if len(np.unique(correct)) < 2:
            return self
        self.classifier = HistGradientBoostingClassifier(
            max_iter=50,
            learning_rate=0.2,
            max_leaf_nodes=63,
            min_samples_leaf=40,
            l2_regularization=1.0,
            random_state=0,
        )
        self.classifier.fit(features, correct)
        return self

    def scores(self, features: np.ndarray) -> np.ndarray:
        """P(correct) per row, before the line's candidates are weighed against each other."""
        if self.classifier is None:
            # No learned weighing yet: trust memory shares, then the text model.
            share = features[:, MEMORY_FEATURES.index("supplier_fast_share")]
            text = features[:, len(MEMORY_FEATURES)]
            return np.clip(0.7 * share + 0.3 * text, 0.0, 1.0)
        return self.classifier.predict_proba(features)[:, 1]
