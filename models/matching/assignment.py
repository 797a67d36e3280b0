"""Which invoice line bills which PO line: a scored, optimal one-to-one assignment.

Each pair (invoice line, candidate PO line) gets a plausibility score from the evidence an AP
clerk would use: the same item code, a similar description, the same unit price, a quantity
that fits what is left to bill, and the line's own PO reference. The pairing is solved as a
linear assignment (Hungarian method, ``scipy.optimize.linear_sum_assignment``) rather than line
by line, because first-fit pairs a generic line with the PO line a later, more specific line
needs. Pairs without enough evidence are forbidden, so an unrelated line stays unassigned instead
of being forced onto whatever PO line is left.

Scores are floats: they only rank pairs. Every verdict on money and quantities is made later on
the Decimal figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process, utils
from scipy.optimize import linear_sum_assignment

from models.matching.fees import is_fee_line
from models.matching.order_numbers import normalise_order_number
from models.matching.records import (
    InvoiceLineToMatch,
    MatchMode,
    OrderLineState,
    OrderState,
)

# Score weights. An equal item code is the strongest single piece of evidence; a description
# alone can place a line; price and quantity separate look-alike lines.
CODE_EQUAL = 4.0
CODE_DIFFERENT = -1.0  # weak: invoices often carry the seller's code, POs the buyer's
DESCRIPTION = 2.0
PRICE = 1.5
QUANTITY = 0.5
REFERENCE = 1.0

# Description similarity (token set ratio, 0-100) from which a description alone is evidence.
MIN_DESCRIPTION_SIMILARITY = 60.0
# Relative price difference under which a price counts as the same for plausibility.
SAME_PRICE = 0.001
# A price this much off (relative) scores no price closeness at all: 25 %.
PRICE_SHARPNESS = 4.0
FORBIDDEN = 1e6
_NOT_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class CandidateLine:
    """A PO line that may be billed, with its order and the order's comparable number."""

    order: OrderState
    line: OrderLineState
    order_key: str

    @property
    def open_quantity(self) -> Decimal:
        """What may still be invoiced: received (3-way) or ordered (2-way) less invoiced."""
        base = (
            self.line.received_quantity
            if self.order.mode is MatchMode.THREE_WAY
            else self.line.quantity
        )
        return base - self.line.invoiced_quantity


def candidate_lines(orders: Sequence[OrderState]) -> list[CandidateLine]:
    """The open lines of ``orders``; a closed PO line is never billed again."""
    candidates: list[CandidateLine] = []
    for order in orders:
        key = normalise_order_number(order.number)
        candidates.extend(
            CandidateLine(order, line, key) for line in order.lines if not line.closed
        )
    return candidates


def invoice_unit_price(line: InvoiceLineToMatch) -> Decimal | None:
    """The printed unit price, else amount / quantity, else unknown."""
    if line.unit_price is not None:
        return line.unit_price
    if line.amount is not None and line.quantity:
        return line.amount / line.quantity
    return None


@lru_cache(maxsize=1 << 16)
def normalise_item_code(code: str | None) -> str:
    """Item codes compared without case, spaces and punctuation; "" when there is none."""
    return _NOT_ALNUM.sub("", code).casefold() if code else ""


def score_pairs(
    lines: Sequence[InvoiceLineToMatch],
    candidates: Sequence[CandidateLine],
    *,
    credit: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Scores (higher is better) and plausibility of every line x candidate pair.

    For a credit note the quantity is compared with what was invoiced, the quantity that can
    be credited; for an invoice with what is still open.
    """
    codes_a = np.array([normalise_item_code(line.item_code) for line in lines], dtype=object)
    codes_b = np.array([normalise_item_code(c.line.item_code) for c in candidates], dtype=object)
    known = (codes_a != "")[:, None] & (codes_b != "")[None, :]
    same_code = known & (codes_a[:, None] == codes_b[None, :])
    other_code = known & ~same_code

    description = process.cdist(
        [line.description for line in lines],
        [c.line.description for c in candidates],
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        dtype=np.float32,
    )

    prices = (invoice_unit_price(line) for line in lines)
    price_a = _floats(None if p is None else abs(p) if credit else p for p in prices)
    price_b = _floats(c.line.unit_price for c in candidates)
    price_rel = _relative_difference(price_a, price_b)
    price_close = _closeness(price_rel, PRICE_SHARPNESS)
    same_price = price_rel <= SAME_PRICE  # False where unknown (NaN)

    qty_a = _floats(None if line.quantity is None else abs(line.quantity) for line in lines)
    qty_b = _floats(c.line.invoiced_quantity if credit else c.open_quantity for c in candidates)
    qty_close = _closeness(_relative_difference(qty_a, qty_b), 1.0)

    refs_a = np.array(
        [normalise_order_number(line.order_reference or "") for line in lines], dtype=object
    )
    refs_b = np.array([c.order_key for c in candidates], dtype=object)
    has_ref = (refs_a != "")[:, None]
    same_ref = has_ref & (refs_a[:, None] == refs_b[None, :])

    scores = (
        CODE_EQUAL * same_code
        + CODE_DIFFERENT * other_code
        + DESCRIPTION * (description / 100.0)
        + PRICE * price_close
        + QUANTITY * qty_close
        + REFERENCE * same_ref
    )
    fee = np.array([is_fee_line(line) for line in lines], dtype=bool)[:, None]
    plausible = (
        same_code
        | (description >= MIN_DESCRIPTION_SIMILARITY)
        | (~fee & same_price & ((qty_close >= 1.0 - SAME_PRICE) | same_ref))
    )
    # A line that names its PO is billed against that PO only.
    plausible &= ~has_ref | same_ref
    return scores, plausible


def assign(scores: np.ndarray, plausible: np.ndarray) -> list[tuple[int, int]]:
    """The (line, candidate) pairs of an optimal one-to-one assignment of plausible pairs.

    Forbidden pairs cost so much that the solver first pairs as many lines as plausibly
    possible, then maximises the total score; a forbidden pair it was forced into is dropped,
    leaving that line unassigned. A single line or a single candidate needs no solver.
    """
    n_lines, n_candidates = scores.shape
    if n_lines == 0 or n_candidates == 0:
        return []
    cost = np.where(plausible, -scores, FORBIDDEN)
    if n_lines == 1:
        rows, cols = np.array([0]), np.array([int(np.argmin(cost[0]))])
    elif n_candidates == 1:
        rows, cols = np.array([int(np.argmin(cost[:, 0]))]), np.array([0])
    else:
        rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if plausible[r, c]]


def match_lines(
    lines: Sequence[InvoiceLineToMatch],
    candidates: Sequence[CandidateLine],
    *,
    credit: bool = False,
) -> dict[int, int]:
    """Invoice line index → candidate index for the lines that found a PO line."""
    if not lines or not candidates:
        return {}
    scores, plausible = score_pairs(lines, candidates, credit=credit)
    return dict(assign(scores, plausible))


def _floats(values: Iterable[Decimal | None]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _closeness(relative: np.ndarray, sharpness: float) -> np.ndarray:
    """1 for equal figures falling to 0 at a relative difference of 1 / sharpness; 0 where
    unknown (``fmax`` drops the NaN)."""
    return np.fmax(np.minimum(1.0 - sharpness * relative, 1.0), 0.0)


def _relative_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| / max(|a|, |b|) for every pair: 0 when equal (zero included), 1 when one of them
    is zero, NaN when either is unknown."""
    diff = np.abs(a[:, None] - b[None, :])
    scale = np.maximum(np.abs(a)[:, None], np.abs(b)[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = diff / scale
    relative[scale == 0] = 0.0
    return relative
