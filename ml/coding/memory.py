"""Supplier memory: how each supplier has been coded, updated the moment a posting is confirmed.

Most suppliers are coded the same way every time, and when a supplier's coding changes it
changes for good, so the most recent codings say more than old ones. The memory keeps, per
supplier (and per supplier name, which carries across ids), counts and recency of every value,
and the same per exact amount and per amount bucket, because a supplier's monthly rent and
its one-off repairs are coded differently. It answers with candidate values and the evidence
for each; the ranker weighs that evidence.
"""

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ml.coding.examples import CodingExample, amount_bucket, normalised_name

# Two speeds of forgetting: a fast one follows a recent change, a slow one is the habit.
_FAST = 0.5
_SLOW = 0.9
_AMOUNTS_KEPT = 8


@dataclass(slots=True)
class _Tally:
    """How often, and lately how, one narrow key (a supplier and an amount) was coded."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    last: str | None = None

    def learn(self, value: str) -> None:
        self.total += 1
        self.counts[value] = self.counts.get(value, 0) + 1
        self.last = value


@dataclass(slots=True)
class _Habit:
    """How one supplier (or supplier name) has been coded so far, with recency."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    fast: dict[str, float] = field(default_factory=dict)
    slow: dict[str, float] = field(default_factory=dict)
    fast_total: float = 0.0
    slow_total: float = 0.0
    last: str | None = None
    last_day: int = 0
    order: list[str] = field(default_factory=list)  # values, most recently used first
    value_day: dict[str, int] = field(default_factory=dict)

    def learn(self, value: str, day: int) -> None:
        self.total += 1
        self.counts[value] = self.counts.get(value, 0) + 1
        for weights, rate in ((self.fast, _FAST), (self.slow, _SLOW)):
            for key in weights:
                weights[key] *= rate
            weights[value] = weights.get(value, 0.0) + 1.0
        self.fast_total = self.fast_total * _FAST + 1.0
        self.slow_total = self.slow_total * _SLOW + 1.0
        self.last = value
        self.last_day = day
        if not self.order or self.order[0] != value:
            if value in self.order:
                self.order.remove(value)
            self.order.insert(0, value)
        self.value_day[value] = day


# The evidence the memory gives for one candidate value, in this order.
MEMORY_FEATURES: tuple[str, ...] = (
    "supplier_share",
    "supplier_fast_share",
    "supplier_slow_share",
    "supplier_is_last",
    "supplier_recency_rank",
    "supplier_log_count",
    "supplier_known",
    "supplier_log_days_since_value",
    "supplier_same_day",
    "amount_share",
    "amount_is_last",
    "amount_log_count",
    "bucket_share",
    "bucket_is_last",
    "bucket_log_count",
    "name_share",
    "name_fast_share",
    "name_is_last",
    "name_log_count",
    "amount_distance",
    "value_log_days_unused",
    "value_recent_share",
    "successor_share",
    "successor_log_count",
)
# How many of the company's latest postings say which values are in use now.
_RECENT_POSTINGS = 2000
_SUCCESSORS_OFFERED = 2
_ABSENT_DISTANCE = 10.0


