"""What a line's words and size say about its coding, for suppliers memory cannot answer for.

Supplier name and line description go through word and character n-gram TF-IDF (character
n-grams survive OCR slips and inflections: "konsulenttjenester", "konsulenttimer"); the amount
enters as a log bucket token and the currency as a token. A linear model trained with SGD on
logistic loss keeps training fast on hundreds of thousands of lines: identical lines are
merged into one weighted row first, which on real AP history removes most of them.
"""

import itertools
import re
import warnings
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier

from ml.coding.examples import CodingExample, amount_bucket

_WORD = re.compile(r"(?u)\b\w\w+\b")


def _document(example: CodingExample) -> tuple[str, str]:
    return (
        f"{example.supplier_name} {example.description}".lower(),
        f"amt{amount_bucket(example.amount)} cur{example.currency}",
    )


def line_features(document: tuple[str, str]) -> list[str]:
    """Words and word pairs, character 2-4-grams within words, and the amount and currency
    tokens, in one pass: a single vectorizer call per line keeps one line's scoring well under
    a millisecond, where three vectorizers cost three times the per-call overhead."""
    text, facts = document
    words = _WORD.findall(text)
    features = [f"w {word}" for word in words]
    features += [f"w {first} {second}" for first, second in itertools.pairwise(words)]
    for word in text.split():
        padded = f" {word} "
        for size in (2, 3, 4):
            features += [f"c{padded[i : i + size]}" for i in range(len(padded) - size + 1)]
    features += [f"f {fact}" for fact in facts.split()]
    return features


class TextModel:
    """P(value | words, amount bucket, currency) over every value the history has used."""

    def __init__(self) -> None:
        self.vectorizer = TfidfVectorizer(
            analyzer=line_features,
            min_df=2,
            sublinear_tf=True,
            max_features=400_000,
            dtype=np.float32,
        )
        self.classes: list[str] = []
        # The fitted weights, one column per value, kept C-contiguous: scoring one line then
        # touches only the rows of its n-grams (predict_proba copies the whole matrix per call).
        self.weights: np.ndarray | None = None
        self.intercepts: np.ndarray | None = None

    def fit(self, examples: Sequence[CodingExample], values: Sequence[str]) -> "TextModel":
        merged: dict[tuple[tuple[str, str], str], int] = {}
        for example, value in zip(examples, values, strict=True):
            key = (_document(example), value)
            merged[key] = merged.get(key, 0) + 1
        if len({key[1] for key in merged}) < 2:
            self.classes = [next(iter(merged))[1]] if merged else []
            return self
        keys = list(merged)
        matrix = self.vectorizer.fit_transform([k[0] for k in keys])
        weights = np.log1p(np.fromiter(merged.values(), dtype=float, count=len(keys)))
        classifier = SGDClassifier(
            loss="log_loss", alpha=2e-6, max_iter=30, tol=1e-4, random_state=0
        )
        with warnings.catch_warnings():
            # The epoch budget is deliberate: it bounds training time on large histories.
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.fit(matrix, [k[1] for k in keys], sample_weight=weights)
        self.classes = [str(value) for value in classifier.classes_]
        self.weights = np.ascontiguousarray(classifier.coef_.T, dtype=np.float32)
        self.intercepts = classifier.intercept_.astype(np.float32)
        return self

    @property
    def values(self) -> list[str]:
        return self.classes

    def probabilities(self, examples: Sequence[CodingExample]) -> np.ndarray:
        """One row per example, one column per value in :attr:`values`: one-vs-rest logistic
        scores normalised to sum to one, as scikit-learn's SGD ``predict_proba`` does."""
        if self.weights is None or self.intercepts is None:
            return np.ones((len(examples), len(self.classes)))
        if len(examples) == 1:
            scores = self._line_scores(examples[0], self.weights, self.intercepts)[np.newaxis, :]
        else:
            matrix = self.vectorizer.transform([_document(e) for e in examples])
            scores = np.asarray(matrix @ self.weights) + self.intercepts
        if len(self.classes) == 2:
            positive = expit(scores[:, 0])
            return np.column_stack([1 - positive, positive])
        probabilities = expit(scores)
        totals = probabilities.sum(axis=1, keepdims=True)
        return np.divide(
            probabilities,
            totals,
            out=np.full_like(probabilities, 1 / len(self.classes)),
            where=totals > 0,
        )

    def _line_scores(
        self, example: CodingExample, weights: np.ndarray, intercepts: np.ndarray
    ) -> np.ndarray:
        """The vectorizer's TF-IDF of one line, computed directly: scikit-learn's per-call
        overhead is most of the time of a one-line transform, and a line waits for it."""
        vocabulary = self.vectorizer.vocabulary_
        counts = Counter(f for f in line_features(_document(example)) if f in vocabulary)
        if not counts:
            return intercepts.astype(np.float64)
        index = np.fromiter((vocabulary[f] for f in counts), dtype=np.intp, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        values = tf * self.vectorizer.idf_[index]
        values /= np.linalg.norm(values)
        return values @ weights[index] + intercepts
