"""The learned candidate scorer: logistic regression over candidate features, per company.

Each corrected document is a lesson: of all the candidates Bilag generated for a field, the
ones whose value the clerk confirmed are right and the rest wrong. The model sees the hand-set
prior as one feature among the geometry, label and checksum features, so it learns where a
company's suppliers differ from the prior rather than starting from nothing.

Artifacts carry a format version and the scikit-learn version that wrote them; a mismatch
means "retrain", never a crash or a silently different model.
"""

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from ml.extraction.candidates import FEATURES, Candidate
from ml.extraction.selection import prior_score
from models.canonical_fields import HEADER_FIELDS, FieldKind, same_value

FORMAT_VERSION = 1
_FIELDS = tuple(HEADER_FIELDS)
_INTERACT = ("label_weight", "same_line", "below", "pattern", "y", "x", "memory")
_MIN_EXAMPLES = 3  # documents; fewer and the prior is kept
_LEARNED_WEIGHT = 0.3
_REGULARISATION = 0.3  # inverse strength: features of a few layouts must not be memorised


def feature_vector(candidate: Candidate) -> list[float]:
    """Features, the prior, the field as one-hot, and field x geometry interactions."""
    f = candidate.features
    base = [f.get(name, 0.0) for name in FEATURES] + [prior_score(candidate)]
    one_hot = [0.0] * len(_FIELDS)
    one_hot[_FIELDS.index(candidate.field)] = 1.0
    interactions = [0.0] * (len(_FIELDS) * len(_INTERACT))
    offset = _FIELDS.index(candidate.field) * len(_INTERACT)
    for position, name in enumerate(_INTERACT):
        interactions[offset + position] = f.get(name, 0.0)
    return base + one_hot + interactions


def mark_consistent(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Marks amounts that take part in some net + VAT = total among the candidates, as the
    selector would, so training sees the feature as inference does."""
    values = {Decimal(c.value) for c in candidates if HEADER_FIELDS[c.field] is FieldKind.AMOUNT}
    holding: set[Decimal] = set()
    ordered = sorted(values)
    for net in ordered:
        for vat in ordered:
            if vat < net and net + vat in values and vat >= 0:
                holding |= {net, vat, net + vat}
    return [
        c.with_features(consistent=1.0)
        if HEADER_FIELDS[c.field] is FieldKind.AMOUNT and Decimal(c.value) in holding
        else c
        for c in candidates
    ]


@dataclass(frozen=True)
class TrainingSet:
    rows: list[list[float]]
    labels: list[int]
    documents: int

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(json.dumps([self.rows, self.labels]).encode())
        return digest.hexdigest()


def training_set(documents: Sequence[tuple[Sequence[Candidate], dict[str, Any]]]) -> TrainingSet:
    """Rows for every candidate of a field the truth states; the label is whether it is right."""
    rows: list[list[float]] = []
    labels: list[int] = []
    for candidates, truth in documents:
        for candidate in mark_consistent(candidates):
            wanted = truth.get(candidate.field)
            if wanted is None:
                continue
            kind = HEADER_FIELDS[candidate.field]
            rows.append(feature_vector(candidate))
            labels.append(int(same_value(kind, candidate.value, wanted)))
    return TrainingSet(rows, labels, len(documents))


@dataclass
class LearnedScorer:
    """A fitted model and what it was trained on; callable as a ``selection.Scorer``."""

    model: Any
    metrics: dict[str, float]
    fingerprint: str

    def __call__(self, candidates: Sequence[Candidate]) -> list[float]:
        if not candidates:
            return []
        matrix = np.asarray([feature_vector(c) for c in candidates], dtype=float)
        learned = self.model.predict_proba(matrix)[:, 1]
        # A company's corrections cover few layouts; the prior, which has seen none of them,
        # keeps the scorer sane on a supplier unlike those it learned from.
        return [
            round(_LEARNED_WEIGHT * float(p) + (1 - _LEARNED_WEIGHT) * prior_score(c), 4)
            for p, c in zip(learned, candidates, strict=True)
        ]


def train_scorer(data: TrainingSet) -> LearnedScorer | None:
    """Fit the scorer, or None when the lessons are too few or all one class."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    if data.documents < _MIN_EXAMPLES or len(set(data.labels)) < 2:
        return None
    matrix, labels = np.asarray(data.rows, dtype=float), np.asarray(data.labels)
    model = LogisticRegression(C=_REGULARISATION, max_iter=2000)
    folds = min(5, int(labels.sum()), int((1 - labels).sum()))
    metrics: dict[str, float] = {"rows": float(len(labels)), "positives": float(labels.sum())}
    if folds >= 2:
        scores = cross_val_score(model, matrix, labels, cv=folds, scoring="roc_auc")
        metrics["cv_roc_auc"] = round(float(scores.mean()), 4)
    model.fit(matrix, labels)
    return LearnedScorer(model, metrics, data.fingerprint)


def save_scorer(scorer: LearnedScorer, path: Path) -> None:
    """Atomically: a worker loading the model never reads half a file."""
    import joblib
    import sklearn

    buffer = io.BytesIO()
    joblib.dump(
        {
            "format_version": FORMAT_VERSION,
            "sklearn_version": sklearn.__version__,
            "features": len(feature_vector_dimensions()),
            "model": scorer.model,
            "metrics": scorer.metrics,
            "fingerprint": scorer.fingerprint,
        },
        buffer,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as out:
        out.write(buffer.getvalue())
    os.replace(out.name, path)


def load_scorer(path: Path) -> LearnedScorer | None:
    """The saved scorer, or None when it is missing or was written by another version."""
    import joblib
    import sklearn

    try:
        data = joblib.load(path)
    except (OSError, ValueError, EOFError, ImportError, AttributeError, KeyError):
        return None
    if (
        not isinstance(data, dict)
        or data.get("format_version") != FORMAT_VERSION
        or data.get("sklearn_version") != sklearn.__version__
        or data.get("features") != len(feature_vector_dimensions())
    ):
        return None
    return LearnedScorer(data["model"], data["metrics"], data["fingerprint"])


def feature_vector_dimensions() -> list[str]:
    """Names of the feature vector's entries, for the artifact's shape check and debugging."""
    names = [*FEATURES, "prior"]
    names += [f"field={name}" for name in _FIELDS]
    names += [f"{name}*{feature}" for name in _FIELDS for feature in _INTERACT]
    return names