class SupplierMemory:
    """The online memory of one target (account, say) for one company."""

    def __init__(self) -> None:
        self.suppliers: dict[str, _Habit] = {}
        self.amounts: dict[tuple[str, str], _Tally] = {}
        self.buckets: dict[tuple[str, int], _Tally] = {}
        self.names: dict[str, _Habit] = {}
        self.value_amounts: dict[tuple[str, str], deque[float]] = {}
        # Values fall out of use (a department reorganised, an account closed): when any
        # supplier last used a value, and how often the latest postings use it.
        self.value_last_day: dict[str, int] = {}
        self.recent: deque[str] = deque(maxlen=_RECENT_POSTINGS)
        self.recent_counts: dict[str, int] = {}
        # When a supplier moves from one value to another, others coded the old way tend to
        # follow: successors[old][new] counts such moves.
        self.successors: dict[str, dict[str, int]] = {}

    def learn(self, example: CodingExample, value: str) -> None:
        """Take in one confirmed posting; the next prediction already knows it."""
        day = example.posting_date.toordinal()
        key = example.supplier_key
        supplier = _habit(self.suppliers, key)
        if supplier.last is not None and supplier.last != value:
            moves = self.successors.setdefault(supplier.last, {})
            moves[value] = moves.get(value, 0) + 1
        supplier.learn(value, day)
        self.value_last_day[value] = max(day, self.value_last_day.get(value, day))
        if len(self.recent) == self.recent.maxlen:
            dropped = self.recent[0]
            self.recent_counts[dropped] -= 1
        self.recent.append(value)
        self.recent_counts[value] = self.recent_counts.get(value, 0) + 1
        _habit(self.names, normalised_name(example.supplier_name)).learn(value, day)
        _tally(self.amounts, (key, str(example.amount))).learn(value)
        _tally(self.buckets, (key, amount_bucket(example.amount))).learn(value)
        amounts = self.value_amounts.get((key, value))
        if amounts is None:
            amounts = self.value_amounts[(key, value)] = deque(maxlen=_AMOUNTS_KEPT)
        amounts.append(_log_amount(float(example.amount)))

    def candidates(self, example: CodingExample, limit: int = 12) -> list[str]:
        """The values this supplier (or a supplier of the same name) has been coded with,
        most recent first."""
        found: list[str] = []
        amount = self.amounts.get((example.supplier_key, str(example.amount)))
        if amount is not None:
            found.extend(sorted(amount.counts, key=lambda v: (v != amount.last, -amount.counts[v])))
        supplier = self.suppliers.get(example.supplier_key)
        for habit in (supplier, self.names.get(normalised_name(example.supplier_name))):
            if habit is None:
                continue
            for value in habit.order:
                if value not in found:
                    found.append(value)
                if len(found) >= limit:
                    return found
        if supplier is not None and supplier.last in self.successors:
            moves = self.successors[supplier.last]
            for value in sorted(moves, key=lambda v: -moves[v])[:_SUCCESSORS_OFFERED]:
                if value not in found:
                    found.append(value)
        return found[:limit]

    def evidence(self, example: CodingExample, values: list[str]) -> list[list[float]]:
        """One row of :data:`MEMORY_FEATURES` per candidate value."""
        key = example.supplier_key
        day = example.posting_date.toordinal()
        supplier = self.suppliers.get(key)
        amount = self.amounts.get((key, str(example.amount)))
        bucket = self.buckets.get((key, amount_bucket(example.amount)))
        name = self.names.get(normalised_name(example.supplier_name))
        log_amount = _log_amount(float(example.amount))
        moves = self.successors.get(supplier.last or "", {}) if supplier is not None else {}
        moved = sum(moves.values())
        recent = max(len(self.recent), 1)
        rows = []
        for value in values:
            row: list[float] = []
            if supplier is not None:
                rank = supplier.order.index(value) if value in supplier.order else None
                seen_day = supplier.value_day.get(value)
                row += [
                    supplier.counts.get(value, 0) / supplier.total,
                    supplier.fast.get(value, 0.0) / supplier.fast_total,
                    supplier.slow.get(value, 0.0) / supplier.slow_total,
                    float(supplier.last == value),
                    1.0 / (1 + rank) if rank is not None else 0.0,
                    math.log1p(supplier.total),
                    1.0,
                    math.log1p(max(day - seen_day, 0)) if seen_day is not None else 10.0,
                    float(supplier.last_day == day and supplier.last == value),
                ]
            else:
                row += [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0, 0.0]
            row += _shares(amount, value)
            row += _shares(bucket, value)
            if name is not None:
                row += [
                    name.counts.get(value, 0) / name.total,
                    name.fast.get(value, 0.0) / name.fast_total,
                    float(name.last == value),
                    math.log1p(name.total),
                ]
            else:
                row += [0.0, 0.0, 0.0, 0.0]
            past = self.value_amounts.get((key, value))
            row.append(min(abs(a - log_amount) for a in past) if past else _ABSENT_DISTANCE)
            used = self.value_last_day.get(value)
            row += [
                math.log1p(max(day - used, 0)) if used is not None else _ABSENT_DISTANCE,
                self.recent_counts.get(value, 0) / recent,
                moves.get(value, 0) / moved if moved else 0.0,
                math.log1p(moves.get(value, 0)),
            ]
            rows.append(row)
        return rows


def _habit(table: dict[str, _Habit], key: str) -> _Habit:
    habit = table.get(key)
    if habit is None:
        habit = table[key] = _Habit()
    return habit


def _tally(table: "dict[Any, _Tally]", key: object) -> _Tally:
    tally = table.get(key)
    if tally is None:
        tally = table[key] = _Tally()
    return tally


def _shares(habit: _Tally | None, value: str) -> list[float]:
    if habit is None:
        return [0.0, 0.0, 0.0]
    return [
        habit.counts.get(value, 0) / habit.total,
        float(habit.last == value),
        math.log1p(habit.total),
    ]


def _log_amount(amount: float) -> float:
    return math.copysign(math.log1p(abs(amount)), amount)
