"""How sure is sure enough: the probability above which a suggestion is applied unseen.

The threshold is read off a held-out recent slice of the company's own history: the lowest
probability at which the suggestions above it were still right at the target precision. Too
few lines to show that precision means no threshold, and every line goes to a person.
"""

from collections.abc import Sequence
from dataclasses import dataclass

# Fewer confident lines than this in the held-out slice cannot show 98 % precision.
MIN_ACCEPTED = 50


@dataclass(frozen=True)
class Coverage:
    threshold: float | None
    coverage: float
    precision: float | None


def threshold_for_precision(
    top_probabilities: Sequence[float], top_correct: Sequence[bool], target: float
) -> Coverage:
    """The largest set of most-confident lines whose precision reaches ``target``."""
    pairs = sorted(zip(top_probabilities, top_correct, strict=True), key=lambda p: -p[0])
    best: Coverage = Coverage(None, 0.0, None)
    right = 0
    for taken, (probability, correct) in enumerate(pairs, start=1):
        right += bool(correct)
        ends_tie = taken == len(pairs) or pairs[taken][0] < probability
        if ends_tie and taken >= MIN_ACCEPTED and right / taken >= target:
            best = Coverage(probability, taken / len(pairs), right / taken)
    return best
