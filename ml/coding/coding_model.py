"""A company's coding model: one ranked, calibrated model per target, and its explanations.

It is trained on the company's confirmed postings only, in date order, and keeps learning
online: every posting confirmed after training goes straight into supplier memory, so a
supplier recoded today is coded the new way tomorrow, long before the next retraining.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from ml.coding.examples import TARGETS, CodingExample, Posting
from ml.coding.explanations import PostingLog
from ml.coding.target_model import TargetModel

TOP_K = 3


@dataclass(frozen=True)
class CodingPolicy:
    """``abstain_below``: a top suggestion less likely than this is shown, not filled in."""

    precision_target: float = 0.98
    abstain_below: float = 0.4


@dataclass(frozen=True)
class TargetSuggestion:
    target: str
    value: str | None
    probability: float
    alternatives: list[tuple[str, float]]
    auto_accept: bool
    threshold: float | None
    explanation: list[dict[str, object]] = field(default_factory=list)

    @property
    def abstained(self) -> bool:
        return self.value is None


class CodingModel:
    def __init__(self, policy: CodingPolicy | None = None) -> None:
        self.policy = policy or CodingPolicy()
        self.targets: dict[str, TargetModel] = {}
        self.log = PostingLog()
        self.learned_seq = 0

    def fit(self, postings: Sequence[Posting]) -> "CodingModel":
        """Postings must be in date order (ties in the order they were confirmed)."""
        for target in TARGETS:
            labelled = [p for p in postings if p.label(target)]
            if not labelled:
                continue
            model = TargetModel(target, self.policy.precision_target)
            model.fit([p.example for p in labelled], [p.coding[target] for p in labelled])
            self.targets[target] = model
        for posting in postings:
            self.log.learn(posting)
        return self

    def learn(self, posting: Posting) -> None:
        """A confirmed posting: memory and explanations know it at once."""
        for target, model in self.targets.items():
            value = posting.label(target)
            if value:
                model.learn(posting.example, value)
        self.log.learn(posting)

    def suggest(self, example: CodingExample) -> dict[str, TargetSuggestion]:
        suggestions = {}
        for target, model in self.targets.items():
            ranked = model.rank(example)
            top = ranked.top
            probability = ranked.top_probability
            threshold = model.threshold
            value = top if top is not None and probability >= self.policy.abstain_below else None
            explained = self.log.similar(example, target, top) if top is not None else []
            suggestions[target] = TargetSuggestion(
                target=target,
                value=value,
                probability=probability,
                alternatives=list(zip(ranked.values, ranked.probabilities, strict=True))[:TOP_K],
                auto_accept=value is not None and model.may_auto_accept(example, ranked),
                threshold=threshold,
                explanation=[p.as_dict() for p in explained],
            )
        return suggestions

    def metrics(self) -> dict[str, object]:
        """Held-out figures per target, for the model registry and the promotion rule."""
        return {
            target: model.held_out.as_dict() if model.held_out else None
            for target, model in self.targets.items()
        }
