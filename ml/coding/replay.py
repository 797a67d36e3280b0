"""Replaying a company's history as live operation, to measure coding as a clerk would see it.

Train on the past; then walk the test slice in date order: predict each line, then reveal its
true coding as the confirmed posting it would become. Supplier memory learns it at once; the
learned model retrains on the production schedule. Nothing about the test slice is known to
the model before the line is predicted: the auto-accept threshold is the one the model chose
on its own held-out slice of the past.
"""

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ml.coding.examples import CodingExample
from ml.coding.schedule import RetrainSchedule
from ml.coding.target_model import Ranked, TargetModel

# Lines timed one by one through the single-line path, to report latency honestly; the rest
# are scored in blocks, which gives the same answers faster.
TIMED_EVERY = 100

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BaselineScore:
    top1: float

    def as_dict(self) -> dict[str, float]:
        return {"top1": round(self.top1, 4)}


@dataclass(frozen=True)
class ReplayResult:
    target: str
    n_train: int
    n_test: int
    top1: float
    top3: float
    coverage_at_98: float
    precision_at_98: float | None
    train_seconds: float
    retrain_seconds: float
    retrains: int
    predict_ms_per_row: float
    baseline_most_frequent: BaselineScore
    baseline_last_used: BaselineScore

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.target,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "coverage_at_98": round(self.coverage_at_98, 4),
            "precision_at_98": None
            if self.precision_at_98 is None
            else round(self.precision_at_98, 4),
            "train_seconds": round(self.train_seconds, 1),
            "retrains": self.retrains,
            "retrain_seconds": round(self.retrain_seconds, 1),
            "predict_ms_per_row": round(self.predict_ms_per_row, 3),
            "baseline_most_frequent": self.baseline_most_frequent.as_dict(),
            "baseline_last_used": self.baseline_last_used.as_dict(),
        }


def replay_history(
    examples: Sequence[CodingExample],
    values: Sequence[str],
    test_start: int,
    target: str,
    precision_target: float = 0.98,
    schedule: RetrainSchedule | None = None,
    progress: Progress | None = None,
) -> ReplayResult:
    """``examples`` in date order; lines from ``test_start`` on are the test slice."""
    schedule = schedule or RetrainSchedule()
    started = time.process_time()
    model = TargetModel(target, precision_target).fit(examples[:test_start], values[:test_start])
    train_seconds = time.process_time() - started
    trained_rows = test_start
    retrain_seconds = 0.0
    retrains = 0
    ranked: list[Ranked] = []
    accepts: list[bool] = []
    timed: list[float] = []
    position = test_start
    total = len(examples)
    while position < total:
        block_end = min(total, position + _block_length(schedule, trained_rows))
        block = examples[position:block_end]
        text = model.text_probabilities(block)
        lines = []
        known = []
        for offset, example in enumerate(block):
            if offset % TIMED_EVERY == 0:
                tick = time.perf_counter()
                model.rank(example)
                timed.append(time.perf_counter() - tick)
            lines.append(model.rows(example, text[offset]))
            known.append(example.supplier_key in model.memory.suppliers)
            model.learn(example, values[position + offset])
        block_ranked = model.ranked(lines)
        ranked += block_ranked
        # The auto-accept rule as it stood when each line was predicted.
        accepts += [
            seen and model.may_auto_accept(example, line)
            for example, line, seen in zip(block, block_ranked, known, strict=True)
        ]
        position = block_end
        if progress:
            progress(position - test_start, total - test_start)
        if position < total:
            tick = time.process_time()
            model = TargetModel(target, precision_target).fit(
                examples[:position], values[:position]
            )
            retrain_seconds += time.process_time() - tick
            retrains += 1
            trained_rows = position
    truths = values[test_start:]
    top1 = sum(r.top == t for r, t in zip(ranked, truths, strict=True))
    top3 = sum(t in r.values[:3] for r, t in zip(ranked, truths, strict=True))
    accepted = [r.top == t for r, t, a in zip(ranked, truths, accepts, strict=True) if a]
    n_test = len(truths)
    return ReplayResult(
        target=target,
        n_train=test_start,
        n_test=n_test,
        top1=top1 / max(n_test, 1),
        top3=top3 / max(n_test, 1),
        coverage_at_98=len(accepted) / max(n_test, 1),
        precision_at_98=sum(accepted) / len(accepted) if accepted else None,
        train_seconds=train_seconds,
        retrain_seconds=retrain_seconds,
        retrains=retrains,
        predict_ms_per_row=1000 * sum(timed) / max(len(timed), 1),
        baseline_most_frequent=_most_frequent(examples, values, test_start),
        baseline_last_used=_last_used(examples, values, test_start),
    )


def _block_length(schedule: RetrainSchedule, trained_rows: int) -> int:
    """Lines until the schedule retrains: the model stays fixed within a block."""
    return max(schedule.min_new_rows, int(schedule.new_share * trained_rows))


def _most_frequent(
    examples: Sequence[CodingExample], values: Sequence[str], test_start: int
) -> BaselineScore:
    """The supplier's most frequent value, frozen at the split."""
    counts: dict[str, Counter[str]] = {}
    for example, value in zip(examples[:test_start], values[:test_start], strict=True):
        counts.setdefault(example.supplier_key, Counter())[value] += 1
    overall = Counter(values[:test_start]).most_common(1)
    fallback = overall[0][0] if overall else None
    frozen = {key: c.most_common(1)[0][0] for key, c in counts.items()}
    hits = sum(
        frozen.get(e.supplier_key, fallback) == v
        for e, v in zip(examples[test_start:], values[test_start:], strict=True)
    )
    return BaselineScore(hits / max(len(examples) - test_start, 1))


def _last_used(
    examples: Sequence[CodingExample], values: Sequence[str], test_start: int
) -> BaselineScore:
    """The supplier's most recent value, updated as each line is revealed."""
    last: dict[str, str] = {}
    for example, value in zip(examples[:test_start], values[:test_start], strict=True):
        last[example.supplier_key] = value
    overall = Counter(values[:test_start]).most_common(1)
    fallback = overall[0][0] if overall else None
    hits = 0
    for example, value in zip(examples[test_start:], values[test_start:], strict=True):
        hits += last.get(example.supplier_key, fallback) == value
        last[example.supplier_key] = value
    return BaselineScore(hits / max(len(examples) - test_start, 1))
